"""A throw-away PostgreSQL database for one test; a missing server fails in CI, skips elsewhere."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_DSN = os.environ.get("SPARKIFY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_unavailable(reason: str) -> None:
    """Fail (CI) or skip (elsewhere) because PostgreSQL cannot be used."""
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@contextmanager
def pg_database(prefix: str, options: str = "") -> Iterator[str]:
    """Create a database named ``prefix_<random>`` (``options`` appended to CREATE DATABASE),
    yield its URL, drop it afterwards."""
    try:
        import psycopg
    except ImportError as e:
        pg_unavailable(f"psycopg is not installed ({e})")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pg_unavailable(str(e).strip())
    with admin:
        admin.execute(f'CREATE DATABASE "{name}" {options}')
        try:
            yield f"{PG_DSN}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
