"""The test suite's PostgreSQL databases: what a killed test session leaves is cleaned up."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.pg import PG_DSN, database_name, drop_orphaned_databases, owner_is_gone, pg_unavailable

psycopg = pytest.importorskip("psycopg")

pytestmark = pytest.mark.postgres


def _exists(admin: Any, name: str) -> bool:
    return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchall())


def test_a_killed_sessions_databases_are_dropped_and_live_ones_kept() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(gone.stdout)
    orphan = f"sparkify_test_p{dead_pid}_0123abcd"
    mine = database_name("sparkify_test")
    try:
        admin = psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pg_unavailable(str(e).strip())
    with admin:
        for name in (orphan, mine):
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            assert owner_is_gone(orphan) and not owner_is_gone(mine)
            assert not owner_is_gone("postgres") and not owner_is_gone("sparkify_by_hand")
            assert drop_orphaned_databases(admin) == []
            assert not _exists(admin, orphan)
            assert _exists(admin, mine)
        finally:
            for name in (orphan, mine):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
