"""The benchmark runs end to end at a small size, and guards its regression ratio.

The guard compares two approaches measured in the same run, never an absolute time: the
full sparkify load on DuckDB must not be slower than the naive ``read_json`` load. The size,
200,000 events and 20,000 one-record song files, keeps the catalogue's real shape (many tiny
files, which naive reads one ``read_json`` file at a time) and enough events that a per-record
Python loop or a per-file query would show: sparkify measured 0.42-0.43 x naive here (and
0.27-0.32 x at 20,000 events), so the guard does not fail on the shared machine's noise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench.py"
DUCKDB_APPROACHES = ["floor", "naive-duckdb", "sparkify-duckdb", "sparkify-duckdb-incremental"]
TOLERANCE = 1.0


def _bench(tmp_path: Path, *args: str) -> tuple[str, dict[str, dict[str, Any]]]:
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(BENCH), "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]
    proc = subprocess.run(
        [*cmd, *args], cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    payload = json.loads(out.read_text())
    return proc.stdout, {r["approach"]: r for r in payload["results"]}


@pytest.mark.slow
def test_duckdb_approaches_table_json_and_ratio_guard(tmp_path: Path) -> None:
    stdout, results = _bench(
        tmp_path, "--events", "200000", "--songs", "20000", "--targets", "duckdb"
    )
    assert list(results) == DUCKDB_APPROACHES
    for name in DUCKDB_APPROACHES:
        assert results[name]["status"] == "ok", results[name]
        assert results[name]["seconds"] > 0
        assert results[name]["peak_rss_mib"] > 0
        assert any(line.startswith(name + " ") for line in stdout.splitlines()), stdout
    assert stdout.startswith("$ python ")
    assert "machine: " in stdout and "duckdb 2." in stdout

    full, inc = results["sparkify-duckdb"], results["sparkify-duckdb-incremental"]
    assert full["counts"]["events_staged"] == results["floor"]["counts"]["events"]
    assert full["counts"]["songs_staged"] == 20000
    assert full["counts"]["songplays"] == results["naive-duckdb"]["counts"]["songplays"]
    assert inc["counts"]["files_new"] == 1
    assert inc["counts"]["songs_staged"] == 0
    assert set(full["parts"]) == {"list", "stage", "transform", "etl other", "check+create"}

    ratio = full["seconds"] / results["naive-duckdb"]["seconds"]
    assert ratio <= TOLERANCE, f"sparkify-duckdb took {ratio:.2f} x naive-duckdb"


@pytest.mark.postgres
def test_postgres_approaches_match_duckdb(tmp_path: Path, pg_url: str) -> None:
    dsn, database = pg_url.rsplit("/", 1)
    approaches = "floor,sparkify-duckdb,sparkify-postgres,classic-postgres"
    _, results = _bench(
        tmp_path,
        *("--events", "3000", "--songs", "300", "--approaches", approaches),
        *("--pg-dsn", dsn, "--pg-database", database),
    )
    classic, duck = results["classic-postgres"], results["sparkify-duckdb"]
    assert classic["status"] == "ok", classic
    for table in ("songplays", "users", "songs", "artists", "time"):
        assert classic["counts"][table] == duck["counts"][table], table
    pg = results["sparkify-postgres"]
    if pg["status"] != "ok":
        assert pg["status"].startswith("not available: sparkify.targets.postgres"), pg
    else:
        assert pg["counts"]["songplays"] == duck["counts"]["songplays"]


@pytest.mark.slow
def test_rounds_and_a_larger_data_set_in_one_invocation(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    approaches = "floor,sparkify-duckdb,sparkify-duckdb-incremental"
    cmd = [sys.executable, str(BENCH), "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]
    cmd += ["--events", "3000", "--songs", "300", "--approaches", approaches]
    cmd += ["--repeat", "2", "--scale", "6000,600"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    payload = json.loads(out.read_text())
    runs = [(r["approach"], r["data"], r["round"]) for r in payload["results"]]
    names = approaches.split(",")
    assert runs == [(n, "base", 1) for n in names] + [(n, "base", 2) for n in names] + [
        (n, "scale", 1) for n in names
    ]
    assert [d["events"] < 7000 for d in payload["datasets"]] == [True, True]
    assert payload["datasets"][1]["events"] > payload["datasets"][0]["events"]
    verdicts = payload["verdicts"]
    assert any(
        v.startswith("sparkify-duckdb full load / floor = ") and "median" in v for v in verdicts
    )
    assert any(v.startswith("incremental one-day run / full load = ") for v in verdicts)
    assert any(v.startswith("scale: full load ") for v in verdicts)
    assert any(v.startswith("scale: sparkify-duckdb peak RSS = ") for v in verdicts)


@pytest.mark.slow
def test_two_commits_compared_side_by_side(tmp_path: Path) -> None:
    cmd = [sys.executable, str(ROOT / "benchmarks" / "compare.py"), "HEAD", "HEAD"]
    cmd += ["--events", "3000", "--songs", "300", "--pairs", "2"]
    cmd += ["--cache-dir", str(tmp_path / "cache")]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["pair 1", "pair 2"]
    digests = {part.split(")")[0] for line in lines[:2] for part in line.split("(code ")[1:]}
    assert len(digests) == 1  # the same commit on both sides measures the same code
    assert lines[2].startswith("sparkify-duckdb at 3,000 events: new ")
    assert "median" in lines[2]
    worktrees = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert "sparkify-compare-" not in worktrees.stdout  # removed again
