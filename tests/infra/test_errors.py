"""AWS failures become one line with a fix and exit code 6; never a botocore traceback."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sparkify.errors import ExitCode, InfraError
from sparkify.infra import ClusterSettings, make_clients, pause, status, up
from sparkify.infra.aws_errors import AwsCall, translate_error

from .conftest import TEST_CIDR

pytestmark = pytest.mark.aws


def _client_error(code: str, message: str = "details from AWS") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateCluster")


@pytest.mark.parametrize(
    ("code", "in_message", "in_hint"),
    [
        ("AccessDenied", "access denied", "Operator IAM policy"),
        ("UnauthorizedOperation", "access denied", "Operator IAM policy"),
        ("InvalidClientTokenId", "rejected the credentials", "aws configure"),
        ("ExpiredToken", "rejected the credentials", "expired"),
        ("ClusterQuotaExceeded", "quota is exceeded", "Service Quotas"),
        ("NumberOfNodesQuotaExceeded", "quota is exceeded", "Service Quotas"),
        ("InvalidClusterState", "state does not allow it", "sparkify infra status"),
        ("InsufficientClusterCapacity", "no capacity", "node_type"),
        ("OptInRequired", "in region us-west-2", "--region"),
        ("DependencyViolation", "still in use", "re-run"),
        ("SomethingNew", "SomethingNew: details from AWS", "[cluster]"),
    ],
)
def test_translation_table(code: str, in_message: str, in_hint: str) -> None:
    error = translate_error(_client_error(code), "create Redshift cluster 'x'", "us-west-2")
    assert isinstance(error, InfraError)
    assert error.exit_code == ExitCode.INFRA
    assert error.message.startswith("could not create Redshift cluster 'x'")
    assert in_message in error.message
    assert in_hint in (error.hint or "")
    assert "\n" not in error.message


def test_aws_call_translates_and_chains_the_cause() -> None:
    with pytest.raises(InfraError) as info, AwsCall("pause cluster 'x'", "us-west-2"):
        raise _client_error("AccessDenied", "User: arn:aws:iam::1:user/me is not authorized")
    assert isinstance(info.value.__cause__, ClientError)
    assert "is not authorized" in info.value.message


def test_aws_call_tolerates_expected_codes() -> None:
    with AwsCall("read role", "us-west-2", tolerate=["NoSuchEntity"]) as call:
        raise _client_error("NoSuchEntity")
    assert call.tolerated == "NoSuchEntity"


def test_aws_call_leaves_other_exceptions_alone() -> None:
    with pytest.raises(KeyError), AwsCall("read role", "us-west-2"):
        raise KeyError("not an AWS error")


def test_missing_credentials(moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    settings = ClusterSettings(endpoint_url=moto, allow_cidr=TEST_CIDR)
    with pytest.raises(InfraError) as info:
        up(settings, make_clients(settings))
    assert "no AWS credentials found" in info.value.message
    assert "aws configure" in (info.value.hint or "")


def test_an_unknown_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(InfraError) as info:
        make_clients(ClusterSettings(allow_cidr=TEST_CIDR))
    assert info.value.message == (
        "could not start an AWS session: The config profile (no-such-profile) could not be found"
    )
    assert info.value.hint == "Check AWS_PROFILE."


def test_unreachable_endpoint(moto: str) -> None:
    settings = ClusterSettings(endpoint_url="http://127.0.0.1:9", allow_cidr=TEST_CIDR)
    with pytest.raises(InfraError) as info:
        status(settings, make_clients(settings, max_attempts=1))
    assert "cannot reach the AWS endpoint" in info.value.message
    assert "region (us-west-2)" in (info.value.hint or "")


def test_pausing_a_missing_cluster_names_identifier_and_region(settings: ClusterSettings) -> None:
    wrong_region = ClusterSettings(endpoint_url=settings.endpoint_url, region="eu-west-1")
    with pytest.raises(InfraError) as info:
        pause(wrong_region, make_clients(wrong_region))
    assert info.value.message == "there is no cluster 'sparkify' in eu-west-1"
    assert "--region" in (info.value.hint or "")
