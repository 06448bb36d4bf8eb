"""Row-level tie-breaks of the star schema on hand-made data, on every target."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import event, invoke, rows, song, write_log, write_song

DAY = "log_data/2018/11/2018-11-01-events.json"


def _load(root: Path, url: str) -> None:
    result = invoke("run", "--source", str(root), "--target", url, "-q")
    assert result.exit_code == 0, result.output


def test_users_take_latest_event_with_tie_breaks(tmp_path: Path, target_url: str) -> None:
    write_log(
        tmp_path / DAY,
        [
            event(userId="7", ts=1000, level="free", firstName="Old"),
            # latest ts, but not a NextSong: its attributes still win
            event(
                userId="7",
                ts=5000,
                page="Home",
                level="paid",
                firstName="New",
                song=None,
                artist=None,
                length=None,
            ),
            # same ts as user 8's second event: greater itemInSession wins
            event(userId="8", ts=2000, itemInSession=3, level="free", lastName="Three"),
            event(userId="8", ts=2000, itemInSession=4, level="paid", lastName="Four", page="Home"),
            # same ts and itemInSession: greater sessionId wins
            event(userId="9", ts=3000, itemInSession=1, sessionId=10, gender="M"),
            event(userId="9", ts=3000, itemInSession=1, sessionId=11, gender="F", page="Home"),
            # a user without any NextSong is not a user of the star schema
            event(userId="10", ts=3000, page="Home"),
            # logged-out visitors never become plays
            event(userId="", ts=3000, firstName=None),
        ],
    )
    write_song(tmp_path, song())
    _load(tmp_path, target_url)
    users = rows(target_url, "SELECT * FROM users ORDER BY user_id")
    assert users == [
        (7, "New", "Lee", "F", "paid"),
        (8, "Ann", "Four", "F", "paid"),
        (9, "Ann", "Lee", "F", "free"),
    ]
    assert rows(target_url, "SELECT COUNT(*) FROM songplays") == [(3,)]


def test_song_match_smallest_song_id_and_rounding(tmp_path: Path, target_url: str) -> None:
    write_log(
        tmp_path / DAY,
        [
            event(userId="1", ts=1000, song="Hit", artist="Band", length=123.456781),
            event(
                userId="1", ts=2000, song="Hit", artist="Band", length=123.4568
            ),  # not equal at 5 dp
            event(userId="1", ts=3000, song="Other", artist="Band", length=99.0),
        ],
    )
    write_song(
        tmp_path,
        song(song_id="SOB", title="Hit", artist_name="Band", artist_id="ARB", duration=123.45678),
    )
    write_song(
        tmp_path,
        song(song_id="SOA", title="Hit", artist_name="Band", artist_id="ARA", duration=123.456779),
    )
    write_song(
        tmp_path,
        song(song_id="SOC", title="Hit", artist_name="Band", artist_id="ARC", duration=1.0),
    )
    _load(tmp_path, target_url)
    plays = rows(
        target_url, "SELECT start_time, song_id, artist_id FROM songplays ORDER BY start_time"
    )
    assert plays == [
        (dt.datetime(1970, 1, 1, 0, 0, 1), "SOA", "ARA"),
        (dt.datetime(1970, 1, 1, 0, 0, 2), None, None),
        (dt.datetime(1970, 1, 1, 0, 0, 3), None, None),
    ]


def test_artists_take_whole_record_of_smallest_song_id(tmp_path: Path, target_url: str) -> None:
    write_log(tmp_path / DAY, [event()])
    write_song(
        tmp_path,
        song(
            song_id="SO2",
            artist_id="AR",
            artist_name="Later",
            artist_location="Paris",
            artist_latitude=48.8,
            artist_longitude=2.3,
            year=0,
        ),
    )
    write_song(
        tmp_path,
        song(
            song_id="SO1",
            artist_id="AR",
            artist_name="First",
            artist_location="",
            artist_latitude=None,
            artist_longitude=None,
            year=1999,
        ),
    )
    _load(tmp_path, target_url)
    # NULLs of the smallest song's record are kept (this is not arg_min per column)
    assert rows(target_url, "SELECT * FROM artists") == [("AR", "First", None, None, None)]
    assert rows(target_url, "SELECT song_id, year FROM songs ORDER BY song_id") == [
        ("SO1", 1999),
        ("SO2", None),
    ]


def test_time_dimension_fields(tmp_path: Path, target_url: str) -> None:
    # 2018-12-30 (Sunday, ISO week 52), 2018-12-31 (Monday, ISO week 1 of 2019),
    # 2021-01-03 (Sunday, ISO week 53), a Saturday with milliseconds
    stamps = [1546128000000, 1546214400000, 1609632000000, 1541890799123]
    write_log(tmp_path / DAY, [event(ts=ts, itemInSession=i) for i, ts in enumerate(stamps)])
    write_song(tmp_path, song())
    _load(tmp_path, target_url)
    got = rows(
        target_url,
        'SELECT start_time, hour, day, week, month, year, weekday FROM "time" ORDER BY start_time',
    )
    assert got == [
        (dt.datetime(2018, 11, 10, 22, 59, 59, 123000), 22, 10, 45, 11, 2018, 6),
        (dt.datetime(2018, 12, 30), 0, 30, 52, 12, 2018, 0),
        (dt.datetime(2018, 12, 31), 0, 31, 1, 12, 2018, 1),
        (dt.datetime(2021, 1, 3), 0, 3, 53, 1, 2021, 0),
    ]
