"""Simultaneous runs: three `sparkify run` processes started at once on the same
warehouse never interleave. With --lock-timeout they queue and the final state equals one run;
without it the losers stop at once with a clear "busy" error (exit 7) and change nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sparkify.errors import ExitCode
from tests.helpers import EVERY_TABLE, daily_source, run_load, snapshot
from tests.pg import pg_database

RUNS = 3


def _start(url: str, source: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "sparkify", "run", "--source", str(source), "--target", url]
    return subprocess.Popen(
        [*cmd, "-q", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _reference(url: str, source: Path, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    if url.startswith("duckdb"):
        ref = f"duckdb:///{tmp_path / 'reference.duckdb'}"
        run_load(ref, source)
        return snapshot(ref, EVERY_TABLE)
    with pg_database("sparkify_conc_ref") as ref:
        run_load(ref, source)
        return snapshot(ref, EVERY_TABLE)


def test_simultaneous_runs_queue_and_end_as_one_run(target_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 6, events=500)
    procs = [_start(target_url, source, "--lock-timeout", "60") for _ in range(RUNS)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0] * RUNS, results
    assert snapshot(target_url, EVERY_TABLE) == _reference(target_url, source, tmp_path)


def test_simultaneous_runs_without_waiting_refuse_cleanly(target_url: str, tmp_path: Path) -> None:
    source = daily_source(tmp_path / "src", 6, events=500)
    procs = [_start(target_url, source) for _ in range(RUNS)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes[0] == 0, results
    for code, err in results:
        if code != 0:
            assert code == ExitCode.BUSY, err
            assert "Traceback" not in err
            assert err.startswith("error: ") and "hint: Wait for" in err, err
    assert snapshot(target_url, EVERY_TABLE) == _reference(target_url, source, tmp_path)
