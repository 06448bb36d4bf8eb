"""Where a real Redshift cluster is less kind than PostgreSQL, on the stand-in of
:mod:`tests.redshift_emulator`, which behaves as the cluster does in each of these respects:

- MAXERROR counts "that number or more" and applies to each COPY: ``--max-errors N`` still means
  "more than N rejected records in the whole run fail it, committing nothing".
- ``SYS_LOAD_ERROR_DETAIL.file_name`` is character(256): a staging location too long for the
  run's part URLs to fit is refused up front, and a refused record the run cannot trace back
  to its part fails the run instead of being dropped.
- Declared primary keys are not enforced (and the planner trusts them): a duplicate key is
  caught by checks that group and count the rows of each key.
- COPY with STATUPDATE needs the table's owner: a load user holding only the grants of
  docs/redshift.md runs whole loads.
- Redshift ignores trailing spaces when it compares VARCHAR values: text is staged without
  them on every target, so a source of trailing-space variants gives the same tables
  everywhere.
- What the docs leave open is settled by sparkify, not by the engine: the ISO week is computed
  from the day of the year and of the week, a user id holding a line break (or anything but an
  optional sign and 1 to 10 digits between spaces) is rejected before any cast, and a '+' sign
  is removed before the cast.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from sparkify.errors import ConfigError, QueryError, TooManyErrorsError
from sparkify.pipeline.run import create_tables, etl
from sparkify.sources import open_source
from tests.aws_helpers import client
from tests.helpers import STAR, event, song, write_log, write_song
from tests.redshift_fixtures import STAGING
from tests.redshift_helpers import (
    redshift_settings,
    redshift_target,
    table_rows,
    without_songplay_id,
)

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

CLUSTER = [pytest.mark.postgres, pytest.mark.aws]  # the stand-in: PostgreSQL and moto S3


def on_cluster(test: Any) -> Any:
    """Mark a test that runs on the stand-in cluster."""
    for mark in CLUSTER:
        test = mark(test)
    return test


def _two_refused_per_copy(root: Path) -> Path:
    """Two log records and two song records that COPY itself refuses (a missing ts, a year
    that is not a number), beside good ones."""
    no_ts = [event(userId="7", song=f"s{i}") for i in range(2)]
    for record in no_ts:
        del record["ts"]
    write_log(root / "log_data" / "a.json", [event(userId="7", ts=1541000000001), *no_ts])
    write_song(root, song(song_id="SOA", artist_id="AR1"))
    for i in range(2):
        write_song(root, song(song_id=f"SOB{i}", artist_id="AR1", year="never"), name=f"b{i}")
    return root


@pytest.mark.parametrize(
    ("max_errors", "files", "fails"),
    [
        pytest.param(2, ["log"], None, id="exactly-N-in-one-copy"),
        pytest.param(
            1,
            ["log"],
            "A COPY refused 2 or more records .MAXERROR 2., more than --max-errors 1",
            id="over-N-in-one-copy",
        ),
        pytest.param(
            3,
            ["log", "song"],
            "4 records were rejected, more than --max-errors 3",
            id="over-N-in-the-run-each-copy-under",
        ),
        pytest.param(4, ["log", "song"], None, id="exactly-N-in-the-run"),
    ],
)
@on_cluster
def test_max_errors_counts_the_run_not_each_copy(
    cluster: dict[str, Any], tmp_path: Path, max_errors: int, files: list[str], fails: str | None
) -> None:
    data = _two_refused_per_copy(tmp_path / "data")
    if "song" not in files:
        for path in (data / "song_data").rglob("b*.json"):
            path.unlink()
    settings = redshift_settings(cluster, source=str(data), max_errors=max_errors)
    target, _ = redshift_target(cluster, settings)
    with target:
        create_tables(target)
        if fails:
            with pytest.raises(TooManyErrorsError, match=fails):
                etl(open_source(settings), target, max_errors=max_errors)
            assert target.query("SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]
            assert target.query("SELECT COUNT(*) FROM load_errors") == [(0,)]
        else:
            result = etl(open_source(settings), target, max_errors=max_errors)
            assert result.rejected == max_errors
            assert target.query("SELECT COUNT(*) FROM load_errors") == [(max_errors,)]
            assert target.query("SELECT COUNT(*) FROM staging_events") == [(1,)]


LONG_PREFIX = f"s3://{STAGING}/runs/" + "x" * 195  # part URLs of about 300 characters


@on_cluster
def test_staging_prefix_too_long_for_load_error_file_names_is_refused(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    data = _two_refused_per_copy(tmp_path / "data")
    settings = redshift_settings(cluster, source=str(data), s3_staging=LONG_PREFIX)
    trace: list[str] = []
    target, _ = redshift_target(cluster, settings, trace)
    with target:
        create_tables(target)
        with pytest.raises(ConfigError, match="at most 256 characters") as caught:
            etl(open_source(settings), target)
        assert caught.value.hint and "at most 181 characters" in caught.value.hint
        assert target.query("SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]
    assert not [s for s in trace if s.startswith("COPY")]
    assert client("s3").list_objects_v2(Bucket=STAGING).get("KeyCount") == 0


@on_cluster
def test_a_refused_record_without_its_part_fails_the_run(
    cluster: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sparkify.targets.redshift import upload

    monkeypatch.setattr(upload, "FILE_NAME_CHARS", 10_000)  # let the long prefix through
    data = _two_refused_per_copy(tmp_path / "data")
    settings = redshift_settings(cluster, source=str(data), s3_staging=LONG_PREFIX)
    target, _ = redshift_target(cluster, settings)
    with target:
        create_tables(target)
        with pytest.raises(QueryError, match="cannot trace 2 records COPY refused"):
            etl(open_source(settings), target)
        assert target.query("SELECT COUNT(*) FROM load_errors") == [(0,)]
        assert target.query("SELECT COUNT(*) FROM staging_events") == [(0,)]


STAR_KEYS = {
    "songplays": "songplay_id",
    "users": "user_id",
    "songs": "song_id",
    "artists": "artist_id",
    "time": "start_time",
}


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "redshift"])
def test_uniqueness_checks_group_the_rows_of_each_key(dialect: str) -> None:
    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for
    from sparkify.sql.checks import check_queries

    checks = {c.name: c.sql for c in check_queries(renderer_for(Dialect(dialect)))}
    for table, key in STAR_KEYS.items():
        sql = checks[f"{table}_{key}_unique"]
        assert f'GROUP BY "{key}" HAVING COUNT(*) > 1' in sql
        assert "DISTINCT" not in sql


@on_cluster
def test_a_planted_duplicate_key_is_caught_on_redshift(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    from sparkify.pipeline.check import run_checks
    from sparkify.pipeline.run import run

    data = _two_refused_per_copy(tmp_path / "data")
    settings = redshift_settings(cluster, source=str(data))
    target, _ = redshift_target(cluster, settings)
    with target:
        assert run(open_source(settings), target, settings).checks.ok
        for table, key in STAR_KEYS.items():  # twice the first row: the declared key allows it
            target.execute(
                f'INSERT INTO "{table}" SELECT * FROM "{table}" '
                f'WHERE "{key}" = (SELECT MIN("{key}") FROM "{table}")'
            )
        report = run_checks(target)
    failed = {r.name: r.value for r in report.failures}
    assert failed == {
        "songplays_songplay_id_unique": 1,
        "users_user_id_unique": 1,
        "songs_song_id_unique": 1,
        "artists_artist_id_unique": 1,
        "time_start_time_unique": 1,
        "songplays_count_matches_staging": 1,
    }


def _grants(database: str, user: str) -> str:
    """The least-privilege GRANT script of docs/redshift.md, for ``user`` on ``database``."""
    doc = (Path(__file__).parents[1] / "docs" / "redshift.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```sql\n(.*?)```", doc, re.S) if "GRANT " in b]
    assert len(blocks) == 1, blocks
    script = blocks[0].replace("sparkify_load", user)
    return script.replace("ON DATABASE sparkify", f'ON DATABASE "{database}"')


@on_cluster
@pytest.mark.sample
def test_a_load_user_with_the_documented_grants_runs_whole_loads(
    cluster: dict[str, Any], sample: Path, tmp_path: Path
) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from sparkify.pipeline.run import run
    from sparkify.targets.redshift import RedshiftTarget
    from tests.redshift_emulator import connector

    admin_settings = redshift_settings(cluster, source=str(sample))
    admin, _ = redshift_target(cluster, admin_settings)
    with admin:
        create_tables(admin)
    user = f"sparkify_load_{uuid.uuid4().hex[:8]}"
    database = str(conninfo_to_dict(cluster["dsn"])["dbname"])
    with psycopg.connect(cluster["dsn"], autocommit=True) as pg:
        pg.execute(f'CREATE ROLE "{user}" LOGIN')
        try:
            pg.execute(_grants(database, user))
            dsn = make_conninfo(cluster["dsn"], user=user)
            target = RedshiftTarget(
                admin_settings.target, admin_settings, connector=connector(dsn, client("s3"))
            )
            with target:
                result = run(open_source(admin_settings), target, admin_settings)
                assert result.checks.ok
                assert result.etl.table_counts["songplays"] == 6820
                again = run(open_source(admin_settings), target, admin_settings, full_refresh=True)
                assert again.etl.table_counts["songplays"] == 6820
        finally:
            pg.execute(f'DROP OWNED BY "{user}"')
            pg.execute(f'DROP ROLE "{user}"')


@pytest.mark.postgres
def test_iso_week_is_computed_not_extracted(pg_c: str) -> None:
    import datetime as dt

    import duckdb
    import psycopg

    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for
    from sparkify.sql import statements

    for dialect in Dialect:
        sql = "\n".join(s.sql for s in statements("transform", renderer_for(dialect)))
        assert "EXTRACT(week" not in sql and "{{" not in sql
    days = [dt.datetime(2015, 12, 25) + dt.timedelta(days=n, hours=n % 24) for n in range(800)]
    days += [dt.datetime(y, m, d, 23, 59) for y in range(2000, 2030) for m, d in ((1, 1), (12, 31))]
    expected = [d.isocalendar()[1] for d in days]
    values = ", ".join(f"(TIMESTAMP '{d:%Y-%m-%d %H:%M:%S}')" for d in days)
    for dialect, con in (
        (Dialect.DUCKDB, duckdb.connect()),
        (Dialect.REDSHIFT, psycopg.connect(pg_c)),
        (Dialect.POSTGRES, psycopg.connect(pg_c)),
    ):
        week = renderer_for(dialect).expand("{{iso_week:d.t}}")
        got = con.execute(f"SELECT {week} FROM (VALUES {values}) d(t)").fetchall()
        assert [r[0] for r in got] == expected, dialect
        con.close()


USER_IDS = {
    "12": "12",
    " 12 ": "12",
    "+5": "5",
    " +5": "5",
    "-0": "0",
    "0012": "12",
    "12\n": None,
    "1\r2": None,
    "\t7": None,
    "00000000012": None,  # 11 digits
    "": "",
}


def _user_id_source(root: Path) -> Path:
    records = [
        event(userId=uid, ts=1541000000000 + i, page="Home") for i, uid in enumerate(USER_IDS)
    ]
    write_log(root / "log_data" / "ids.json", records)
    write_song(root, song(song_id="SOA", artist_id="AR1"))
    return root


def _staged_user_ids(target: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    staged = sorted(target.query("SELECT source_line, userid FROM staging_events"))
    refused = sorted(target.query("SELECT source_line FROM load_errors"))
    return staged, refused


@on_cluster
def test_user_ids_are_read_by_one_rule_on_every_target(
    cluster: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    from sparkify.config import load_settings
    from sparkify.pipeline.run import run
    from sparkify.targets import open_target

    data = _user_id_source(tmp_path / "data")
    expected_staged = [(i + 1, v) for i, v in enumerate(USER_IDS.values()) if v is not None]
    expected_refused = [(i + 1,) for i, v in enumerate(USER_IDS.values()) if v is None]
    for url in (f"duckdb:///{tmp_path / 'w.duckdb'}", pg_url):
        settings = load_settings(overrides={"source": str(data), "target": url})
        with open_target(settings) as target:
            run(open_source(settings), target, settings)
            assert _staged_user_ids(target) == (expected_staged, expected_refused), url
    settings = redshift_settings(cluster, source=str(data))
    target, _ = redshift_target(cluster, settings)
    with target:
        run(open_source(settings), target, settings)
        assert _staged_user_ids(target) == (expected_staged, expected_refused)


def _trailing_spaces(root: Path) -> Path:
    """Titles, artists, ids, pages and locations that differ only by trailing spaces."""
    write_song(
        root,
        song(
            song_id="SO1",
            artist_id="AR1",
            title="Halo ",
            artist_name="Elena",
            duration=200.0,
            artist_location="  ",
        ),
        name="s1",
    )
    write_song(
        root,
        song(song_id="SO2 ", artist_id="AR1", title="Other", artist_name="Elena ", duration=100.0),
        name="s2a",
    )
    write_song(
        root,
        song(song_id="SO2", artist_id="AR1 ", title="Other ", artist_name="Elena", duration=100.0),
        name="s2b",
    )
    write_song(root, song(song_id="  ", artist_id="AR1"), name="s3")
    write_log(
        root / "log_data" / "spaces.json",
        [
            event(userId="7", ts=1541000000001, song="Halo", artist="Elena ", length=200.0),
            event(
                userId="7 ",
                ts=1541000000002,
                song="Halo  ",
                artist="Elena",
                length=200.0,
                page="NextSong ",
                level="paid ",
            ),
            event(
                userId="8",
                ts=1541000000003,
                song="Other",
                artist="Elena",
                length=100.0,
                location="Cork ",
            ),
            event(userId="8", ts=1541000000004, page="Home ", level="free"),
            event(userId=" ", ts=1541000000005),
        ],
    )
    return root


@on_cluster
def test_trailing_space_variants_give_the_same_tables_on_every_target(
    cluster: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    from sparkify.config import load_settings
    from sparkify.pipeline.run import run
    from sparkify.targets import open_target

    data = _trailing_spaces(tmp_path / "data")
    tables = [*STAR, "staging_songs"]
    found = {}
    for url in (f"duckdb:///{tmp_path / 'w.duckdb'}", pg_url):
        settings = load_settings(overrides={"source": str(data), "target": url})
        with open_target(settings) as target:
            assert run(open_source(settings), target, settings).checks.ok
            found[url.split(":")[0]] = without_songplay_id(table_rows(target, tables))
    settings = redshift_settings(cluster, source=str(data))
    target, _ = redshift_target(cluster, settings)
    with target:
        assert run(open_source(settings), target, settings).checks.ok
        found["redshift"] = without_songplay_id(table_rows(target, tables))
    assert found["duckdb"] == found["postgresql"] == found["redshift"]
    star = found["redshift"]
    assert [(r[1], r[2], r[3], r[4], r[6]) for r in star["songplays"]] == [
        (7, "free", "SO1", "AR1", "Town, ST"),
        (7, "paid", "SO1", "AR1", "Town, ST"),
        (8, "free", "SO2", "AR1", "Cork"),
    ]
    assert star["songs"] == [
        ("SO1", "Halo", "AR1", 2000, 200.0),
        ("SO2", "Other", "AR1", 2000, 100.0),
    ]
    assert star["artists"] == [("AR1", "Elena", None, None, None)]
    assert star["users"] == [(7, "Ann", "Lee", "F", "paid"), (8, "Ann", "Lee", "F", "free")]
