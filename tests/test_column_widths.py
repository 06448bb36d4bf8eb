"""Text columns have declared widths in UTF-8 bytes: Redshift's DDL declares them,
and a record with a longer value is rejected, never truncated, with the same reason on DuckDB,
PostgreSQL and the Redshift stand-in. ``load_errors.raw_text`` is the one unbounded column:
a rejected record's text is cut to Redshift's widest VARCHAR, the same way on every target.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from sparkify.dialects import Dialect
from sparkify.limits import too_long_reason
from sparkify.report.diagram import dot, mermaid
from sparkify.schema.model import (
    ALL_TABLES,
    MAX_VARCHAR_BYTES,
    STAR_TABLES,
    Column,
    ColumnType,
)
from sparkify.schema.render import renderer_for
from tests.helpers import event, exact_rows, load_checked, song, write_log, write_song
from tests.redshift_helpers import comparable_with_redshift, load_on_redshift

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

#: The columns with no bound of their own (Redshift's widest VARCHAR), and why: a rejected
#: record's text can be up to 4 MB; load_errors keeps its first 65,535 bytes.
UNBOUNDED = {("load_errors", "raw_text")}


def test_only_the_listed_columns_are_unbounded_on_redshift() -> None:
    ddl = "\n".join(renderer_for(Dialect.REDSHIFT).ddl())
    for table in ALL_TABLES:
        for col in table.columns:
            if col.type is ColumnType.TEXT:
                assert f'"{col.name}" VARCHAR({col.width})' in ddl
    widest = re.findall(r'^    "(\w+)" VARCHAR\(65535\)', ddl, re.M)
    assert len(widest) == len(UNBOUNDED)
    assert {(t.name, c.name) for t in ALL_TABLES for c in t.columns if c.unbounded} == UNBOUNDED
    assert "VARCHAR(65535)" not in "\n".join(renderer_for(Dialect.REDSHIFT).ddl(STAR_TABLES))


def test_staging_and_star_columns_of_one_value_have_one_width() -> None:
    tables = {t.name: t for t in ALL_TABLES}
    same = {
        ("songplays", "level"): ("staging_events", "level"),
        ("songplays", "location"): ("staging_events", "location"),
        ("songplays", "user_agent"): ("staging_events", "useragent"),
        ("songplays", "song_id"): ("staging_songs", "song_id"),
        ("songplays", "artist_id"): ("staging_songs", "artist_id"),
        ("users", "first_name"): ("staging_events", "firstname"),
        ("users", "last_name"): ("staging_events", "lastname"),
        ("users", "gender"): ("staging_events", "gender"),
        ("users", "level"): ("staging_events", "level"),
        ("songs", "song_id"): ("staging_songs", "song_id"),
        ("songs", "title"): ("staging_songs", "title"),
        ("songs", "artist_id"): ("staging_songs", "artist_id"),
        ("artists", "artist_id"): ("staging_songs", "artist_id"),
        ("artists", "name"): ("staging_songs", "artist_name"),
        ("artists", "location"): ("staging_songs", "artist_location"),
    }
    for (star, col), (staging, source) in same.items():
        assert tables[star].column(col).width == tables[staging].column(source).width
    text_in_star = {(t.name, c.name) for t in STAR_TABLES for c in t.columns if c.width}
    assert text_in_star == set(same)


def test_a_text_column_must_declare_a_width_and_only_a_text_column() -> None:
    with pytest.raises(ValueError, match="a width goes with text columns"):
        Column("name", ColumnType.TEXT)
    with pytest.raises(ValueError, match="a width goes with text columns"):
        Column("n", ColumnType.INTEGER, width=4)
    with pytest.raises(ValueError, match=r"width must be 1\.\.65535"):
        Column("name", ColumnType.TEXT, width=MAX_VARCHAR_BYTES + 1)


def test_physical_diagram_shows_the_widths() -> None:
    text = mermaid(physical=True)
    assert "varchar(64) song_id PK" in text and "varchar(2048) user_agent" in text
    assert "text song_id PK" in mermaid()  # the logical diagram keeps logical types
    assert ">varchar(1024)<" in dot(physical=True) and "varchar" not in dot()


# -- the same rejects everywhere ---------------------------------------------------------------

ARTIST = "A" * 1025  # one byte over 1,024
FIRST_NAME = "é" * 129  # 258 bytes in 129 characters: over 256 only when counted in bytes
USER_AGENT = "ü" * 1024  # exactly 2,048 bytes: the limit itself is kept
LOCATION = "€" * 30_000  # 90,000 bytes, written unescaped: the line is over 65,535 bytes
TITLE = "T" * 1025


def _source(root: Path) -> tuple[Path, list[str]]:
    lines = [
        json.dumps(event(userId="5", ts=1541000000001, artist=ARTIST)),
        json.dumps(event(userId="6", ts=1541000000002, firstName=FIRST_NAME)),
        json.dumps(event(userId="7", ts=1541000000003, userAgent=USER_AGENT)),
        json.dumps(event(userId="8", ts=1541000000004, location=LOCATION), ensure_ascii=False),
        json.dumps(event(userId="9", ts=1541000000005)),
    ]
    write_log(root / "log_data" / "a.json", list(lines))
    write_song(root, song(song_id="SO1", artist_id="AR1"), name="good")
    long_title = json.dumps(song(song_id="SO2", artist_id="AR2", title=TITLE))
    write_song(root, long_title, name="long")
    return root, [*lines, long_title]


def _ts(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)


def _expected(lines: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    kept = lines[3].encode()[:MAX_VARCHAR_BYTES].decode("utf-8", "ignore")
    assert len(kept.encode()) == 65_533  # the cut fell inside a 3-byte character
    return {
        "songplays": [
            (_ts(1541000000003), 7, "free", "SO1", "AR1", 1, "Town, ST", USER_AGENT),
            (_ts(1541000000005), 9, "free", "SO1", "AR1", 1, "Town, ST", "agent"),
        ],
        "users": [(7, "Ann", "Lee", "F", "free"), (9, "Ann", "Lee", "F", "free")],
        "songs": [("SO1", "Song", "AR1", 2000, 200.0)],
        "artists": [("AR1", "Artist", None, None, None)],
        "load_errors": [
            ("log_data/a.json", 1, too_long_reason("artist", 1025, 1024), lines[0]),
            ("log_data/a.json", 2, too_long_reason("firstName", 258, 256), lines[1]),
            ("log_data/a.json", 4, too_long_reason("location", 90_000, 512), kept),
            ("song_data/A/B/long.json", 1, too_long_reason("title", 1025, 1024), lines[5]),
        ],
    }


@pytest.mark.postgres
@pytest.mark.aws
@pytest.mark.slow
def test_over_long_values_are_rejected_alike_on_every_target(
    pg_url: str, cluster: dict[str, Any], tmp_path: Path
) -> None:
    source, lines = _source(tmp_path / "src")
    expected = _expected(lines)
    duck = load_checked(f"duckdb:///{tmp_path / 'w.duckdb'}", source)
    assert exact_rows(duck) == expected
    postgres = load_checked(pg_url, source)
    assert postgres == duck  # every table, staging and manifest included
    redshift = load_on_redshift(cluster, source)
    assert exact_rows(redshift) == expected
    assert comparable_with_redshift(redshift) == comparable_with_redshift(postgres)
