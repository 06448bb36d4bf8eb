"""Redshift authentication against moto: IAM (GetClusterCredentials), Secrets Manager,
PGPASSWORD and ~/.pgpass; the password never shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sparkify.config import load_settings
from sparkify.errors import TargetError
from sparkify.targets.redshift import RedshiftTarget
from sparkify.targets.redshift.auth import ConnectParams, RedshiftUrl, connect_params
from tests.aws_helpers import client
from tests.redshift_emulator import connector

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

HOST = "sparkify.c0ffee12abcd.us-west-2.redshift.amazonaws.com"


def _moto_cluster() -> dict[str, Any]:
    redshift = client("redshift")
    redshift.create_cluster(
        ClusterIdentifier="sparkify",
        NodeType="ra3.large",
        ClusterType="multi-node",
        NumberOfNodes=2,
        MasterUsername="awsuser",
        MasterUserPassword="Unused-by-tests-1",
        DBName="dev",
    )
    endpoint: dict[str, Any] = redshift.describe_clusters(ClusterIdentifier="sparkify")["Clusters"][
        0
    ]["Endpoint"]
    return endpoint


def test_iam_authentication_with_get_cluster_credentials(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    endpoint = _moto_cluster()
    settings = load_settings(overrides={"endpoint_url": aws})
    iam = connect_params(
        RedshiftUrl.parse("redshift+iam://sparkify/dev?db_user=alice&region=us-west-2"), settings
    )
    assert (iam.host, iam.port, iam.database, iam.user, iam.auth) == (
        endpoint["Address"],
        endpoint["Port"],
        "dev",
        "IAM:alice",
        "iam",
    )
    assert iam.password and "password" not in repr(iam)
    # the URL `infra up` prints has no password: IAM, cluster id and region from the host name
    by_host = connect_params(RedshiftUrl.parse(f"redshift://awsuser@{HOST}:5439/dev"), settings)
    assert (by_host.host, by_host.user, by_host.auth) == (HOST, "IAM:awsuser", "iam")
    with pytest.raises(TargetError) as info:
        connect_params(
            RedshiftUrl.parse("redshift+iam://missing/dev?db_user=a&region=us-west-2"), settings
        )
    assert "get IAM credentials for cluster 'missing' in us-west-2" in info.value.message
    with pytest.raises(TargetError, match="needs the cluster id and region"):
        connect_params(RedshiftUrl.parse("redshift://awsuser@db.internal:5439/dev"), settings)


def test_iam_target_connects_with_temporary_credentials(
    aws: str, pg_c: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    endpoint = _moto_cluster()
    seen: list[ConnectParams] = []
    emulator = connector(pg_c, client("s3"))

    def recording(params: ConnectParams) -> Any:
        seen.append(params)
        return emulator(params)

    settings = load_settings(
        overrides={
            "endpoint_url": aws,
            "target": "redshift+iam://sparkify/dev?db_user=etl&region=us-west-2",
        }
    )
    with RedshiftTarget(settings.target, settings, connector=recording) as target:
        assert target.describe() == "redshift+iam://etl@sparkify:5439/dev"
        assert target.query("SELECT 1") == [(1,)]
    assert [(p.host, p.user, p.auth) for p in seen] == [(endpoint["Address"], "IAM:etl", "iam")]


def test_password_from_secrets_manager_or_pgpass(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    secret = client("secretsmanager").create_secret(
        Name="sparkify-admin",
        SecretString=json.dumps({"username": "awsuser", "password": "from-secret"}),
    )
    settings = load_settings(overrides={"endpoint_url": aws})
    url = RedshiftUrl.parse(f"redshift://awsuser@{HOST}/dev?secret_arn={secret['ARN']}")
    params = connect_params(url, settings)
    assert (params.user, params.password, params.auth, params.port) == (
        "awsuser",
        "from-secret",
        "secret",
        5439,
    )
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(
        f"other:5439:dev:awsuser:nope\n{HOST}:*:dev:awsuser:from\\:pgpass\n", encoding="utf-8"
    )
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    params = connect_params(RedshiftUrl.parse(f"redshift://awsuser@{HOST}/dev"), settings)
    assert (params.password, params.auth) == ("from:pgpass", "password")
    with pytest.raises(TargetError, match="Unknown parameter"):
        RedshiftUrl.parse(f"redshift://awsuser@{HOST}/dev?password=x")
