"""boto3 clients for the pipeline (S3 sources, Redshift staging and IAM authentication).

Every client the pipeline uses is made here, from one boto3 Session, so boto3's own
configuration is honoured in one place: profiles (``AWS_PROFILE``), credentials, region, retry
settings (``AWS_MAX_ATTEMPTS``) and ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_<SERVICE>``. The
``endpoint_url`` and ``region`` settings override boto3's choice; that is how tests point the
pipeline at a local moto server. boto3 is imported only when a client is made, so
``import sparkify`` works without it.

:func:`describe_error` is the one mapping of botocore failures to one line saying what failed
and how to fix it, for the pipeline and for ``sparkify infra`` (which words its messages as
clauses and gives its own hints for a few sorts of failure, see ``infra/aws_errors.py``).
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


# The AWS error codes of each sort of service-side failure (any other code is OTHER).
_CODES: dict[AwsFailure, str] = {
    AwsFailure.ACCESS_DENIED: "AccessDenied AccessDeniedException AllAccessDisabled 403 "
    "UnauthorizedOperation UnauthorizedAccess AuthorizationError",
    AwsFailure.BAD_CREDENTIALS: "InvalidAccessKeyId SignatureDoesNotMatch ExpiredToken "
    "ExpiredTokenException InvalidToken InvalidClientTokenId UnrecognizedClientException "
    "AuthFailure RequestExpired",
    AwsFailure.NO_BUCKET: "NoSuchBucket 404",
    AwsFailure.THROTTLED: "SlowDown Throttling ThrottlingException RequestLimitExceeded",
    AwsFailure.QUOTA: "ClusterQuotaExceeded NumberOfNodesQuotaExceeded "
    "NumberOfNodesPerClusterLimitExceeded ClusterSnapshotQuotaExceeded LimitExceeded "
    "LimitExceededException SecurityGroupLimitExceeded RulesPerSecurityGroupLimitExceeded "
    "TagLimitExceeded",
    AwsFailure.STATE: "InvalidClusterState InvalidClusterSnapshotState",
    AwsFailure.CAPACITY: "InsufficientClusterCapacity",
    AwsFailure.REGION: "OptInRequired InvalidRegion UnsupportedOperation",
    AwsFailure.IN_USE: "DependencyViolation DeleteConflict InvalidGroup.InUse",
}
_KIND_OF_CODE = {code: kind for kind, codes in _CODES.items() for code in codes.split()}
# Each sort: what went wrong (after "could not <action>: ") and how to fix it. {detail} is
# AWS's code and words (or botocore's), {region} the region ("this region" when unknown),
# {in_region} " in region R" and {named_region} " (R)" (both empty when unknown).
_WORDS: dict[AwsFailure, tuple[str, str]] = {
    AwsFailure.ACCESS_DENIED: ("access denied ({detail})", ""),
    AwsFailure.BAD_CREDENTIALS: (
        "AWS rejected the credentials ({detail})",
        "The credentials are wrong or expired. " + CREDENTIALS_HINT,
    ),
    AwsFailure.NO_BUCKET: (
        "the bucket does not exist ({detail})",
        "Check the bucket name (and endpoint_url when using an S3-compatible store).",
    ),
    AwsFailure.THROTTLED: ("AWS throttled the requests ({detail})", "Run again."),
    AwsFailure.QUOTA: (
        "an AWS quota is exceeded ({detail})",
        "Delete unused resources in {region} or ask for a higher limit in Service Quotas.",
    ),
    AwsFailure.STATE: (
        "the cluster's current state does not allow it ({detail})",
        "Wait until `sparkify infra status` shows the cluster available, then re-run.",
    ),
    AwsFailure.CAPACITY: (
        "AWS has no capacity for this node type now ({detail})",
        "Re-run later, or choose another node_type in [cluster].",
    ),
    AwsFailure.REGION: (
        "not available{in_region} ({detail})",
        "Check the region: the service must be enabled there.",
    ),
    AwsFailure.IN_USE: (
        "it is still in use ({detail})",
        "Something else still uses it; detach that (or wait a few minutes) and re-run.",
    ),
    AwsFailure.OTHER: ("{detail}", _DEBUG_HINT),
    AwsFailure.NO_CREDENTIALS: ("no AWS credentials found", CREDENTIALS_HINT),
    AwsFailure.PROFILE: ("{detail}", "Check AWS_PROFILE."),
    AwsFailure.LOGIN: ("{detail}", "Run `aws sso login`, then run again."),
    AwsFailure.NO_REGION: ("no AWS region is set", "Set region (or AWS_REGION)."),
    AwsFailure.UNREACHABLE: (
        "cannot reach the AWS endpoint ({detail})",
        "Check the network, the region{named_region} and endpoint_url / AWS_ENDPOINT_URL.",
    ),
    AwsFailure.TIMEOUT: ("AWS did not answer in time", "Run again."),
    AwsFailure.INVALID: ("{detail}", "Check the s3:// URI."),
    AwsFailure.BOTOCORE: ("{detail}", _DEBUG_HINT),
}


@dataclass(frozen=True)
class AwsProblem:
    """What went wrong in an AWS call: ``code`` is AWS's error code (or the botocore exception's
    name for a client-side failure), ``kind`` its sort, ``clause`` what failed ("could not
    <action>: <reason> (<detail>)"), ``hint`` how to fix it."""

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


def _client_side_failure(exc: BaseException) -> AwsFailure:
    from botocore import exceptions as bx

    sorts: tuple[tuple[Any, AwsFailure], ...] = (
        (bx.NoCredentialsError | bx.PartialCredentialsError, AwsFailure.NO_CREDENTIALS),
        (bx.ProfileNotFound, AwsFailure.PROFILE),
        (bx.TokenRetrievalError | bx.SSOError | bx.CredentialRetrievalError, AwsFailure.LOGIN),
        (bx.NoRegionError, AwsFailure.NO_REGION),
        (bx.EndpointConnectionError | bx.ConnectTimeoutError, AwsFailure.UNREACHABLE),
        (bx.ReadTimeoutError, AwsFailure.TIMEOUT),
        (bx.ParamValidationError, AwsFailure.INVALID),
    )
    return next((kind for types, kind in sorts if isinstance(exc, types)), AwsFailure.BOTOCORE)


def describe_error(exc: BaseException, action: str, *, region: str | None = None) -> AwsProblem:
    """``exc`` (a botocore error) as one clause saying what failed, and how to fix it.
    ``action`` completes "could not …"; ``region`` (when known) is named where it matters."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = error_code(exc)
        kind = _KIND_OF_CODE.get(code, AwsFailure.OTHER)
        detail = f"{code}: {_aws_message(exc)}".rstrip(": ")
    else:
        code, kind, detail = type(exc).__name__, _client_side_failure(exc), str(exc)
    names = {
        "detail": detail.rstrip("."),  # the clause may end a sentence
        "region": region or "this region",
        "in_region": f" in region {region}" if region else "",
        "named_region": f" ({region})" if region else "",
    }
    reason, hint = _WORDS[kind]
    return AwsProblem(
        code, kind, f"could not {action}: {reason.format(**names)}", hint.format(**names)
    )


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
