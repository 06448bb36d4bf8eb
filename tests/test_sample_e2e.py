"""End to end through the CLI on the real public sample, on every target, exact values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import invoke, rows, snapshot


def test_run_on_sample_gives_exact_star_schema(sample: Path, target_url: str) -> None:
    result = invoke("run", "--source", str(sample), "--target", target_url, "-q")
    assert result.exit_code == 0, result.output
    counts = {
        t: rows(target_url, f'SELECT COUNT(*) FROM "{t}"')[0][0]
        for t in ("songplays", "users", "songs", "artists", "time")
    }
    assert counts == {"songplays": 6820, "users": 96, "songs": 71, "artists": 69, "time": 6813}
    matched = rows(
        target_url,
        "SELECT user_id, start_time, song_id, artist_id FROM songplays WHERE song_id IS NOT NULL",
    )
    assert matched == [
        (
            15,
            dt.datetime(2018, 11, 21, 21, 56, 47, 796000),
            "SOZCTXZ12AB0182364",
            "AR5KOSW1187FB35FF4",
        )
    ]
    assert rows(target_url, "SELECT level FROM users WHERE user_id = 15") == [("paid",)]
    assert rows(target_url, "SELECT COUNT(*) FROM staging_events") == [(8056,)]
    assert rows(target_url, "SELECT COUNT(*) FROM load_errors") == [(0,)]
    check = invoke("check", "--target", target_url, "--json")
    assert check.exit_code == 0, check.output
    assert '"ok": true' in check.output


def test_sample_semantics_row_level(sample_url: str) -> None:
    # time: ISO week, weekday 0 = Sunday, ms precision kept
    t = rows(
        sample_url, "SELECT * FROM \"time\" WHERE start_time = TIMESTAMP '2018-11-21 21:56:47.796'"
    )
    assert t == [(dt.datetime(2018, 11, 21, 21, 56, 47, 796000), 21, 21, 47, 11, 2018, 3)]
    sundays = rows(sample_url, 'SELECT DISTINCT weekday FROM "time" WHERE day = 25')
    assert sundays == [(0,)]
    # songs: year 0 becomes NULL; artists: empty location becomes NULL
    assert rows(sample_url, "SELECT COUNT(*) FROM songs WHERE year = 0") == [(0,)]
    assert rows(sample_url, "SELECT COUNT(*) FROM songs WHERE year IS NULL")[0][0] > 0
    assert rows(sample_url, "SELECT COUNT(*) FROM artists WHERE location = ''") == [(0,)]
    # every play keeps its user's level at that time; users carry the latest level
    levels = rows(
        sample_url, "SELECT DISTINCT level FROM songplays WHERE user_id = 15 ORDER BY level"
    )
    assert levels == [("free",), ("paid",)]


def test_rerun_changes_nothing(sample: Path, sample_url: str) -> None:
    before = snapshot(
        sample_url,
        ["songplays", "users", "songs", "artists", "time", "staging_events", "sparkify_manifest"],
    )
    again = invoke("etl", "--source", str(sample), "--target", sample_url, "-q")
    assert again.exit_code == 0
    assert "0 new, 0 changed, 101 unchanged" in again.output
    after = snapshot(
        sample_url,
        ["songplays", "users", "songs", "artists", "time", "staging_events", "sparkify_manifest"],
    )
    assert after == before
