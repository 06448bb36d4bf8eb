"""The one place where botocore exceptions become :class:`~sparkify.errors.InfraError`.

Every AWS call in ``sparkify.infra`` runs inside :class:`AwsCall`, which translates failures into
one line saying what failed and how to fix it. Codes that mean "that resource is not there" (or
"already there") can be tolerated per call; the caller then checks :attr:`AwsCall.tolerated`.
botocore is imported lazily so ``import sparkify`` works without the ``aws`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sparkify.errors import InfraError

OPERATOR_POLICY_HINT = (
    "The AWS identity you use needs the operator policy in docs/redshift.md "
    "('Operator IAM policy')."
)
CREDENTIALS_HINT = (
    "Configure AWS credentials: `aws configure`, `aws sso login`, AWS_PROFILE, or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)

_ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
}
_BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
}
_QUOTA = {
    "ClusterQuotaExceeded",
    "NumberOfNodesQuotaExceeded",
    "NumberOfNodesPerClusterLimitExceeded",
    "ClusterSnapshotQuotaExceeded",
    "LimitExceeded",
    "LimitExceededException",
    "SecurityGroupLimitExceeded",
    "RulesPerSecurityGroupLimitExceeded",
    "TagLimitExceeded",
}
_STATE = {"InvalidClusterState", "InvalidClusterSnapshotState"}
_CAPACITY = {"InsufficientClusterCapacity"}
_THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded"}
_REGION = {"OptInRequired", "InvalidRegion", "UnsupportedOperation"}
_IN_USE = {"DependencyViolation", "DeleteConflict", "InvalidGroup.InUse"}


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" for anything else)."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    code = response.get("Error", {}).get("Code", "")
    return str(code)


def _aws_message(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None)
    message = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else ""
    return " ".join(str(message).split())[:300]


def translate_client_error(exc: BaseException, action: str, region: str) -> InfraError:
    """An AWS service error (``ClientError``) as one line with a fix."""
    code = error_code(exc)
    detail = f"{code}: {_aws_message(exc)}" if _aws_message(exc) else code
    if code in _ACCESS_DENIED:
        return InfraError(f"could not {action}: access denied ({detail})", OPERATOR_POLICY_HINT)
    if code in _BAD_CREDENTIALS:
        return InfraError(
            f"could not {action}: AWS rejected the credentials ({detail})",
            "The credentials are wrong or expired. " + CREDENTIALS_HINT,
        )
    if code in _QUOTA:
        return InfraError(
            f"could not {action}: an AWS quota is exceeded ({detail})",
            f"Delete unused resources in {region} or ask for a higher limit in Service Quotas.",
        )
    if code in _STATE:
        return InfraError(
            f"could not {action}: the cluster's current state does not allow it ({detail})",
            "Wait until `sparkify infra status` shows the cluster available, then re-run.",
        )
    if code in _CAPACITY:
        return InfraError(
            f"could not {action}: AWS has no capacity for this node type now ({detail})",
            "Re-run later, or choose another node_type in [cluster].",
        )
    if code in _THROTTLED:
        return InfraError(f"could not {action}: AWS throttled the requests ({detail})", "Re-run.")
    if code in _REGION:
        return InfraError(
            f"could not {action} in region {region} ({detail})",
            "Check --region / region in [cluster]: the service must be enabled there.",
        )
    if code in _IN_USE:
        return InfraError(
            f"could not {action}: it is still in use ({detail})",
            "Something else still uses it; detach that (or wait a few minutes) and re-run.",
        )
    return InfraError(f"could not {action}: {detail}", "Check the settings in [cluster].")


def translate_botocore_error(exc: BaseException, action: str, region: str) -> InfraError | None:
    """A client-side botocore failure (credentials, network, region) as one line; None if
    ``exc`` is not one."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return InfraError(f"could not {action}: no AWS credentials found", CREDENTIALS_HINT)
    if isinstance(exc, bx.ProfileNotFound):
        return InfraError(f"could not {action}: {exc}", "Check AWS_PROFILE / --profile.")
    if isinstance(exc, bx.TokenRetrievalError | bx.SSOError | bx.CredentialRetrievalError):
        return InfraError(f"could not {action}: {exc}", "Run `aws sso login` and re-run.")
    if isinstance(exc, bx.NoRegionError):
        return InfraError(f"could not {action}: no AWS region", "Set region in [cluster].")
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        return InfraError(
            f"could not {action}: cannot reach the AWS endpoint ({exc})",
            f"Check the network, the region ({region}) and endpoint_url, then re-run.",
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return InfraError(f"could not {action}: AWS did not answer in time", "Re-run.")
    if isinstance(exc, bx.ParamValidationError):
        return InfraError(f"could not {action}: {exc}", "Check the settings in [cluster].")
    if isinstance(exc, bx.BotoCoreError):
        return InfraError(f"could not {action}: {exc}", "Re-run with --debug for details.")
    return None


class AwsCall:
    """Context manager around AWS calls: translates botocore errors into InfraError.

    ``tolerate`` lists AWS error codes that are an expected answer (e.g. ``NoSuchEntity``): the
    exception is swallowed, :attr:`tolerated` is set to the code, and execution continues after
    the ``with`` block.
    """

    def __init__(self, action: str, region: str, *, tolerate: Iterable[str] = ()) -> None:
        self.action = action
        self.region = region
        self.tolerate = frozenset(tolerate)
        self.tolerated: str | None = None

    def __enter__(self) -> AwsCall:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            return False
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = error_code(exc)
            if code in self.tolerate:
                self.tolerated = code
                return True
            raise translate_client_error(exc, self.action, self.region) from exc
        translated = translate_botocore_error(exc, self.action, self.region)
        if translated is not None:
            raise translated from exc
        return False
