"""The data-quality checks fail when the warehouse is wrong: each test breaks a
loaded warehouse in one way and expects exactly the checks that must see it to fail, and
`sparkify check` to exit 1. On PostgreSQL a key check answers from the enforced primary key
when there is one, so the duplicate test drops that key first: the check must then count."""

from __future__ import annotations

import json

import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode
from sparkify.pipeline.check import run_checks
from sparkify.targets import open_target
from tests.helpers import invoke, plant_faults

BREAKS = {
    "duplicate play": (
        [
            "DROP_PK songplays",
            "INSERT INTO songplays SELECT * FROM songplays WHERE songplay_id = "
            "(SELECT MIN(songplay_id) FROM songplays)",
        ],
        {"songplays_songplay_id_unique", "songplays_count_matches_staging"},
    ),
    "play of an unknown user": (
        ["DELETE FROM users WHERE user_id = (SELECT MIN(user_id) FROM songplays)"],
        {"songplays_user_id_in_users"},
    ),
    "play at an unknown time": (
        ['DELETE FROM "time" WHERE start_time = (SELECT MIN(start_time) FROM songplays)'],
        {"songplays_start_time_in_time"},
    ),
    "play of an unknown song": (
        ["DELETE FROM songs WHERE song_id IN (SELECT song_id FROM songplays)"],
        {"songplays_song_id_in_songs"},
    ),
    "no artists": (
        ["DELETE FROM artists"],
        {"artists_not_empty", "songplays_artist_id_in_artists", "songs_artist_id_in_artists"},
    ),
    "a lost staged event": (
        ["DELETE FROM staging_events WHERE event_id = (SELECT MAX(songplay_id) FROM songplays)"],
        {"songplays_count_matches_staging", "staged_rows_match_manifest"},
    ),
    "a file's records miscounted": (
        [
            "UPDATE sparkify_manifest SET records = records + 1 WHERE source_file = "
            "(SELECT MIN(source_file) FROM sparkify_manifest)"
        ],
        {"staged_rows_match_manifest"},
    ),
    "a lost play": (
        ["DELETE FROM songplays WHERE songplay_id = (SELECT MAX(songplay_id) FROM songplays)"],
        {"songplays_count_matches_staging"},
    ),
}


def _failures(url: str) -> set[str]:
    with open_target(load_settings(overrides={"target": url})) as target:
        return {r.name for r in run_checks(target).failures}


def _break(url: str, statements: list[str]) -> None:
    target = open_target(load_settings(overrides={"target": url}))
    with target:
        plant_faults(target, url, statements)


@pytest.mark.parametrize("case", list(BREAKS))
def test_a_broken_warehouse_fails_exactly_the_checks_that_see_it(
    case: str, sample_url: str
) -> None:
    statements, expected = BREAKS[case]
    _break(sample_url, statements)
    assert _failures(sample_url) == expected
    result = invoke("check", "--target", sample_url, "--json")
    assert result.exit_code == ExitCode.CHECK_FAILED
    failed = {c["name"] for c in json.loads(result.output)["checks"] if c["status"] == "fail"}
    assert failed == expected
