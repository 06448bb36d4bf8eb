"""NUL characters (U+0000, the JSON escape ``\\u0000``) in text fields: PostgreSQL
and Redshift cannot store them, so no target keeps them, and the same input gives the same
rows on DuckDB, PostgreSQL and the Redshift stand-in (the same answer everywhere).

They are dropped before a field is checked, typed or matched: a user id ``"1\\u0000"`` is user
1, a page ``"Next\\u0000Song"`` is a play, a song id of only NULs is missing. An escaped
backslash followed by ``u0000`` is text and stays. A raw NUL byte makes a line invalid JSON
(or sits in a line of invalid UTF-8): it is dropped from the raw text kept in ``load_errors``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.helpers import event, exact_rows, load_checked, song, write_log, write_song
from tests.redshift_helpers import comparable_with_redshift, load_on_redshift

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

LITERAL = "agent \\u0000 kept"  # a backslash, then u0000: text, not a NUL
RAW_NUL_LINE = '{"userId": "7", "page": "NextSong", "x": "\x00"}'


def _source(root: Path) -> Path:
    write_log(
        root / "log_data" / "a.json",
        [
            event(
                userId="5",
                ts=1541000000001,
                firstName="A\x00nn",
                lastName="\x00",
                level="pa\x00id",
                location="Here\x00",
                userAgent="agent\x00\x00x",
                song="Nul\x00 song",
                artist="Nul\x00 artist",
                length=123.45,
            ),
            event(userId="1\x00", ts=1541000000002, page="Next\x00Song", userAgent=LITERAL),
            event(userId="5", ts=1541000000000, page="Home"),
            RAW_NUL_LINE,
        ],
    )
    nul_song = song(
        song_id="SO\x00NUL",
        title="N\x00ul song",
        artist_id="AR\x00NUL",
        artist_name="Nul a\x00rtist",
        artist_location="\x00",
        duration=123.45,
    )
    b_json = root / "log_data" / "b.json"
    b_json.write_bytes(
        b'{"userId": "8", "bad": "\xff\x00"}\n'
        + json.dumps(event(userId="8", ts=1541000000003)).encode()
    )
    write_song(root, nul_song, name="nul")
    write_song(root, song(song_id="\x00\x00", artist_id="AR1"), name="only-nul")
    return root


def _expected(source: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What every target must hold (songplays without songplay_id, load_errors' first four
    columns)."""
    only_nul = (source / "song_data" / "A" / "B" / "only-nul.json").read_text()
    return {
        "songplays": [
            (_ts(1541000000001), 5, "paid", "SONUL", "ARNUL", 1, "Here", "agentx"),
            (_ts(1541000000002), 1, "free", None, None, 1, "Town, ST", LITERAL),
            (_ts(1541000000003), 8, "free", None, None, 1, "Town, ST", "agent"),
        ],
        "users": [
            (1, "Ann", "Lee", "F", "free"),
            (5, "Ann", "", "F", "paid"),
            (8, "Ann", "Lee", "F", "free"),
        ],
        "songs": [("SONUL", "Nul song", "ARNUL", 2000, 123.45)],
        "artists": [("ARNUL", "Nul artist", None, None, None)],
        "load_errors": [
            ("log_data/a.json", 4, "not valid JSON", RAW_NUL_LINE.replace("\x00", "")),
            ("log_data/b.json", 1, "invalid UTF-8 at byte 24", '{"userId": "8", "bad": "\\xff"}'),
            ("song_data/A/B/only-nul.json", 1, "missing required field song_id", only_nul),
        ],
    }


def test_nul_characters_are_dropped_on_every_target(
    pg_url: str, cluster: dict[str, Any], tmp_path: Path
) -> None:
    source = _source(tmp_path / "src")
    expected = _expected(source)
    duck = load_checked(f"duckdb:///{tmp_path / 'w.duckdb'}", source)
    assert exact_rows(duck) == expected
    postgres = load_checked(pg_url, source)
    assert exact_rows(postgres) == expected
    assert postgres == duck  # every table, staging and manifest included
    # the same records again in a changed file: reloaded, the star rebuilt in PostgreSQL
    changed = source / "log_data" / "b.json"
    changed.write_bytes(changed.read_bytes() + b"\n")
    reloaded = load_checked(pg_url, source)
    assert {t: r for t, r in reloaded.items() if t != "sparkify_manifest"} == {
        t: r for t, r in postgres.items() if t != "sparkify_manifest"
    }
    redshift = load_on_redshift(cluster, source)
    assert exact_rows(redshift) == expected
    assert comparable_with_redshift(redshift) == comparable_with_redshift(reloaded)


def _ts(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
