"""Every run leaves a record: the row each `run` and `etl` writes to
``sparkify_runs`` (committed, rejected by --max-errors, failed inside the warehouse,
interrupted, killed), ``sparkify history``, no secret in the table, and the table in the DDL
and the diagram. Through the real command line on DuckDB and PostgreSQL; the Redshift
stand-in in its own test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode
from sparkify.pipeline.check import run_checks
from sparkify.pipeline.history import mask_secrets, recent_runs
from sparkify.schema.model import RUNS
from sparkify.targets import open_target
from tests.helpers import EVERY_TABLE, daily_source, event, invoke, rows, snapshot, write_log
from tests.redshift_helpers import redshift_settings, redshift_target
from tests.sample import ROOT

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

WITH_RUNS = [*EVERY_TABLE, RUNS.name]


def _history(url: str, n: int = 10) -> list[dict[str, Any]]:
    out = invoke("history", "--target", url, "-n", str(n), "--json")
    assert out.exit_code == 0, out.output
    runs: list[dict[str, Any]] = json.loads(out.output)
    return runs


def _driver(command: str, source: Path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``sparkify COMMAND`` in a child process (tests.cli_driver: test hooks on the target)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "tests.cli_driver", command, "--source", str(source)]
    return subprocess.run(
        [*cmd, "--target", url, "-q"],
        env={**os.environ, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _checks(url: str) -> tuple[int, int, int]:
    target = open_target(load_settings(overrides={"target": url}))
    target.connect(read_only=True)
    try:
        statuses = [r.status for r in run_checks(target).results]
    finally:
        target.close()
    return statuses.count("pass"), statuses.count("fail"), statuses.count("warn")


def _error_line(stderr: str) -> str:
    line = next(ln for ln in stderr.splitlines() if ln.startswith("error: "))
    return line[len("error: ") :]


def test_committed_runs_record_what_they_loaded(target_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 2)
    assert invoke("run", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    daily_source(source, 3)  # one new day (the first two rewritten with the same bytes)
    assert invoke("etl", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    assert invoke("etl", "--source", str(source), "--target", target_url, "-q").exit_code == 0

    runs = _history(target_url)
    assert [(r["command"], r["mode"], r["outcome"]) for r in runs] == [
        ("etl", "nothing new", "committed"),
        ("etl", "incremental", "committed"),
        ("run", "first load", "committed"),
    ]
    loaded = [
        (r["files_new"], r["files_changed"], r["files_unchanged"], r["records_read"]) for r in runs
    ]
    assert loaded == [(0, 0, 6, 0), (1, 0, 5, 40), (5, 0, 0, 83)]
    assert [(r["records_staged"], r["records_rejected"]) for r in runs] == [
        (0, 0),
        (40, 0),
        (83, 0),
    ]
    stars = [
        tuple(r[f"{t}_rows"] for t in ("songplays", "users", "songs", "artists", "time"))
        for r in runs
    ]
    assert stars == [(120, 7, 3, 1, 120), (120, 7, 3, 1, 120), (80, 7, 3, 1, 80)]
    # only `run` runs the checks; the first run's are those of a full check of its result
    assert [r["checks_passed"] for r in runs[:2]] == [None, None]
    assert (runs[2]["checks_passed"], runs[2]["checks_failed"], runs[2]["checks_warned"]) == (
        _checks(target_url)
    )
    assert runs[2]["checks_passed"] > 10
    for r in runs:
        assert (r["error"], r["exit_code"]) == (None, None)
        assert r["source"] == str(source) and r["target"] == target_url
        assert r["started_at"] <= r["finished_at"] and r["seconds"] >= 0
        assert r["sparkify_version"] == "0.1.0" and len(r["run_id"]) == 32
    assert runs[0]["started_at"] > runs[1]["started_at"] > runs[2]["started_at"]
    assert [r["run_id"] for r in _history(target_url, 2)] == [r["run_id"] for r in runs[:2]]

    table = invoke("history", "--target", target_url)
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].strip() == "sparkify: runs, newest first"
    assert lines[3].split()[2:] == ["committed", "nothing", "new", "0", "0", "0", "120"]
    assert lines[5].split()[2:] == ["committed", "first", "load", "5", "83", "0", "80"]


def test_a_run_stopped_by_max_errors_records_it_and_changes_nothing_else(
    target_url: str, tmp_path: Path
) -> None:
    source = daily_source(tmp_path / "src", 2)
    assert invoke("run", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    before = snapshot(target_url, EVERY_TABLE)
    write_log(source / "log_data" / "day09.json", [event(ts=1542000000000), "not json"])
    done = _driver("etl", source, target_url, SPARKIFY_MAX_ERRORS="0")
    assert done.returncode == ExitCode.TOO_MANY_ERRORS, done.stderr
    assert snapshot(target_url, EVERY_TABLE) == before

    last = _history(target_url)[0]
    assert (last["command"], last["outcome"], last["exit_code"]) == ("etl", "rejected", 5)
    assert last["error"] == _error_line(done.stderr)
    assert (last["mode"], last["files_new"], last["records_read"]) == ("incremental", 1, 2)
    assert (last["records_staged"], last["records_rejected"]) == (1, 1)
    assert last["songplays_rows"] is None and last["checks_passed"] is None


def _constrain_users(url: str) -> None:
    """Replace the empty ``users`` table by one whose CHECK refuses every real user id."""
    target = open_target(load_settings(overrides={"target": url}))
    with target:
        target.execute('DROP TABLE "users"')
        target.execute(
            'CREATE TABLE "users" (user_id INTEGER NOT NULL CHECK (user_id < 0), '
            "first_name VARCHAR, last_name VARCHAR, gender VARCHAR, level VARCHAR)"
        )


def test_a_run_failing_inside_the_warehouse_records_the_error(
    target_url: str, tmp_path: Path
) -> None:
    source = daily_source(tmp_path / "src", 2)
    assert invoke("create-tables", "--target", target_url, "-q").exit_code == 0
    _constrain_users(target_url)
    done = _driver("run", source, target_url)
    assert done.returncode == ExitCode.QUERY, done.stderr
    assert rows(target_url, "SELECT COUNT(*) FROM staging_events") == [(0,)]

    (only,) = _history(target_url)
    assert (only["command"], only["outcome"], only["exit_code"]) == ("run", "failed", 8)
    assert only["error"] == _error_line(done.stderr)
    assert "users" in only["error"]
    assert (only["mode"], only["files_new"], only["records_staged"]) == ("first load", 5, 83)
    assert only["songplays_rows"] is None


def test_ctrl_c_records_an_interrupted_run_after_the_rollback(
    target_url: str, tmp_path: Path
) -> None:
    source = daily_source(tmp_path / "src", 2)
    assert invoke("run", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    daily_source(source, 3)
    before = snapshot(target_url, EVERY_TABLE)
    # the row counts at the end of the load, just before the run's row and COMMIT
    done = _driver("etl", source, target_url, SPARKIFY_TEST_SIGNAL_AT='SELECT COUNT(*) FROM "')
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
    assert done.stderr.lstrip("\n") == "interrupted: nothing was committed.\n"
    assert snapshot(target_url, EVERY_TABLE) == before

    last = _history(target_url)[0]
    assert (last["command"], last["outcome"], last["exit_code"]) == ("etl", "interrupted", 130)
    assert last["error"] == "interrupted (Ctrl-C)"
    assert (last["mode"], last["files_new"], last["records_read"]) == ("incremental", 1, 40)
    assert last["songplays_rows"] is None
    assert len(_history(target_url)) == 2


@pytest.mark.parametrize("at", ["run's row", "COMMIT"])
def test_kill_9_leaves_no_row_and_the_warehouse_as_it_was(
    target_url: str, tmp_path: Path, at: str
) -> None:
    source = daily_source(tmp_path / "src", 2)
    assert invoke("run", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    daily_source(source, 3)
    before = snapshot(target_url, WITH_RUNS)
    write = "INSERT INTO" if target_url.startswith("duckdb") else "COPY"
    prefix = f'{write} "sparkify_runs"' if at == "run's row" else "COMMIT"
    done = _driver(
        "etl", source, target_url, SPARKIFY_TEST_SIGNAL_AT=prefix, SPARKIFY_TEST_SIGNAL="KILL"
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert snapshot(target_url, WITH_RUNS) == before
    assert len(_history(target_url)) == 1


def test_history_on_a_warehouse_from_before_the_table(target_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 1)
    assert invoke("run", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    target = open_target(load_settings(overrides={"target": target_url}))
    with target:
        target.execute('DROP TABLE "sparkify_runs"')
    table = invoke("history", "--target", target_url)
    assert (table.exit_code, table.output) == (0, "no runs recorded yet\n")
    assert _history(target_url) == []
    # a failed run cannot record itself there; the next committed etl creates the table
    write_log(source / "log_data" / "day09.json", ["not json"])
    assert _driver("etl", source, target_url, SPARKIFY_MAX_ERRORS="0").returncode == 5
    assert RUNS.name not in {r[0] for r in rows(target_url, _tables_sql(target_url))}
    assert invoke("etl", "--source", str(source), "--target", target_url, "-q").exit_code == 0
    assert [(r["command"], r["outcome"]) for r in _history(target_url)] == [("etl", "committed")]


def _tables_sql(url: str) -> str:
    if url.startswith("duckdb"):
        return "SELECT table_name FROM information_schema.tables"
    return "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def test_history_never_creates_a_missing_duckdb_file(tmp_path: Path) -> None:
    out = invoke("history", "--target", f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert out.exit_code == ExitCode.TARGET
    assert not (tmp_path / "none.duckdb").exists()


def test_no_secret_in_the_run_history(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password, key_id, secret = "Pw-s3cr3t-9731", "AKIAHISTORYTEST12345", "hist/SECRET+key+0987"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("PGPASSWORD", password)
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")
    assert url != pg_url
    source = daily_source(tmp_path / "src", 1)
    assert invoke("run", "--source", str(source), "--target", url, "-q").exit_code == 0
    write_log(source / "log_data" / "day09.json", ["not json"])
    assert (
        invoke("etl", "--source", str(source), "--target", url, "--max-errors", "0").exit_code == 5
    )
    runs = rows(pg_url, "SELECT * FROM sparkify_runs")
    assert len(runs) == 2
    text = "\n".join(str(v) for r in runs for v in r)
    for word in (password, key_id, secret):
        assert word not in text
    assert {r["target"] for r in _history(pg_url)} == {pg_url.replace("postgres@", "postgres:***@")}


def test_mask_secrets_in_free_text() -> None:
    text = "cannot reach postgresql://me:hunter2@db:5432/x?sslpassword=abc&sslmode=require"
    assert mask_secrets(text) == (
        "cannot reach postgresql://me:***@db:5432/x?sslpassword=***&sslmode=require"
    )


def test_a_failed_row_write_keeps_the_runs_own_error(pg_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 1)
    assert invoke("run", "--source", str(source), "--target", pg_url, "-q").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("ALTER TABLE sparkify_runs ADD COLUMN broken INTEGER NOT NULL DEFAULT 0")
        admin.execute("ALTER TABLE sparkify_runs ALTER COLUMN broken DROP DEFAULT")
    write_log(source / "log_data" / "day09.json", ["not json"])
    done = _driver("etl", source, pg_url, SPARKIFY_MAX_ERRORS="0")
    assert done.returncode == ExitCode.TOO_MANY_ERRORS
    assert done.stderr.startswith("error: 1 records were rejected"), done.stderr
    assert "sparkify_runs" not in done.stderr
    assert rows(pg_url, "SELECT COUNT(*) FROM sparkify_runs") == [(1,)]


def test_a_dry_run_is_recorded_and_changes_nothing_else(target_url: str, tmp_path: Path) -> None:
    """``--dry-run`` rolls its load back, then records itself: the row holds the counts the
    run saw inside its transaction, and every other table is as it was."""
    first = daily_source(tmp_path / "src", 1)
    assert invoke("run", "--source", str(first), "--target", target_url, "-q").exit_code == 0
    before = snapshot(target_url, EVERY_TABLE)
    more = daily_source(tmp_path / "src", 2)  # one more day beside the first

    out = invoke("run", "--source", str(more), "--target", target_url, "--dry-run", "-q")

    assert out.exit_code == 0, out.output
    assert snapshot(target_url, EVERY_TABLE) == before
    last, committed = _history(target_url)
    assert (last["command"], last["outcome"], last["mode"]) == ("run", "dry run", "incremental")
    assert (last["files_new"], last["files_unchanged"], last["records_read"]) == (1, 4, 40)
    assert last["songplays_rows"] == 80  # what the run would have committed
    assert (last["error"], last["exit_code"]) == (None, None)
    assert last["checks_failed"] == 0 and last["checks_passed"] > 0
    assert committed["outcome"] == "committed" and committed["songplays_rows"] == 40


def test_sql_and_diagram_show_the_runs_table() -> None:
    for dialect in ("duckdb", "postgres", "redshift"):
        out = invoke("sql", "--target", dialect, "ddl")
        assert 'CREATE TABLE IF NOT EXISTS "sparkify_runs"' in out.output, dialect
    redshift = invoke("sql", "--target", "redshift", "ddl").output
    assert '"started_at" TIMESTAMP NOT NULL' in redshift
    assert invoke("diagram", "--all-tables").output.count("sparkify_runs") >= 1
    assert "sparkify_runs" not in invoke("diagram").output


def _env(cluster: dict[str, Any]) -> dict[str, str]:
    return {
        **os.environ,
        "SPARKIFY_TEST_RS_DSN": cluster["dsn"],
        "SPARKIFY_ENDPOINT_URL": cluster["endpoint_url"],
        "SPARKIFY_S3_STAGING": cluster["s3_staging"],
        "SPARKIFY_IAM_ROLE": cluster["iam_role"],
    }


def test_redshift_stand_in_records_committed_and_rejected_runs(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    source = daily_source(tmp_path / "src", 2)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    base = [sys.executable, "-m", "tests.cli_driver"]
    args = ["--source", str(source), "--target", cluster["target"], "-q"]
    ok = subprocess.run(
        [*base, "run", *args],
        env={**_env(cluster), "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    write_log(source / "log_data" / "day09.json", ["not json"])
    env = {**_env(cluster), "PYTHONPATH": path, "SPARKIFY_MAX_ERRORS": "0"}
    bad = subprocess.run(
        [*base, "etl", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == ExitCode.TOO_MANY_ERRORS, bad.stderr
    target, _ = redshift_target(cluster, redshift_settings(cluster))
    with target:
        runs = recent_runs(target)
    assert [(r["command"], r["outcome"], r["exit_code"]) for r in runs] == [
        ("etl", "rejected", 5),
        ("run", "committed", None),
    ]
    assert runs[0]["error"] == _error_line(bad.stderr)
    assert (runs[1]["records_staged"], runs[1]["songplays_rows"]) == (83, 80)
    assert runs[1]["started_at"].microsecond % 1000 == 0
    assert runs[1]["target"] == cluster["target"]
