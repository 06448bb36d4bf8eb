"""After a run that only added files, `run` checks what that run changed; `check` and
`run --check-all` check every row. Each fault a check exists for is planted in the rows a new
file adds, inside the run's transaction, just before its checks: the run's scoped checks and
`sparkify check` (every row) must both fail exactly the checks that see it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode
from sparkify.pipeline import run as run_module
from sparkify.pipeline.check import CheckReport
from sparkify.pipeline.run import RunResult, run
from sparkify.sources import open_source
from sparkify.sql.checks import ALL_ROWS, CheckScope, check_queries
from sparkify.targets import open_target
from sparkify.targets.base import Target
from tests.copies import Copies, Load
from tests.helpers import daily_source, invoke, plant_faults, song, source_link, write_song

#: The newest play: one the second day's file added.
NEW_PLAY = "(SELECT MAX(songplay_id) FROM songplays)"
#: The song the new file adds, in the cases that add one.
NEW_SONG = "SONEW"

#: fault -> (statements planted before the checks, whether the new file brings a song,
#: the checks that must fail). ``DROP_PK t`` drops the enforced key (PostgreSQL) so the
#: duplicate can be inserted and the check must count.
FAULTS: dict[str, tuple[list[str], bool, set[str]]] = {
    "new play of an unknown user": (
        [f"UPDATE songplays SET user_id = 999 WHERE songplay_id = {NEW_PLAY}"],
        False,
        {"songplays_user_id_in_users"},
    ),
    "new play at an unknown time": (
        [
            'DELETE FROM "time" WHERE start_time = '
            f"(SELECT start_time FROM songplays WHERE songplay_id = {NEW_PLAY})"
        ],
        False,
        {"songplays_start_time_in_time"},
    ),
    "new play of an unknown song": (
        [f"UPDATE songplays SET song_id = 'SOX' WHERE songplay_id = {NEW_PLAY}"],
        False,
        {"songplays_song_id_in_songs"},
    ),
    "new play of an unknown artist": (
        [f"UPDATE songplays SET artist_id = 'ARX' WHERE songplay_id = {NEW_PLAY}"],
        False,
        {"songplays_artist_id_in_artists"},
    ),
    "new play duplicated": (
        [
            "DROP_PK songplays",
            f"INSERT INTO songplays SELECT * FROM songplays WHERE songplay_id = {NEW_PLAY}",
        ],
        False,
        {"songplays_songplay_id_unique", "songplays_count_matches_staging"},
    ),
    "new play lost": (
        [f"DELETE FROM songplays WHERE songplay_id = {NEW_PLAY}"],
        False,
        {"songplays_count_matches_staging"},
    ),
    "new staged event lost": (
        [f"DELETE FROM staging_events WHERE event_id = {NEW_PLAY}"],
        False,
        {"songplays_count_matches_staging", "staged_rows_match_manifest"},
    ),
    "new file's records miscounted": (
        [
            "UPDATE sparkify_manifest SET records = records + 1 WHERE source_file = "
            "(SELECT MAX(source_file) FROM sparkify_manifest WHERE source_file LIKE 'log_data/%')"
        ],
        False,
        {"staged_rows_match_manifest"},
    ),
    "new user duplicated": (
        [
            "DROP_PK users",
            "INSERT INTO users SELECT * FROM users WHERE user_id = "
            f"(SELECT user_id FROM songplays WHERE songplay_id = {NEW_PLAY})",
        ],
        False,
        {"users_user_id_unique"},
    ),
    "new time duplicated": (
        [
            "DROP_PK time",
            'INSERT INTO "time" SELECT * FROM "time" WHERE start_time = '
            f"(SELECT start_time FROM songplays WHERE songplay_id = {NEW_PLAY})",
        ],
        False,
        {"time_start_time_unique"},
    ),
    "users emptied": (
        ["DELETE FROM users"],
        False,
        {"users_not_empty", "songplays_user_id_in_users"},
    ),
    "new song duplicated": (
        ["DROP_PK songs", f"INSERT INTO songs SELECT * FROM songs WHERE song_id = '{NEW_SONG}'"],
        True,
        {"songs_song_id_unique"},
    ),
    "new song of an unknown artist": (
        [f"UPDATE songs SET artist_id = 'ARX' WHERE song_id = '{NEW_SONG}'"],
        True,
        {"songs_artist_id_in_artists"},
    ),
    "new artist duplicated": (
        [
            "DROP_PK artists",
            "INSERT INTO artists SELECT * FROM artists WHERE artist_id = 'ARNEW'",
        ],
        True,
        {"artists_artist_id_unique"},
    ),
    "song of new plays lost": (
        ["DELETE FROM songs WHERE song_id = 'SO1'"],
        True,
        {"songplays_song_id_in_songs"},
    ),
}


def _load(url: str, source: Path, *, check_all: bool = False) -> RunResult:
    settings = load_settings(overrides={"source": str(source), "target": url})
    with open_target(settings) as target:
        return run(open_source(settings), target, settings, check_all=check_all)


def _failed(report: CheckReport) -> set[str]:
    return {r.name for r in report.failures}


def _every_check(url: str) -> set[str]:
    with open_target(load_settings(overrides={"target": url})) as target:
        return {c.name for c in check_queries(target.renderer)}


def _load_day_one(url: str, folder: Path) -> None:
    """The first day of :func:`daily_source`, loaded through the link ``folder/src``."""
    link = source_link(folder / "src", daily_source(folder / "data", 1))
    assert _load(url, link).checks.ok


@pytest.fixture
def day_one(
    warehouse_copy: Callable[[str, Load], str], loaded_copies: Copies, tmp_path: Path
) -> tuple[str, Path]:
    """A warehouse that loaded the first day of :func:`daily_source` (a copy of one load per
    test process), and its source location, now holding this test's own copy of that day,
    to which the test adds days."""
    url = warehouse_copy("scoped-checks-day-one", _load_day_one)
    return url, loaded_copies.own_source("scoped-checks-day-one", tmp_path / "src")


def _second_day(root: Path, with_song: bool) -> None:
    daily_source(root, 2)
    if with_song:
        write_song(root, song(song_id=NEW_SONG, title="New", artist_id="ARNEW"))


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_in_the_new_rows_fails_the_same_checks_scoped_and_full(
    fault: str, day_one: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    statements, with_song, expected = FAULTS[fault]
    target_url, root = day_one
    _second_day(root, with_song)
    real_checks = run_module.run_checks

    def planted_then_checked(target: Target, scope: CheckScope = ALL_ROWS) -> Any:
        plant_faults(target, target_url, statements)
        return real_checks(target, scope)

    monkeypatch.setattr(run_module, "run_checks", planted_then_checked)
    result = _load(target_url, root)
    assert result.etl.incremental
    assert result.checks.scope == "new rows"
    assert _failed(result.checks) == expected
    monkeypatch.undo()
    full = invoke("check", "--target", target_url, "--json")
    assert full.exit_code == ExitCode.CHECK_FAILED
    report = json.loads(full.output)
    assert report["scope"] == "all rows"
    assert {c["name"] for c in report["checks"] if c["status"] == "fail"} == expected


def test_an_incremental_run_checks_the_new_rows_and_check_still_checks_everything(
    target_url: str, tmp_path: Path
) -> None:
    root = daily_source(tmp_path / "src", 1)
    first = _load(target_url, root)
    assert first.checks.scope == "all rows"
    assert {r.name for r in first.checks.results} == _every_check(target_url)
    daily_source(root, 2)
    out = invoke("run", "--source", str(root), "--target", target_url)
    assert out.exit_code == 0, out.output
    assert "checks (new rows)" in out.output
    assert "new plays matched to a song" in out.output
    full = invoke("check", "--target", target_url, "--json")
    assert full.exit_code == 0, full.output
    report = json.loads(full.output)
    assert report["scope"] == "all rows"
    assert {c["name"] for c in report["checks"]} == _every_check(target_url)
    assert all(c["status"] in ("pass", "info") for c in report["checks"])


def test_scoped_checks_leave_out_the_unchanged_catalogue_and_keep_the_names(
    day_one: tuple[str, Path],
) -> None:
    target_url, root = day_one
    daily_source(root, 2)
    scoped = _load(target_url, root).checks
    assert scoped.ok and scoped.scope == "new rows"
    names = {r.name for r in scoped.results}
    assert names == _every_check(target_url) - {
        "songs_song_id_unique",
        "artists_artist_id_unique",
        "songs_artist_id_in_artists",
    }
    values = {r.name: r.value for r in scoped.results}
    assert values["songplays_matched_share"] == 1.0
    assert values["songplays_count_matches_staging"] == 0


def test_run_check_all_checks_every_row_after_an_incremental_run(
    day_one: tuple[str, Path],
) -> None:
    target_url, root = day_one
    daily_source(root, 2)
    result = _load(target_url, root, check_all=True)
    assert result.etl.incremental
    assert result.checks.scope == "all rows"
    assert {r.name for r in result.checks.results} == _every_check(target_url)
    daily_source(root, 3)
    out = invoke("run", "--source", str(root), "--target", target_url, "--check-all")
    assert out.exit_code == 0, out.output
    assert "checks (new rows)" not in out.output
    assert "plays matched to a song" in out.output


def test_a_full_refresh_checks_every_row(day_one: tuple[str, Path]) -> None:
    target_url, root = day_one
    daily_source(root, 2)
    settings = load_settings(overrides={"source": str(root), "target": target_url})
    with open_target(settings) as target:
        result = run(open_source(settings), target, settings, full_refresh=True)
    assert not result.etl.incremental
    assert result.checks.scope == "all rows"
    assert {r.name for r in result.checks.results} == _every_check(target_url)


def test_scoped_checks_read_only_the_new_rows_and_check_reads_every_row(
    day_one: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault in a play an earlier run loaded is outside a scoped run's checks (that is what
    makes them cheap); `sparkify check` still finds it."""
    target_url, root = day_one
    daily_source(root, 2)
    real_checks = run_module.run_checks
    old_play = "UPDATE songplays SET user_id = 999 WHERE songplay_id = 1"

    def planted_then_checked(target: Target, scope: CheckScope = ALL_ROWS) -> Any:
        target.execute(old_play)
        return real_checks(target, scope)

    monkeypatch.setattr(run_module, "run_checks", planted_then_checked)
    result = _load(target_url, root)
    assert result.checks.scope == "new rows" and result.checks.ok
    monkeypatch.undo()
    full = invoke("check", "--target", target_url, "--json")
    assert full.exit_code == ExitCode.CHECK_FAILED
    failed = [c for c in json.loads(full.output)["checks"] if c["status"] == "fail"]
    assert [(c["name"], c["value"]) for c in failed] == [("songplays_user_id_in_users", 1.0)]
