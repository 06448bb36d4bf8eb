"""SIGKILL at statement after statement of an `etl` (staging, transform, manifest update), on
every target: each time the warehouse equals the state before the run, and the next run ends
equal to an uninterrupted one (a run is atomic)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EVERY_TABLE, invoke, snapshot, source_link
from tests.pg import pg_database
from tests.sample import ROOT

TABLES = EVERY_TABLE
POINTS = 20


def _current(folder: Path) -> Path:
    """The source location (a link beside ``folder``) holding ``folder``'s state: each state
    of the one source is a folder of its own."""
    return source_link(folder.parent / "current", folder)


def _driver(source: Path, url: str, kill_at: int) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tests.kill_driver", str(_current(source)), url, str(kill_at)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


def _half_loaded(sample: Path, dest: Path, url: str) -> None:
    shutil.copytree(sample / "song_data", dest / "song_data")
    for day in sorted((sample / "log_data").rglob("*.json"))[:15]:
        target = dest / "log_data" / day.relative_to(sample / "log_data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(day, target)
    assert invoke("run", "--source", str(_current(dest)), "--target", url, "-q").exit_code == 0


@pytest.mark.slow
def test_sigkill_at_every_stage_keeps_the_previous_state(
    sample: Path, target_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    _half_loaded(sample, source, target_url)
    # the rest of the month arrives, and one loaded day changes (a reload: delete + restage)
    for day in sorted((sample / "log_data").rglob("*.json"))[15:]:
        target = source / "log_data" / day.relative_to(sample / "log_data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(day, target)
    first = sorted((source / "log_data").rglob("*.json"))[0]
    first.write_text(first.read_text().split("\n", 1)[1])
    before = snapshot(target_url, TABLES)

    # count the statements of an uninterrupted run on a scratch copy in the same state
    if target_url.startswith("duckdb"):
        scratch_url = target_url.replace("warehouse.duckdb", "scratch.duckdb")
        scratch = tmp_path / "scratch-src"
        _half_loaded(sample, scratch, scratch_url)
        statements = int(_driver(source, scratch_url, 10**9).stdout.strip())
    else:
        with pg_database("sparkify_kill") as scratch_url:
            _half_loaded(sample, tmp_path / "scratch-src", scratch_url)
            statements = int(_driver(source, scratch_url, 10**9).stdout.strip())
    assert statements > POINTS
    points = sorted({1 + round(i * (statements - 1) / (POINTS - 1)) for i in range(POINTS)})
    assert len(points) >= POINTS - 1
    for k in points:
        done = _driver(source, target_url, k)
        assert done.returncode == -signal.SIGKILL, (k, done.stderr[-500:])
        assert snapshot(target_url, TABLES) == before, (
            f"state changed after a kill at statement {k}"
        )

    assert _driver(source, target_url, 10**9).returncode == 0
    killed_then_run = snapshot(target_url, TABLES)
    fresh = tmp_path / "fresh-src"
    shutil.copytree(source, fresh)
    if target_url.startswith("duckdb"):
        fresh_url = target_url.replace("warehouse.duckdb", "fresh.duckdb")
        _half_loaded_then_rest(sample, fresh_url, source)
        assert snapshot(fresh_url, TABLES) == killed_then_run
    else:
        with pg_database("sparkify_kill_ref") as fresh_url:
            _half_loaded_then_rest(sample, fresh_url, source)
            assert snapshot(fresh_url, TABLES) == killed_then_run


def _half_loaded_then_rest(sample: Path, url: str, final_source: Path) -> None:
    """An uninterrupted history: the same first run, then one complete run of the final source."""
    first = final_source.parent / f"first-{abs(hash(url))}"
    _half_loaded(sample, first, url)
    assert _driver(final_source, url, 10**9).returncode == 0
