"""Ctrl-C during an ``etl`` on PostgreSQL: SIGINT before each stage of a load, and
while the server is executing a statement (blocked on a lock another session holds). Each
time: the one line ``interrupted: nothing was committed.``, exit code 130, the previous state
kept, no session left behind, and the next run ends equal to an uninterrupted history.

The interrupted runs are the real command line (:mod:`tests.cli_driver`), which sends itself
SIGINT from the target's tracer when it sees a chosen statement; for a statement in progress
the test sends SIGINT itself once PostgreSQL shows the run waiting for the lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sparkify.errors import ExitCode
from tests.helpers import (
    EVERY_TABLE,
    POSTGRES_LOAD_STAGES,
    daily_source,
    run_load,
    snapshot,
    source_link,
)
from tests.pg import pg_database
from tests.sample import ROOT

INTERRUPTED = "interrupted: nothing was committed.\n"


def _two_loads(root: Path) -> tuple[Path, Path]:
    """A first load, and the same folder later: two new days and one changed day."""
    first = daily_source(root / "first", 2)
    later = root / "later"
    shutil.copytree(first, later)
    daily_source(later, 4)  # rewrites day00 and day01 with the same bytes, adds day02 and day03
    for day in ("day00.json", "day01.json"):
        shutil.copystat(first / "log_data" / day, later / "log_data" / day)
    (later / "log_data" / "day00.json").write_text("")  # changed: deleted, then restaged
    return first, later


def _current(folder: Path) -> Path:
    """The source location (a link beside ``folder``) holding ``folder``'s state."""
    return source_link(folder.parent / "current", folder)


def _load(url: str, folder: Path) -> None:
    run_load(url, _current(folder))


def _etl(url: str, source: Path, **env: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.cli_driver", "etl", "--source", str(_current(source))]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [*cmd, "--target", url, "-q"],
        env={**os.environ, "PYTHONPATH": path, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupted_cleanly(proc: subprocess.Popen[str], url: str, what: str) -> None:
    _, err = proc.communicate(timeout=60)
    # the line break before it is click's, ending the terminal's "^C"
    assert (proc.returncode, err.lstrip("\n")) == (ExitCode.INTERRUPTED, INTERRUPTED), (
        what,
        err[-800:],
    )
    with psycopg.connect(url, autocommit=True) as admin:
        left = admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'sparkify'"
        ).fetchone()
    assert left == (0,), f"a session of the interrupted run is left ({what})"


def _equals_uninterrupted(url: str, first: Path, later: Path) -> None:
    _load(url, later)
    with pg_database("sparkify_sigint_ref") as reference:
        _load(reference, first)
        _load(reference, later)
        assert snapshot(url, EVERY_TABLE) == snapshot(reference, EVERY_TABLE)


@pytest.mark.slow
def test_ctrl_c_before_each_stage_keeps_the_previous_state(pg_url: str, tmp_path: Path) -> None:
    first, later = _two_loads(tmp_path)
    _load(pg_url, first)
    before = snapshot(pg_url, EVERY_TABLE)
    for prefix in POSTGRES_LOAD_STAGES:
        proc = _etl(pg_url, later, SPARKIFY_TEST_SIGNAL_AT=prefix)
        _interrupted_cleanly(proc, pg_url, prefix)
        assert snapshot(pg_url, EVERY_TABLE) == before, prefix
    _equals_uninterrupted(pg_url, first, later)


def _wait_until_blocked(url: str, proc: subprocess.Popen[str]) -> str:
    """The statement the run's session waits on a lock with (fails after 20 s)."""
    deadline = time.monotonic() + 20
    with psycopg.connect(url, autocommit=True) as admin:
        while time.monotonic() < deadline and proc.poll() is None:
            found: Any = admin.execute(
                "SELECT query FROM pg_stat_activity WHERE application_name = 'sparkify' "
                "AND datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if found:
                return str(found[0])
            time.sleep(0.02)
    raise AssertionError(f"the run never waited for the lock (exit code {proc.poll()})")


def test_ctrl_c_while_the_server_runs_a_statement(pg_url: str, tmp_path: Path) -> None:
    first, later = _two_loads(tmp_path)
    _load(pg_url, first)
    before = snapshot(pg_url, EVERY_TABLE)
    # the first write of staging (the changed file's rows), and of the star's rebuild
    for table in ("staging_events", "songplays"):
        with psycopg.connect(pg_url) as other:
            other.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            proc = _etl(pg_url, later)
            statement = _wait_until_blocked(pg_url, proc)
            assert table in statement, statement
            proc.send_signal(signal.SIGINT)
            _interrupted_cleanly(proc, pg_url, table)
        assert snapshot(pg_url, EVERY_TABLE) == before, table
    _equals_uninterrupted(pg_url, first, later)
