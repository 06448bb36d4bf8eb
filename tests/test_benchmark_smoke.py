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
