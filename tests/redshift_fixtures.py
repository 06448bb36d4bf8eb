"""Fixtures for the Redshift tests: the PostgreSQL database the stand-in cluster runs on,
and the settings of a Redshift target on it.

Register with ``pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]``. When
PostgreSQL cannot be reached the test is skipped with the reason, except in CI
(``CI=true``), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws_helpers import client, make_bucket
from tests.pg import pg_database

ROLE = "arn:aws:iam::123456789012:role/sparkify-copy"
STAGING = "sparkify-staging"
HOST = "sparkify.c0ffee12abcd.us-west-2.redshift.amazonaws.com"
#: CREATE DATABASE options of the stand-in's database: Redshift compares text byte by byte.
C_COLLATION = "TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"


@pytest.fixture
def pg_c() -> Iterator[str]:
    """An empty PostgreSQL database with the C collation (Redshift compares text byte by
    byte), for this test alone."""
    with pg_database("sparkify_rs", C_COLLATION, reuse=True) as url:
        yield url


@pytest.fixture
def cluster(aws: str, pg_c: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Settings for a Redshift target on the stand-in cluster, staging to moto S3."""
    make_bucket(client("s3"), STAGING)
    monkeypatch.setenv("PGPASSWORD", "not-a-real-password")
    return {
        "target": f"redshift://awsuser@{HOST}:5439/dev",
        "endpoint_url": aws,
        "s3_staging": f"s3://{STAGING}/runs",
        "iam_role": ROLE,
        "dsn": pg_c,
    }
