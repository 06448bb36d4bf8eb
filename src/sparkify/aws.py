"""boto3 clients for the pipeline (S3 sources, Redshift staging and IAM authentication).

Every client the pipeline uses is made here, from one boto3 Session, so boto3's own
configuration is honoured in one place: profiles (``AWS_PROFILE``), credentials, region, retry
settings (``AWS_MAX_ATTEMPTS``) and ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_<SERVICE>``. The
``endpoint_url`` and ``region`` settings override boto3's choice; that is how tests point the
pipeline at a local moto server. boto3 is imported only when a client is made, so
``import sparkify`` works without it. botocore failures become one line with a fix through
:func:`describe_error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sparkify.config import Settings
from sparkify.errors import ConfigError, SparkifyError

CREDENTIALS_HINT = (
    "Configure AWS credentials: `aws configure`, `aws sso login`, AWS_PROFILE, or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)
_DEBUG_HINT = "Run again with --debug for details."


class AwsFailure(StrEnum):
    """What sort of failure an AWS error is; a caller may give its own hint for a sort."""

    ACCESS_DENIED = "access denied"
    BAD_CREDENTIALS = "bad credentials"
    NO_BUCKET = "no bucket"
    THROTTLED = "throttled"
    QUOTA = "quota"
    STATE = "state"
    CAPACITY = "capacity"
    REGION = "region"
    IN_USE = "in use"
    OTHER = "other"  # any other AWS error code
    NO_CREDENTIALS = "no credentials"
    PROFILE = "profile"
    LOGIN = "login"
    NO_REGION = "no region"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    INVALID = "invalid"
    BOTOCORE = "botocore"  # any other client-side failure


# AWS error codes -> (sort, what went wrong, how to fix it). In the texts, {region} is the
# region (or "this region") and {in_region} " in region R" (or nothing).
_CODES: tuple[tuple[frozenset[str], AwsFailure, str, str], ...] = (
    (
        frozenset(
            (
                "AccessDenied",
                "AccessDeniedException",
                "AllAccessDisabled",
                "403",
                "UnauthorizedOperation",
                "UnauthorizedAccess",
                "AuthorizationError",
            )
        ),
        AwsFailure.ACCESS_DENIED,
        "access denied",
        "",
    ),
    (
        frozenset(
            (
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "ExpiredToken",
                "ExpiredTokenException",
                "InvalidToken",
                "InvalidClientTokenId",
                "UnrecognizedClientException",
                "AuthFailure",
                "RequestExpired",
            )
        ),
        AwsFailure.BAD_CREDENTIALS,
        "AWS rejected the credentials",
        "The credentials are wrong or expired. " + CREDENTIALS_HINT,
    ),
    (
        frozenset(("NoSuchBucket", "404")),
        AwsFailure.NO_BUCKET,
        "the bucket does not exist",
        "Check the bucket name (and endpoint_url when using an S3-compatible store).",
    ),
    (
        frozenset(("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded")),
        AwsFailure.THROTTLED,
        "AWS throttled the requests",
        "Run again.",
    ),
    (
        frozenset(
            (
                "ClusterQuotaExceeded",
                "NumberOfNodesQuotaExceeded",
                "NumberOfNodesPerClusterLimitExceeded",
                "ClusterSnapshotQuotaExceeded",
                "LimitExceeded",
                "LimitExceededException",
                "SecurityGroupLimitExceeded",
                "RulesPerSecurityGroupLimitExceeded",
                "TagLimitExceeded",
            )
        ),
        AwsFailure.QUOTA,
        "an AWS quota is exceeded",
        "Delete unused resources in {region} or ask for a higher limit in Service Quotas.",
    ),
    (
        frozenset(("InvalidClusterState", "InvalidClusterSnapshotState")),
        AwsFailure.STATE,
        "the cluster's current state does not allow it",
        "Wait until `sparkify infra status` shows the cluster available, then re-run.",
    ),
    (
        frozenset(("InsufficientClusterCapacity",)),
        AwsFailure.CAPACITY,
        "AWS has no capacity for this node type now",
        "Re-run later, or choose another node_type in [cluster].",
    ),
    (
        frozenset(("OptInRequired", "InvalidRegion", "UnsupportedOperation")),
        AwsFailure.REGION,
        "not available{in_region}",
        "Check the region: the service must be enabled there.",
    ),
    (
        frozenset(("DependencyViolation", "DeleteConflict", "InvalidGroup.InUse")),
        AwsFailure.IN_USE,
        "it is still in use",
        "Something else still uses it; detach that (or wait a few minutes) and re-run.",
    ),
)


@dataclass(frozen=True)
class AwsProblem:
    """What went wrong in an AWS call: ``code`` is AWS's error code (or the name of a
    client-side failure), ``clause`` says what failed ("could not …"), ``hint`` how to fix it."""

    code: str
    kind: AwsFailure
    clause: str
    hint: str

    @property
    def message(self) -> str:
        """The clause as a sentence: "Could not …."."""
        return f"C{self.clause[1:]}."


def aws_client(
    service: str, settings: Settings, *, max_pool: int = 10, anonymous_fallback: bool = False
) -> Any:
    """A boto3 client for ``service`` configured from ``settings`` and boto3's own sources.

    Retries use botocore's adaptive mode (backoff plus client-side rate limiting, so S3
    ``SlowDown`` answers are absorbed); the number of attempts is boto3's (``AWS_MAX_ATTEMPTS``
    or the profile's ``max_attempts``). ``max_pool`` sizes the HTTP connection pool for
    concurrent requests. With ``anonymous_fallback`` and no credentials anywhere, requests are
    sent unsigned, which reads public buckets (such as ``s3://udacity-dend``).
    """
    boto3 = import_boto3(service, ConfigError)
    from botocore import UNSIGNED
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.session.Session(region_name=settings.region)
        options: dict[str, Any] = {
            "retries": {"mode": "adaptive"},
            "max_pool_connections": max_pool,
            "user_agent_extra": "sparkify",
        }
        if anonymous_fallback and session.get_credentials() is None:
            options["signature_version"] = UNSIGNED
        config = client_config(**options)
        return session.client(service, endpoint_url=settings.endpoint_url, config=config)
    except BotoCoreError as e:
        problem = describe_error(e, f"create the {service} client")
        raise ConfigError(problem.message, problem.hint) from e


def import_boto3(needed_for: str, error: type[SparkifyError]) -> Any:
    """The boto3 module; ``error`` (with an install hint) when the ``aws`` extra is missing."""
    try:
        import boto3
    except ModuleNotFoundError as e:
        raise error(
            f"boto3 is needed for {needed_for} but is not installed.",
            "Install the AWS extra: pip install 'sparkify[aws]'.",
        ) from e
    return boto3


def client_config(**options: Any) -> Any:
    """botocore's client ``Config``: 10 s to connect and 60 s to read, plus ``options``."""
    from botocore.config import Config

    return Config(connect_timeout=10, read_timeout=60, **options)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" for anything else)."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _aws_message(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return str(exc)
    return " ".join(str(response.get("Error", {}).get("Message", "")).split())[:300]


def _client_problem(exc: BaseException, action: str, region: str | None) -> AwsProblem:
    code = error_code(exc)
    detail = f"{code}: {_aws_message(exc)}".rstrip(": ").rstrip(".")
    in_region = f" in region {region}" if region else ""
    names = {"region": region or "this region", "in_region": in_region}
    for codes, kind, reason, hint in _CODES:
        if code in codes:
            clause = f"could not {action}: {reason.format(**names)} ({detail})"
            return AwsProblem(code, kind, clause, hint.format(**names))
    return AwsProblem(code, AwsFailure.OTHER, f"could not {action}: {detail}", _DEBUG_HINT)


def describe_error(exc: BaseException, action: str, *, region: str | None = None) -> AwsProblem:
    """``exc`` (a botocore error) as one clause saying what failed, and how to fix it.
    ``action`` completes "could not …"; ``region`` (when known) is named where it matters."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return _client_problem(exc, action, region)
    text = str(exc).rstrip(".")  # the clause is a sentence's end
    kind, reason, hint = AwsFailure.BOTOCORE, text, _DEBUG_HINT
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        kind, reason, hint = AwsFailure.NO_CREDENTIALS, "no AWS credentials found", CREDENTIALS_HINT
    elif isinstance(exc, bx.ProfileNotFound):
        kind, hint = AwsFailure.PROFILE, "Check AWS_PROFILE."
    elif isinstance(exc, bx.TokenRetrievalError | bx.SSOError | bx.CredentialRetrievalError):
        kind, hint = AwsFailure.LOGIN, "Run `aws sso login`, then run again."
    elif isinstance(exc, bx.NoRegionError):
        kind, reason, hint = (
            AwsFailure.NO_REGION,
            "no AWS region is set",
            "Set region (or AWS_REGION).",
        )
    elif isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        kind, reason = AwsFailure.UNREACHABLE, f"cannot reach the AWS endpoint ({text})"
        named = f" ({region})" if region else ""
        hint = f"Check the network, the region{named} and endpoint_url / AWS_ENDPOINT_URL."
    elif isinstance(exc, bx.ReadTimeoutError):
        kind, reason, hint = AwsFailure.TIMEOUT, "AWS did not answer in time", "Run again."
    elif isinstance(exc, bx.ParamValidationError):
        kind, hint = AwsFailure.INVALID, "Check the s3:// URI."
    return AwsProblem(type(exc).__name__, kind, f"could not {action}: {reason}", hint)


def aws_errors() -> tuple[type[BaseException], ...]:
    """The botocore exception classes :func:`describe_error` understands (for ``except``)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as ``(bucket, prefix)``; the prefix has no leading slash."""
    if not uri.startswith("s3://"):
        raise ConfigError(f"'{uri}' is not an s3:// URI.", "Example: s3://my-bucket/sparkify")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ConfigError(f"'{uri}' names no bucket.", "Example: s3://my-bucket/sparkify")
    return bucket, prefix.lstrip("/")
