"""Fixtures for the Redshift tests: the PostgreSQL database the stand-in cluster runs on.

Register with ``pytest_plugins = ["tests.redshift_fixtures"]``. When PostgreSQL cannot be
reached the test is skipped with the reason, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

PG = os.environ.get("SPARKIFY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture
def pg_c() -> Iterator[str]:
    """A new PostgreSQL database with the C collation (Redshift compares text byte by byte)."""
    name = f"sparkify_rs_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        _pg_unavailable(str(e).strip())
    with admin:
        admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
        try:
            yield f"{PG}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
