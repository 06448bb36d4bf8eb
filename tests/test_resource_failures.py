"""Resources fail under a run: the DuckDB file system full or read-only, the
DuckDB file locked by another process, a PostgreSQL statement timeout, a read-only PostgreSQL
database, and the PostgreSQL connection dropped at each stage of a load. Each time: one clear
error line with its exit code, the previous state kept, and the next run completes."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode, QueryError, SparkifyError, TargetError
from sparkify.pipeline.run import etl
from sparkify.sources import open_source
from sparkify.targets import open_target
from tests.helpers import (
    EVERY_TABLE,
    POSTGRES_LOAD_STAGES,
    daily_source,
    rows,
    run_load,
    snapshot,
)


def _cli(
    *args: str, preexec: Callable[[], None] | None = None, wrap: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [*(wrap or []), sys.executable, "-m", "sparkify", *args, "-q"]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, preexec_fn=preexec, check=False
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], code: int, start: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {start}"), done.stderr


# -- DuckDB: file system full, read-only, locked ---------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A child-process set-up: files may not grow past ``limit`` bytes (EFBIG, as a full disk
    gives ENOSPC: the write fails; SIGXFSZ is ignored so the process sees the error)."""

    def setup() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return setup


@pytest.mark.slow
def test_duckdb_disk_full_keeps_the_previous_state(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    url = f"duckdb:///{db}"
    source = daily_source(tmp_path / "src", 2)
    run_load(url, source)
    daily_source(tmp_path / "src", 6, events=3000)
    before = snapshot(url, EVERY_TABLE)
    size = db.stat().st_size
    for limit in (65_536, size, size + 1_000_000):
        done = _cli(
            "run", "--source", str(source), "--target", url, preexec=_file_size_limit(limit)
        )
        _one_clear_line(done, ExitCode.TARGET, f"Cannot write the warehouse {db}: ")
        assert "File too large" in done.stderr
        assert "hint: Free disk space" in done.stderr
        assert snapshot(url, EVERY_TABLE) == before, limit
    run_load(url, source)
    reference = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    run_load(reference, source)
    assert snapshot(url, EVERY_TABLE) == snapshot(reference, EVERY_TABLE)


def _read_only_wrapper(folder: Path) -> list[str] | None:
    """A command prefix that runs the rest with ``folder`` mounted read-only (a private user
    and mount namespace: no privilege needed), or None where namespaces are not allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    wrap = [unshare, "-rm", "sh", "-c", 'mount --bind -o ro "$1" "$1" && shift && exec "$@"']
    probe = subprocess.run([*wrap, "sh", str(folder), "true"], capture_output=True, timeout=30)
    return [*wrap, "sh", str(folder)] if probe.returncode == 0 else None


def test_duckdb_read_only_file_system_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"duckdb:///{folder / 'w.duckdb'}"
    source = daily_source(tmp_path / "src", 2)
    run_load(url, source)
    before = snapshot(url, EVERY_TABLE)
    daily_source(tmp_path / "src", 4)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        (folder / "w.duckdb").chmod(0o444)
        wrap: list[str] | None = []
    else:
        wrap = _read_only_wrapper(folder)
        if wrap is None:
            pytest.skip("running as root without user namespaces: cannot make a file read-only")
    try:
        done = _cli("run", "--source", str(source), "--target", url, wrap=wrap)
        checked = _cli("check", "--target", url, wrap=wrap)
    finally:
        folder.chmod(0o755)
    _one_clear_line(done, ExitCode.TARGET, f"Cannot open {folder / 'w.duckdb'}: ")
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
    assert checked.returncode == 0, checked.stderr  # reading a read-only warehouse works
    assert snapshot(url, EVERY_TABLE) == before


@pytest.mark.slow
def test_duckdb_locked_by_another_process_waits_or_refuses(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    url = f"duckdb:///{db}"
    source = daily_source(tmp_path / "src", 2)
    run_load(url, source)
    before = snapshot(url, EVERY_TABLE)
    daily_source(tmp_path / "src", 3)
    # the holder keeps the file open until told to let go (a line on its stdin): while the
    # refused run starts and fails, however slow the machine, and 1.5 s into the waiting one
    code = f"import duckdb,sys; c=duckdb.connect({str(db)!r}); print('ok', flush=True); input()"
    for lock_timeout, expected in (("0", ExitCode.BUSY), ("20", ExitCode.OK)):
        holder = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert holder.stdin is not None and holder.stdout is not None
        release = threading.Timer(1.5, holder.stdin.close)
        try:
            assert holder.stdout.readline().strip() == "ok"
            if expected == ExitCode.OK:
                release.start()
            done = _cli(
                "run", "--source", str(source), "--target", url, "--lock-timeout", lock_timeout
            )
        finally:
            release.cancel()
            if not holder.stdin.closed:
                holder.stdin.close()
            holder.wait(timeout=30)
        if expected == ExitCode.BUSY:
            _one_clear_line(
                done, ExitCode.BUSY, f"The warehouse {db} is in use by another process."
            )
            assert snapshot(url, EVERY_TABLE) == before
        else:
            assert done.returncode == 0, done.stderr
    reference = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    run_load(reference, source)
    assert snapshot(url, EVERY_TABLE) == snapshot(reference, EVERY_TABLE)


# -- PostgreSQL: statement timeout, read-only database, connection dropped ---------------------


def test_postgres_statement_timeout_keeps_the_previous_state(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = daily_source(tmp_path / "src", 2)
    run_load(pg_url, source)
    before = snapshot(pg_url, EVERY_TABLE)
    daily_source(tmp_path / "src", 4)
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=300")
    settings = load_settings(overrides={"source": str(source), "target": pg_url})
    # another session holding songplays makes the transform wait past the statement timeout
    with psycopg.connect(pg_url) as other:
        other.execute("LOCK TABLE songplays IN ACCESS EXCLUSIVE MODE")
        with open_target(settings) as target, pytest.raises(QueryError) as info:
            etl(open_source(settings), target)
    assert info.value.message.startswith(
        "PostgreSQL statement failed [57014]: canceling statement due to statement timeout "
        "(in: INSERT INTO songplays"
    ), info.value.message
    assert snapshot(pg_url, EVERY_TABLE) == before
    monkeypatch.delenv("PGOPTIONS")
    run_load(pg_url, source)
    assert rows(pg_url, "SELECT COUNT(*) FROM staging_events") == [(160,)]


def test_postgres_read_only_database_is_a_clear_error(pg_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 2)
    run_load(pg_url, source)
    before = snapshot(pg_url, EVERY_TABLE)
    daily_source(tmp_path / "src", 3)
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    done = _cli("run", "--source", str(source), "--target", pg_url)
    _one_clear_line(done, ExitCode.QUERY, "PostgreSQL statement failed [25006]: cannot execute ")
    assert "in a read-only transaction" in done.stderr
    assert snapshot(pg_url, EVERY_TABLE) == before


def test_postgres_connection_dropped_at_each_stage_keeps_the_previous_state(
    pg_url: str, tmp_path: Path
) -> None:
    source = daily_source(tmp_path / "src", 2)
    run_load(pg_url, source)
    before = snapshot(pg_url, EVERY_TABLE)
    daily_source(tmp_path / "src", 4)
    (source / "log_data" / "day00.json").write_text("")  # a changed file: deletes, then restage
    settings = load_settings(overrides={"source": str(source), "target": pg_url})
    for prefix in POSTGRES_LOAD_STAGES:
        dropped: list[str] = []
        opened: list[Any] = []

        def drop(
            sql: str, prefix: str = prefix, dropped: list[str] = dropped, opened: list[Any] = opened
        ) -> None:
            if sql.lstrip().startswith(prefix) and not dropped:
                with psycopg.connect(pg_url, autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(%s)", [opened[0].con.info.backend_pid]
                    )
                dropped.append(sql)

        with open_target(settings, tracer=drop) as target, pytest.raises(SparkifyError) as info:
            opened.append(target)
            etl(open_source(settings), target)
        assert dropped, f"no statement starts with {prefix!r}"
        assert isinstance(info.value, TargetError)
        assert info.value.message.startswith(f"Lost the connection to PostgreSQL at {pg_url}: "), (
            info.value.message
        )
        assert (
            info.value.hint
            == "Check the server, then run again: nothing of this run was committed."
        )
        assert snapshot(pg_url, EVERY_TABLE) == before, prefix
    run_load(pg_url, source)
    assert rows(pg_url, "SELECT COUNT(*) FROM staging_events") == [(120,)]
