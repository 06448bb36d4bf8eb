"""Where a Redshift connection goes and how it authenticates, from the target URL.

Two URL forms::

    redshift://user@host:5439/db[?iam_role=ARN&secret_arn=ARN&region=R&cluster=ID]
    redshift+iam://cluster-id/db?db_user=NAME[&region=R&auto_create=true&db_groups=a,b]

A password never comes from the config file. It is taken, in order, from the URL typed on the
command line, ``?secret_arn=`` (AWS Secrets Manager, e.g. the admin secret ``infra up`` made),
``REDSHIFT_PASSWORD`` or ``PGPASSWORD``, ``~/.pgpass``; failing those, and always for the
``redshift+iam`` form, from IAM: ``redshift:GetClusterCredentials`` gives a temporary password
(the cluster id and region come from the endpoint name ``ID.xxxx.REGION.redshift.amazonaws.com``
or the query).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sparkify.aws import AwsFailure, aws_client, aws_errors, describe_error
from sparkify.config import Settings
from sparkify.errors import TargetError

DEFAULT_PORT = 5439
_ENDPOINT = re.compile(
    r"^(?P<cluster>[a-z][a-z0-9-]*)\.[a-z0-9]+\.(?P<region>[a-z0-9-]+)\.redshift\.amazonaws\.com$"
)
_KNOWN = {
    "iam_role",
    "secret_arn",
    "region",
    "cluster",
    "db_user",
    "auto_create",
    "db_groups",
    "sslmode",
}


@dataclass(frozen=True)
class ConnectParams:
    """What ``redshift_connector.connect`` needs; the password is never shown."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ssl: bool = True
    auth: str = "password"  # password | secret | iam

    def describe(self) -> str:
        """The target as a URL without any secret."""
        return f"redshift://{self.user}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class RedshiftUrl:
    """A parsed target URL."""

    iam_form: bool
    host: str
    port: int
    database: str
    user: str | None
    password: str | None = field(repr=False)
    query: dict[str, str]

    @classmethod
    def parse(cls, url: str) -> RedshiftUrl:
        """Parse ``url``; a clear error for anything that is not one of the two forms."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - _KNOWN
        if unknown:
            raise TargetError(
                f"Unknown parameter(s) {', '.join(sorted(unknown))} in the Redshift URL.",
                f"Known: {', '.join(sorted(_KNOWN))}.",
            )
        database = parts.path.lstrip("/")
        if not parts.hostname or not database:
            raise TargetError(
                f"The Redshift URL {parts.scheme}://{parts.hostname or ''}/{database} lacks a "
                "host or database.",
                "Examples: redshift://user@host:5439/dev, redshift+iam://my-cluster/dev?db_user=me",
            )
        return cls(
            iam_form=parts.scheme == "redshift+iam",
            host=parts.hostname,
            port=parts.port or DEFAULT_PORT,
            database=database,
            user=unquote(parts.username) if parts.username else query.get("db_user"),
            password=unquote(parts.password) if parts.password else None,
            query=query,
        )

    @property
    def iam_role(self) -> str | None:
        """The COPY role given in the URL (``?iam_role=``), if any."""
        return self.query.get("iam_role")

    @property
    def ssl(self) -> bool:
        """TLS unless ``?sslmode=disable``."""
        return self.query.get("sslmode", "verify-ca") != "disable"


def _pgpass(host: str, port: int, database: str, user: str) -> str | None:
    path = Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    wanted = (host, str(port), database, user)
    for line in lines:
        fields = re.split(r"(?<!\\):", line.strip())
        if len(fields) != 5 or line.lstrip().startswith("#"):
            continue
        if all(f in ("*", w) for f, w in zip(fields[:4], wanted, strict=True)):
            return fields[4].replace("\\:", ":").replace("\\\\", "\\")
    return None


def _from_secret(url: RedshiftUrl, settings: Settings) -> tuple[str, str]:
    client = aws_client("secretsmanager", settings)
    arn = url.query["secret_arn"]
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
        secret = json.loads(value)
        return str(secret.get("username") or url.user or ""), str(secret["password"])
    except aws_errors() as e:
        problem = describe_error(e, f"read the secret {arn}")
        raise TargetError(problem.message, problem.hint or "Check ?secret_arn=.") from e
    except (ValueError, KeyError, TypeError) as e:
        raise TargetError(
            f"The secret {arn} is not JSON with a 'password' field.",
            "Use the secret Redshift manages (ManageMasterPassword) or one in that format.",
        ) from e


def _iam_target(url: RedshiftUrl, settings: Settings) -> tuple[str, str]:
    """The cluster id and region for IAM authentication."""
    match = _ENDPOINT.match(url.host)
    cluster = url.host if url.iam_form else url.query.get("cluster")
    region = url.query.get("region") or (match["region"] if match else None) or settings.region
    if cluster is None and match:
        cluster = match["cluster"]
    if cluster is None or region is None:
        raise TargetError(
            f"No password for {url.user}@{url.host}, and IAM authentication needs the cluster "
            "id and region.",
            "Set PGPASSWORD (or ~/.pgpass, or ?secret_arn=), or use "
            "redshift+iam://CLUSTER/DB?db_user=USER&region=REGION.",
        )
    return cluster, region


def _from_iam(url: RedshiftUrl, settings: Settings) -> ConnectParams:
    """Temporary credentials from ``GetClusterCredentials``, and the cluster's endpoint."""
    cluster, region = _iam_target(url, settings)
    if not url.user:
        raise TargetError("IAM authentication needs a database user.", "Add ?db_user=NAME.")
    client = aws_client("redshift", Settings(region=region, endpoint_url=settings.endpoint_url))
    ask: dict[str, Any] = {"DbUser": url.user, "DbName": url.database, "ClusterIdentifier": cluster}
    ask["AutoCreate"] = url.query.get("auto_create", "false").lower() == "true"
    if url.query.get("db_groups"):
        ask["DbGroups"] = url.query["db_groups"].split(",")
    try:
        creds = client.get_cluster_credentials(DurationSeconds=3600, **ask)
        host, port = url.host, url.port
        if url.iam_form:
            endpoint = client.describe_clusters(ClusterIdentifier=cluster)["Clusters"][0][
                "Endpoint"
            ]
            host, port = str(endpoint["Address"]), int(endpoint["Port"])
    except aws_errors() as e:
        problem = describe_error(e, f"get IAM credentials for cluster '{cluster}' in {region}")
        hint = problem.hint
        if problem.code in ("ClusterNotFound", "ClusterNotFoundFault"):
            hint = "Check the cluster id (`sparkify infra status`) and the region."
        elif problem.kind is AwsFailure.ACCESS_DENIED:
            hint = (
                "Your AWS identity needs redshift:GetClusterCredentials on "
                f"dbuser:{cluster}/{url.user}."
            )
        raise TargetError(problem.message, hint) from e
    return ConnectParams(
        host, port, url.database, str(creds["DbUser"]), str(creds["DbPassword"]), url.ssl, "iam"
    )


def connect_params(url: RedshiftUrl, settings: Settings) -> ConnectParams:
    """Resolve where to connect and with which password (see the module doc for the order)."""
    if url.iam_form:
        return _from_iam(url, settings)
    if url.user is None:
        raise TargetError(
            f"The Redshift URL names no user ({url.host}).", "Use redshift://USER@HOST/DB."
        )
    if url.password is not None:
        return ConnectParams(url.host, url.port, url.database, url.user, url.password, url.ssl)
    if "secret_arn" in url.query:
        user, password = _from_secret(url, settings)
        return ConnectParams(url.host, url.port, url.database, user, password, url.ssl, "secret")
    found = os.environ.get("REDSHIFT_PASSWORD") or os.environ.get("PGPASSWORD")
    found = found or _pgpass(url.host, url.port, url.database, url.user)
    if found:
        return ConnectParams(url.host, url.port, url.database, url.user, found, url.ssl)
    return _from_iam(url, settings)
