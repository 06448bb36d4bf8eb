"""The Redshift target without a cluster.

- Every statement a run sends, seen by the tracer, is compared with golden files (update with
  ``--update-golden`` or ``SPARKIFY_UPDATE_GOLDEN=1``, then review the diff) and parsed as
  Redshift SQL by sqlglot; COPY, which sqlglot cannot judge, is checked textually.
- Runs go through ``RedshiftTarget`` with the real S3 staging code (moto) and a stand-in
  cluster (:mod:`tests.redshift_emulator`: PostgreSQL plus COPY from S3), with exact results.
- The Redshift transform and check SQL runs on real PostgreSQL over staging rows typed by the
  DuckDB parser and must give the DuckDB target's rows.
- IAM authentication (GetClusterCredentials) and Secrets Manager against moto.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from sparkify.config import load_settings
from sparkify.errors import ConfigError, TargetError, TooManyErrorsError
from sparkify.pipeline.run import etl, run
from sparkify.sources import open_source
from tests.aws_helpers import FAKE_KEY_ID, FAKE_SECRET, client, make_bucket
from tests.helpers import STAR, event, snapshot, song, write_log, write_song
from tests.redshift_fixtures import STAGING
from tests.redshift_helpers import (
    redshift_settings,
    redshift_target,
    table_rows,
    without_songplay_id,
)

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

GOLDEN = Path(__file__).parent / "golden" / "redshift"
UPDATE = os.environ.get("SPARKIFY_UPDATE_GOLDEN") == "1"  # read before fixtures clear SPARKIFY_*
_RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


# -- golden files ------------------------------------------------------------------------------


def _normalise(statements: list[str]) -> str:
    return "\n\n".join(_RUN_ID.sub("<run>", s).rstrip() + ";" for s in statements) + "\n"


def assert_golden(name: str, statements: list[str], request: pytest.FixtureRequest) -> None:
    """Compare with tests/golden/redshift/NAME (rewritten with --update-golden)."""
    path = GOLDEN / name
    text = _normalise(statements)
    if UPDATE or request.config.getoption("--update-golden", default=False):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run pytest --update-golden and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs: review, then --update-golden"


def assert_redshift_sql(statement: str) -> None:
    """Parse ``statement`` as Redshift SQL; COPY and ENCODE AUTO are checked textually."""
    if statement.startswith("COPY "):
        for part in (
            "IAM_ROLE '",
            "FORMAT AS JSON '",
            "MANIFEST",
            "GZIP",
            "TIMEFORMAT 'epochmillisecs'",
            "MAXERROR ",
        ):
            assert part in statement, (part, statement)
        return
    if statement.startswith("LOCK "):
        assert re.fullmatch(r'LOCK "\w+"', statement), statement
        return
    text = statement
    if text.startswith("CREATE TABLE"):
        assert text.endswith("\nENCODE AUTO"), statement
        text = text[: -len("\nENCODE AUTO")]
    parsed = sqlglot.parse_one(text, read="redshift")
    assert not isinstance(parsed, exp.Command), f"sqlglot could not parse: {statement}"


def assert_no_secrets(statements: list[str]) -> None:
    """No key, password or token in any SQL text."""
    words = ("ACCESS_KEY", "SECRET", "SESSION_TOKEN", "CREDENTIALS", "NOT-A-REAL-PASSWORD")
    for s in statements:
        for word in (*words, FAKE_KEY_ID, FAKE_SECRET.upper()):
            assert word not in s.upper(), s


# -- the DDL -----------------------------------------------------------------------------------


def test_ddl_golden_physical_design_and_parse(request: pytest.FixtureRequest) -> None:
    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for

    ddl = renderer_for(Dialect.REDSHIFT).ddl()
    assert_golden("ddl.sql", ddl, request)
    by_table = {re.search(r'TABLE IF NOT EXISTS "(\w+)"', s)[1]: s for s in ddl}  # type: ignore[index]
    tails = {name: s.rsplit("\n)\n", 1)[1].splitlines() for name, s in by_table.items()}
    assert tails == {
        "staging_events": ["DISTSTYLE EVEN", 'SORTKEY("ts")', "ENCODE AUTO"],
        "staging_songs": ["DISTSTYLE EVEN", 'SORTKEY("song_id")', "ENCODE AUTO"],
        "songplays": [
            "DISTSTYLE KEY",
            'DISTKEY("user_id")',
            'SORTKEY("start_time")',
            "ENCODE AUTO",
        ],
        "users": ["DISTSTYLE KEY", 'DISTKEY("user_id")', 'SORTKEY("user_id")', "ENCODE AUTO"],
        "songs": ["DISTSTYLE KEY", 'DISTKEY("song_id")', 'SORTKEY("song_id")', "ENCODE AUTO"],
        "artists": ["DISTSTYLE KEY", 'DISTKEY("artist_id")', 'SORTKEY("artist_id")', "ENCODE AUTO"],
        "time": ["DISTSTYLE AUTO", 'SORTKEY("start_time")', "ENCODE AUTO"],
        "load_errors": ["DISTSTYLE EVEN", "ENCODE AUTO"],
        "sparkify_manifest": ["DISTSTYLE ALL", "ENCODE AUTO"],
        "sparkify_source": ["DISTSTYLE ALL", "ENCODE AUTO"],
        "sparkify_runs": ["DISTSTYLE EVEN", 'SORTKEY("started_at")', "ENCODE AUTO"],
    }
    assert '"event_id" BIGINT IDENTITY(1, 1) NOT NULL' in by_table["staging_events"]
    for statement in ddl:
        assert_redshift_sql(statement)


# -- runs on the stand-in cluster --------------------------------------------------------------


def test_run_statements_match_golden_files(
    cluster: dict[str, Any], sample: Path, request: pytest.FixtureRequest
) -> None:
    settings = redshift_settings(cluster, source=str(sample))
    first: list[str] = []
    target, opened = redshift_target(cluster, settings, first)
    with target:
        result = run(open_source(settings), target, settings)
        assert result.checks.ok
        counts = {t: result.etl.table_counts[t] for t in STAR}
        assert counts == {"songplays": 6820, "users": 96, "songs": 71, "artists": 69, "time": 6813}
        assert result.etl.table_counts["staging_events"] == 8056
        assert result.etl.table_counts["load_errors"] == 0
        matched = target.query(
            "SELECT user_id, start_time, song_id, artist_id FROM songplays WHERE song_id IS NOT NULL"
        )
        assert matched == [
            (
                15,
                dt.datetime(2018, 11, 21, 21, 56, 47, 796000),
                "SOZCTXZ12AB0182364",
                "AR5KOSW1187FB35FF4",
            )
        ]
        again: list[str] = []
        target.tracer = again.append
        second = etl(open_source(settings), target)
        assert (second.files_new, second.files_changed, second.files_skipped) == (0, 0, 101)
    assert_golden("run.sql", first, request)
    assert_golden("rerun.sql", again, request)
    for statement in first + again:
        assert_redshift_sql(statement)
    assert_no_secrets(first)
    # 8 MB of events in 4 evenly sized parts: a multiple of the cluster's 4 slices
    sizes = opened[0].parts["_load_staging_events"]
    assert len(sizes) == 4 and max(sizes) / min(sizes) < 1.01
    assert len(opened[0].parts["_load_staging_songs"]) == 4
    assert client("s3").list_objects_v2(Bucket=STAGING).get("KeyCount") == 0


def test_s3_source_into_redshift(cluster: dict[str, Any], sample: Path) -> None:
    from tests.aws_helpers import upload_tree

    s3 = client("s3")
    make_bucket(s3, "sparkify-input")
    upload_tree(
        s3,
        sample,
        "sparkify-input",
        "udacity",
        gzip_if=lambda rel: rel.startswith("log_data/2018/11/2018-11-1"),
    )
    settings = redshift_settings(cluster, source="s3://sparkify-input/udacity")
    target, _ = redshift_target(cluster, settings)
    with target:
        result = run(open_source(settings), target, settings)
        assert result.checks.ok
        assert result.etl.table_counts["songplays"] == 6820
        assert result.etl.table_counts["staging_events"] == 8056
        manifest = target.query(
            "SELECT checksum FROM sparkify_manifest WHERE source_file LIKE '%.gz'"
        )
    assert len(manifest) == 10


def test_changed_file_is_reloaded_on_redshift(
    cluster: dict[str, Any], sample: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    settings = redshift_settings(cluster, source=str(data))
    trace: list[str] = []
    target, _ = redshift_target(cluster, settings, trace)
    with target:
        run(open_source(settings), target, settings)
        day = data / "log_data" / "2018" / "11" / "2018-11-30-events.json"
        lines = day.read_text(encoding="utf-8").split("\n")
        day.write_text("\n".join(lines[:10]), encoding="utf-8")
        trace.clear()
        again = etl(open_source(settings), target)
        assert (again.files_new, again.files_changed) == (0, 1)
        assert again.table_counts["staging_events"] == 8056 - len(lines) + 10
        incremental = without_songplay_id(table_rows(target, [*STAR, "staging_songs"]))
        run(open_source(settings), target, settings, full_refresh=True)
        assert without_songplay_id(table_rows(target, [*STAR, "staging_songs"])) == incremental
    deletes = [s for s in trace if s.startswith("DELETE FROM") and "source_file IN" in s]
    assert deletes == [
        f'DELETE FROM "{t}" WHERE source_file IN (%s)'
        for t in ("staging_events", "staging_songs", "load_errors", "sparkify_manifest")
    ]


def _bad_input(root: Path) -> Path:
    write_log(
        root / "log_data" / "a.json",
        [
            event(userId="7", ts=1541000000001),
            "{not json",
            "[1, 2]",
            event(userId="abc", ts=1541000000002),
            event(userId=" 08", ts=1541000000003, page="Home"),
            event(
                userId="9",
                ts=1541000000004,
                song="Setanta matins",
                artist="Elena",
                length=269.58322,
            ),
        ],
    )
    ts_missing = event(userId="8")
    del ts_missing["ts"]
    write_log(
        root / "log_data" / "b.json.gz", [ts_missing, event(userId="8", ts=1541000000005)], gz=True
    )
    write_song(
        root,
        song(
            song_id="SOB",
            artist_id="AR2",
            title="Setanta matins",
            artist_name="Elena",
            duration=269.58322,
        ),
    )
    write_song(root, song(song_id="", artist_id="AR3"), name="empty")
    pretty = json.dumps(
        song(song_id="SOA", artist_id="AR2", title="Zz", artist_location="Cork"), indent=2
    )
    write_song(root, pretty, name="pretty")
    return root


def test_bad_records_stage_as_on_duckdb(cluster: dict[str, Any], tmp_path: Path) -> None:
    from sparkify.targets import open_target

    data = _bad_input(tmp_path / "bad")
    duck_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    duck_settings = load_settings(overrides={"source": str(data), "target": duck_url})
    with open_target(duck_settings) as duck:
        expected = run(open_source(duck_settings), duck, duck_settings).etl
    settings = redshift_settings(cluster, source=str(data))
    target, _ = redshift_target(cluster, settings)
    with target:
        got = run(open_source(settings), target, settings).etl
        errors = sorted(
            target.query("SELECT source_file, source_line, reason, raw_text FROM load_errors")
        )
        star = table_rows(target, STAR)
        manifest = sorted(
            target.query("SELECT source_file, records, rejected FROM sparkify_manifest")
        )
    counts = (got.records, got.events_staged, got.songs_staged, got.rejected)
    assert counts == (
        expected.records,
        expected.events_staged,
        expected.songs_staged,
        expected.rejected,
    )
    assert counts == (11, 4, 2, 5)
    duck = snapshot(duck_url, [*STAR, "load_errors", "sparkify_manifest"])
    # the same records refused, with the same raw text; nothing lost
    assert [e[:2] for e in errors] == sorted(e[:2] for e in duck["load_errors"])
    assert [(e[0], e[1], e[3]) for e in errors] == sorted(
        (e[0], e[1], e[3]) for e in duck["load_errors"]
    )
    assert manifest == sorted((m[0], m[5], m[6]) for m in duck["sparkify_manifest"])
    # the same words where the same rule refuses; Redshift's own words for what COPY refuses
    reasons = {(e[0], e[1]): e[2] for e in errors}
    assert reasons == {
        ("log_data/a.json", 2): "not valid JSON",
        ("log_data/a.json", 3): "not a JSON object",
        ("log_data/a.json", 4): 'field userId: expected an integer or "", got abc',
        ("log_data/b.json.gz", 1): "Missing data for not-null field (field ts)",
        ("song_data/A/B/empty.json", 1): "missing required field song_id",
    }
    assert without_songplay_id(star) == without_songplay_id({t: duck[t] for t in STAR})


def test_more_rejects_than_max_errors_commit_nothing(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    data = _bad_input(tmp_path / "bad")
    (data / "log_data" / "a.json").unlink()
    settings = redshift_settings(cluster, source=str(data), max_errors=0)
    target, _ = redshift_target(cluster, settings)
    with target:
        from sparkify.pipeline.run import create_tables

        create_tables(target)
        with pytest.raises(TooManyErrorsError, match="MAXERROR"):
            etl(open_source(settings), target, max_errors=0)
        assert target.query("SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]
        assert target.query("SELECT COUNT(*) FROM staging_events") == [(0,)]


def test_missing_or_bad_settings_are_clear_errors(cluster: dict[str, Any], sample: Path) -> None:
    cases = [
        ({"s3_staging": None}, ConfigError, "no staging prefix is set"),
        ({"iam_role": None}, ConfigError, "needs an IAM role"),
        ({"iam_role": "AKIA-not-a-role"}, ConfigError, "is not an IAM role ARN"),
        ({"s3_staging": "s3://no-such-staging-bucket/x"}, TargetError, "does not exist"),
    ]
    for changes, error, words in cases:
        values = {k: v for k, v in cluster.items() if k not in changes}
        settings = redshift_settings(
            values, source=str(sample), **{k: v for k, v in changes.items() if v}
        )
        target, _ = redshift_target(cluster, settings)
        with target, pytest.raises(error, match=words):
            run(open_source(settings), target, settings)


def test_staging_defaults_to_the_cluster_table(
    cluster: dict[str, Any], sample: Path, tmp_path: Path
) -> None:
    (tmp_path / "sparkify.toml").write_text(
        f'[cluster]\nstaging_bucket = "{STAGING}"\nstaging_prefix = "from-cluster"\n',
        encoding="utf-8",
    )
    settings = redshift_settings(
        {k: v for k, v in cluster.items() if k != "s3_staging"}, source=str(sample)
    )
    assert settings.s3_staging is None and settings.config_file is not None
    trace: list[str] = []
    target, _ = redshift_target(cluster, settings, trace)
    with target:
        assert run(open_source(settings), target, settings).checks.ok
    copies = [s for s in trace if s.startswith("COPY")]
    # the source, events, songs, the manifest and the run's row in sparkify_runs
    assert all(f"FROM 's3://{STAGING}/from-cluster/" in s for s in copies) and len(copies) == 5


# -- the transform and checks, executed on PostgreSQL ------------------------------------------


def _tricky(root: Path) -> None:
    """Ties and orderings where a dialect slip would show: byte order ('Z' < 'a'), duplicate
    song ids across files, rounding to 5 decimals, equal timestamps, year 0, empty location."""
    write_song(
        root,
        song(
            song_id="SOx",
            artist_id="ARq",
            title="Dup",
            artist_name="Q",
            duration=100.123456,
            year=0,
        ),
        name="apple",
    )
    write_song(
        root, song(song_id="SOx", artist_id="ARq", title="Dup later", artist_name="Q"), name="Zed"
    )
    write_song(
        root,
        song(
            song_id="SOZ",
            artist_id="ARq",
            title="Dup",
            artist_name="Q",
            duration=100.1234561,
            artist_location="Here",
        ),
        name="zz",
    )
    write_song(
        root,
        song(song_id="SOa", artist_id="ARq", title="Dup", artist_name="Q", duration=100.12346),
        name="aa",
    )
    write_log(
        root / "log_data" / "tricky.json",
        [
            event(
                userId="501",
                ts=1543622400000,
                itemInSession=1,
                level="free",
                song="Dup",
                artist="Q",
                length=100.1234559,
            ),
            event(
                userId="501",
                ts=1543622400000,
                itemInSession=2,
                level="paid",
                page="Home",
                firstName="Last",
            ),
            event(userId="502", ts=1543622400999, song="Dup later", artist="Q", length=200.0),
            event(userId="", ts=1543622401000, page="NextSong"),
        ],
    )


def _pg_tables(dsn: str) -> None:
    import psycopg

    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for

    with psycopg.connect(dsn, autocommit=True) as pg:
        for statement in renderer_for(Dialect.POSTGRES).ddl():
            pg.execute(statement)


def _copy_staging(duck_url: str, dsn: str) -> None:
    import psycopg

    from tests.helpers import rows

    with psycopg.connect(dsn) as pg, pg.cursor() as cur:
        for table in ("staging_events", "staging_songs", "load_errors", "sparkify_manifest"):
            with cur.copy(f'COPY "{table}" FROM STDIN') as out:
                for row in rows(duck_url, f'SELECT * FROM "{table}"'):
                    out.write_row(row)


def test_redshift_transform_and_checks_on_postgres_equal_duckdb(
    pg_c: str, sample: Path, tmp_path: Path
) -> None:
    import psycopg

    from sparkify.dialects import Dialect
    from sparkify.pipeline.check import run_checks
    from sparkify.schema.render import renderer_for
    from sparkify.sql import statements
    from sparkify.sql.checks import check_queries
    from sparkify.targets import open_target

    data = tmp_path / "data"
    shutil.copytree(sample, data)
    _tricky(data)
    duck_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    settings = load_settings(overrides={"source": str(data), "target": duck_url})
    with open_target(settings) as duck:
        result = run(open_source(settings), duck, settings)
        duck_checks = {c.name: c.value for c in run_checks(duck).results}
    assert result.etl.table_counts["songplays"] == 6822
    _pg_tables(pg_c)
    _copy_staging(duck_url, pg_c)
    redshift = renderer_for(Dialect.REDSHIFT)
    with psycopg.connect(pg_c) as pg:
        for stmt in statements("transform", redshift):
            pg.execute(stmt.sql)
        pg.commit()
        pg_rows = {
            t: sorted((tuple(r) for r in pg.execute(f'SELECT * FROM "{t}"')), key=repr)
            for t in STAR
        }
        pg_checks = {
            c.name: float(pg.execute(c.sql).fetchone()[0]) for c in check_queries(redshift)
        }
    assert pg_rows == snapshot(duck_url, STAR)
    assert pg_checks == duck_checks
    assert pg_checks["songplays_matched_share"] == pytest.approx(3 / 6822)
    tricky = [r for r in pg_rows["songplays"] if r[2] in (501, 502)]
    assert [(r[2], r[4], r[5]) for r in tricky] == [(501, "SOZ", "ARq"), (502, "SOx", "ARq")]
    assert [r for r in pg_rows["songs"] if r[0] == "SOx"] == [
        ("SOx", "Dup later", "ARq", 2000, 200.0)
    ]
    assert [r for r in pg_rows["artists"] if r[0] == "ARq"] == [("ARq", "Q", "Here", None, None)]
    assert [r for r in pg_rows["users"] if r[0] == 501] == [(501, "Last", "Lee", "F", "paid")]


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        (
            "epoch_ms",
            {
                "duckdb": "epoch_ms(x)",
                "postgres": "(TIMESTAMP 'epoch' + x * INTERVAL '1 millisecond')",
                "redshift": "(TIMESTAMP 'epoch' + (x / 1000) * INTERVAL '1 second' + (x % 1000) * INTERVAL '0.001 second')",
            },
        ),
        (
            "round5",
            {
                "duckdb": "round(x, 5)",
                "postgres": "ROUND(CAST(x AS NUMERIC), 5)",
                "redshift": "ROUND(CAST(x AS NUMERIC(38, 10)), 5)",
            },
        ),
        ("bytes", {"duckdb": "x", "postgres": 'x COLLATE "C"', "redshift": "x"}),
    ],
)
def test_dialect_differences_are_explicit(macro: str, expected: dict[str, str]) -> None:
    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for

    got = {d.value: renderer_for(d).expand(f"{{{{{macro}:x}}}}") for d in Dialect}
    assert got == expected


def _one(con: Any, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_redshift_epoch_and_rounding_agree_with_duckdb(pg_c: str) -> None:
    import duckdb
    import psycopg

    from sparkify.dialects import Dialect
    from sparkify.schema.render import renderer_for

    rs, dd = renderer_for(Dialect.REDSHIFT), renderer_for(Dialect.DUCKDB)
    stamps = [0, 1, 999, 1000, -1, -1500, 1541105830796, 1542837407796, 4102444800123]
    with psycopg.connect(pg_c) as pg:
        # literals, not parameters: the Redshift macro uses % (modulo)
        on_pg = [
            _one(pg, "SELECT " + rs.expand(f"{{{{epoch_ms:CAST({t} AS BIGINT)}}}}")) for t in stamps
        ]
        rounded_pg = _one(
            pg, "SELECT " + rs.expand("{{round5:CAST(502.546785 AS DOUBLE PRECISION)}}")
        )
    con = duckdb.connect()
    on_duck = [
        _one(con, "SELECT " + dd.expand(f"{{{{epoch_ms:CAST({t} AS BIGINT)}}}}")) for t in stamps
    ]
    assert on_pg == on_duck
    assert on_pg[-3] == dt.datetime(2018, 11, 1, 20, 57, 10, 796000)
    # where they differ: a double halfway at the 6th decimal. DuckDB rounds the binary value
    # (502.54678499…), PostgreSQL and Redshift the 15-digit decimal (502.546785)
    rounded_duck = _one(con, "SELECT " + dd.expand("{{round5:CAST(502.546785 AS DOUBLE)}}"))
    assert (float(rounded_pg), rounded_duck) == (502.54679, 502.54678)


# -- `sparkify sql --target redshift` ----------------------------------------------------------


def test_plan_for_redshift_golden_and_parse(request: pytest.FixtureRequest) -> None:
    from sparkify.dialects import Dialect
    from sparkify.sql.plan import plan_sql

    plan = plan_sql(Dialect.REDSHIFT, "all")
    assert_golden("plan.sql", plan, request)
    text = "\n".join(plan)
    assert "IAM_ROLE '<iam-role-arn>'" in text and "REGION '<region>'" in text
    assert "FROM 's3://<bucket>/<prefix>/<run>/b001-staging_events.manifest'" in text
    for statement in plan:
        body = "\n".join(ln for ln in statement.splitlines() if not ln.startswith("--"))
        assert_redshift_sql(body)


def test_parts_are_even_and_a_multiple_of_the_slices() -> None:
    import numpy as np

    from sparkify.targets.redshift.upload import PART_BYTES, part_count, split_even

    assert part_count(10, rows=100, slices=4) == 4
    assert part_count(10, rows=3, slices=4) == 3
    assert part_count(9 * PART_BYTES, rows=10**7, slices=4) == 12
    ends = np.cumsum(np.full(1000, 100, dtype=np.int64))
    ranges = split_even(ends, 4)
    assert ranges == [(0, 250), (250, 500), (500, 750), (750, 1000)]
    # cuts fall between records: two records of 5 and 995 bytes make one part
    assert split_even(np.array([5, 1000], dtype=np.int64), 4) == [(0, 2)]
