"""AWS clients for ``sparkify infra``, made from one boto3 Session in one place.

The clients are created on demand by :func:`make_clients` and passed to every function that
needs them; nothing here runs at import time and there are no module-level clients.
``endpoint_url`` comes from the settings; when it is unset boto3 still honours the standard
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` environment variables itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sparkify.aws import client_config, import_boto3
from sparkify.errors import InfraError
from sparkify.infra.aws_errors import AwsCall
from sparkify.infra.settings import ClusterSettings


class AwsClients:
    """The boto3 clients ``sparkify infra`` uses, all from one session and one region.

    Each client is made on first use (loading a service model takes a noticeable fraction of
    a second), then reused.
    """

    def __init__(self, session: Any, config: Any, region: str, endpoint_url: str | None) -> None:
        self.region = region
        self._session = session
        self._config = config
        self._endpoint_url = endpoint_url

    def _client(self, service: str) -> Any:
        with AwsCall(f"create the {service} client", self.region):
            made = self._session.client(
                service, endpoint_url=self._endpoint_url, config=self._config
            )
        return made

    @cached_property
    def iam(self) -> Any:
        """IAM: the COPY role and its policy."""
        return self._client("iam")

    @cached_property
    def ec2(self) -> Any:
        """EC2: the VPC and the security group."""
        return self._client("ec2")

    @cached_property
    def redshift(self) -> Any:
        """Redshift: the cluster and its snapshots."""
        return self._client("redshift")

    @cached_property
    def sts(self) -> Any:
        """STS: who the credentials belong to."""
        return self._client("sts")


@dataclass(frozen=True)
class CallerIdentity:
    """Who the AWS credentials belong to (``sts:GetCallerIdentity`` needs no permission)."""

    account: str
    arn: str


def make_clients(settings: ClusterSettings, *, max_attempts: int = 5) -> AwsClients:
    """The IAM, EC2, Redshift and STS clients for ``settings.region`` (made on first use).

    ``max_attempts`` bounds botocore's retries (standard mode, with backoff) on throttling and
    transient network errors.
    """
    boto3 = import_boto3("sparkify infra", InfraError)
    with AwsCall("start an AWS session", settings.region):
        session = boto3.session.Session(region_name=settings.region)
    config = client_config(
        region_name=settings.region,
        retries={"mode": "standard", "max_attempts": max_attempts},
        user_agent_extra="sparkify-infra",
    )
    return AwsClients(session, config, settings.region, settings.endpoint_url)


def caller_identity(clients: AwsClients) -> CallerIdentity:
    """Check the credentials work and say whose they are; fails early and clearly if not."""
    with AwsCall("check your AWS credentials (sts:GetCallerIdentity)", clients.region):
        answer = clients.sts.get_caller_identity()
    return CallerIdentity(account=str(answer["Account"]), arn=str(answer["Arn"]))
