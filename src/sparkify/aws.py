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
from typing import Any

from sparkify.config import Settings
from sparkify.errors import ConfigError

CREDENTIALS_HINT = (
    "Configure AWS credentials: `aws configure`, `aws sso login`, AWS_PROFILE, or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "403"}
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
}


@dataclass(frozen=True)
class AwsProblem:
    """What went wrong in an AWS call, as a message and a hint; ``code`` is AWS's error code."""

    code: str
    message: str
    hint: str


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
    try:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ModuleNotFoundError as e:
        raise ConfigError(
            f"boto3 is needed for {service} but is not installed.",
            "Install the AWS extra: pip install 'sparkify[aws]'.",
        ) from e
    try:
        session = boto3.session.Session(region_name=settings.region)
        options: dict[str, Any] = {
            "retries": {"mode": "adaptive"},
            "max_pool_connections": max_pool,
            "connect_timeout": 10,
            "read_timeout": 60,
            "user_agent_extra": "sparkify",
        }
        if anonymous_fallback and session.get_credentials() is None:
            options["signature_version"] = UNSIGNED
        return session.client(service, endpoint_url=settings.endpoint_url, config=Config(**options))
    except BotoCoreError as e:
        problem = describe_error(e, f"create the {service} client")
        raise ConfigError(problem.message, problem.hint) from e


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


def _client_problem(code: str, exc: BaseException, action: str) -> AwsProblem:
    detail = f"{code}: {_aws_message(exc)}".rstrip(": ").rstrip(".")
    if code in _ACCESS_DENIED:
        return AwsProblem(code, f"Access denied: could not {action} ({detail}).", "")
    if code in _BAD_CREDENTIALS:
        return AwsProblem(
            code, f"AWS rejected the credentials: could not {action} ({detail}).", CREDENTIALS_HINT
        )
    if code in ("NoSuchBucket", "404"):
        return AwsProblem(
            code,
            f"Could not {action}: the bucket does not exist.",
            "Check the bucket name (and endpoint_url when using an S3-compatible store).",
        )
    if code in ("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded"):
        return AwsProblem(code, f"AWS throttled the requests: could not {action}.", "Run again.")
    return AwsProblem(code, f"Could not {action}: {detail}.", "Run again with --debug for details.")


def describe_error(exc: BaseException, action: str) -> AwsProblem:
    """``exc`` (a botocore error) as one line saying what failed, and how to fix it."""
    from botocore import exceptions as bx

    text = str(exc).rstrip(".")  # the messages below end with their own period
    if isinstance(exc, bx.ClientError):
        return _client_problem(error_code(exc), exc, action)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return AwsProblem(
            "NoCredentials", f"No AWS credentials: could not {action}.", CREDENTIALS_HINT
        )
    if isinstance(exc, bx.ProfileNotFound):
        return AwsProblem("ProfileNotFound", f"Could not {action}: {text}.", "Check AWS_PROFILE.")
    if isinstance(exc, bx.TokenRetrievalError | bx.SSOError | bx.CredentialRetrievalError):
        return AwsProblem("Credentials", f"Could not {action}: {text}.", "Run `aws sso login`.")
    if isinstance(exc, bx.NoRegionError):
        return AwsProblem(
            "NoRegion", f"Could not {action}: no AWS region is set.", "Set region (or AWS_REGION)."
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        return AwsProblem(
            "Unreachable",
            f"Could not {action}: cannot reach the AWS endpoint ({text}).",
            "Check the network, the region and endpoint_url / AWS_ENDPOINT_URL.",
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return AwsProblem(
            "Timeout", f"Could not {action}: AWS did not answer in time.", "Run again."
        )
    if isinstance(exc, bx.ParamValidationError):
        return AwsProblem("Invalid", f"Could not {action}: {text}.", "Check the s3:// URI.")
    return AwsProblem("BotoCore", f"Could not {action}: {text}.", "Run again with --debug.")


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
