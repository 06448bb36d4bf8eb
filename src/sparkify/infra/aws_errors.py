"""Where botocore exceptions in ``sparkify.infra`` become :class:`~sparkify.errors.InfraError`.

Every AWS call in ``sparkify.infra`` runs inside :class:`AwsCall`, which translates failures with
:func:`sparkify.aws.describe_error` (the mapping the pipeline uses too) into one line saying what
failed and how to fix it, with the hints that fit ``infra``. Codes that mean "that resource is
not there" (or "already there") can be tolerated per call; the caller then checks
:attr:`AwsCall.tolerated`. botocore is imported lazily so ``import sparkify`` works without the
``aws`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from sparkify.aws import AwsFailure, aws_errors, describe_error, error_code
from sparkify.errors import InfraError

OPERATOR_POLICY_HINT = (
    "The AWS identity you use needs the operator policy in docs/redshift.md "
    "('Operator IAM policy')."
)
_SETTINGS_HINT = "Check the settings in [cluster]."
# Where infra knows a better fix than the general hint.
_HINTS = {
    AwsFailure.ACCESS_DENIED: OPERATOR_POLICY_HINT,
    AwsFailure.REGION: "Check --region / region in [cluster]: the service must be enabled there.",
    AwsFailure.INVALID: _SETTINGS_HINT,
    AwsFailure.OTHER: _SETTINGS_HINT,
}


def translate_error(exc: BaseException, action: str, region: str) -> InfraError:
    """A botocore error (service or client side) as one line with a fix."""
    problem = describe_error(exc, action, region=region)
    return InfraError(problem.clause, _HINTS.get(problem.kind, problem.hint))


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
        if exc is None or not isinstance(exc, aws_errors()):
            return False
        code = error_code(exc)
        if code and code in self.tolerate:
            self.tolerated = code
            return True
        raise translate_error(exc, self.action, self.region) from exc
