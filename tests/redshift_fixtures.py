"""Fixtures for the Redshift tests: the PostgreSQL database the stand-in cluster runs on.

Register with ``pytest_plugins = ["tests.redshift_fixtures"]``. When PostgreSQL cannot be
reached the test is skipped with the reason, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg import pg_database


@pytest.fixture
def pg_c() -> Iterator[str]:
    """A new PostgreSQL database with the C collation (Redshift compares text byte by byte)."""
    with pg_database("sparkify_rs", "TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'") as url:
        yield url
