"""Records too big for a JSON load (over 4 MB): rejected alike on every target, through the
real command line, with the run going on; and DuckDB failures while parsing that say where and
what to do."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import redshift_connector

import sparkify.cli.pipeline as cli_pipeline
from sparkify.limits import MAX_RECORD_BYTES, oversized_record_reason
from sparkify.sql import redshift as rsql
from tests import cli_driver
from tests.aws_helpers import client
from tests.helpers import event, invoke, rows, snapshot, song, write_log, write_song
from tests.redshift_emulator import MAX_JSON_OBJECT, EmulatedRedshift
from tests.redshift_fixtures import ROLE, STAGING

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

STAR = ["songplays", "users", "songs", "artists", "time"]
#: Over Redshift COPY's limit on one object even unwrapped: without the client-side check the
#: stand-in (like Redshift) would fail the whole COPY.
BIG = 4_300_000


def _big_event() -> str:
    line = json.dumps(event(userId="2", ts=1541000000002, song="x"))
    return line.replace('"x"', '"' + "x" * (BIG - len(line) + 1) + '"')


def _oversized_source(root: Path) -> tuple[int, int]:
    """Good records around one oversized log line and one oversized pretty-printed song (found
    by the stream re-parse); returns the two records' sizes."""
    big = _big_event()
    write_log(
        root / "log_data" / "a.json",
        [event(userId="1", ts=1541000000001), big, event(userId="3", ts=1541000000003)],
    )
    edge = json.dumps({**event(userId="4", ts=1541000000004), "padding": "y"})  # not a column
    edge = edge.replace('"y"', '"' + "y" * (MAX_RECORD_BYTES - len(edge) + 1) + '"')
    assert len(edge) == MAX_RECORD_BYTES  # exactly at the limit: loaded
    write_log(root / "log_data" / "b.json.gz", [edge], gz=True)
    write_song(root, song(song_id="SO1", title="Song", artist_name="Artist"))
    pretty = json.dumps(song(song_id="SO2", title="t" * BIG), indent=2)
    write_song(root, pretty, name="pretty")
    return len(big), len(pretty)


def _redshift_cli(monkeypatch: pytest.MonkeyPatch, cluster: dict[str, Any]) -> None:
    """``redshift://`` targets of the in-process CLI are the stand-in cluster."""
    monkeypatch.setattr(cli_pipeline, "open_target", cli_driver._open)
    monkeypatch.setenv("SPARKIFY_TEST_RS_DSN", cluster["dsn"])
    monkeypatch.setenv("SPARKIFY_ENDPOINT_URL", cluster["endpoint_url"])
    monkeypatch.setenv("SPARKIFY_S3_STAGING", cluster["s3_staging"])
    monkeypatch.setenv("SPARKIFY_IAM_ROLE", cluster["iam_role"])


def _rs_rows(cluster: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    db = EmulatedRedshift(cluster["dsn"], client("s3"))
    try:
        cur = db.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        db.close()


def _comparable(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Star rows with songplay_id dropped (Redshift's IDENTITY numbers plays its own way)."""
    return {**tables, "songplays": sorted(r[1:] for r in tables["songplays"])}


ERRORS = "SELECT source_file, source_line, reason, raw_text FROM load_errors ORDER BY 1, 2"


@pytest.mark.postgres
@pytest.mark.aws
def test_oversized_record_is_rejected_alike_on_every_target(
    tmp_path: Path, pg_url: str, cluster: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_size, song_size = _oversized_source(tmp_path / "src")
    duck = f"duckdb:///{tmp_path / 'w.duckdb'}"
    for url in (duck, pg_url):
        result = invoke("run", "--source", str(tmp_path / "src"), "--target", url, "-q")
        assert result.exit_code == 0, result.output
    _redshift_cli(monkeypatch, cluster)
    result = invoke("run", "--source", str(tmp_path / "src"), "--target", cluster["target"], "-q")
    assert result.exit_code == 0, result.output

    pretty = (tmp_path / "src" / "song_data" / "A" / "B" / "pretty.json").read_text()
    expected_errors = [
        ("log_data/a.json", 2, oversized_record_reason(log_size), _big_event()[:1024]),
        ("song_data/A/B/pretty.json", 1, oversized_record_reason(song_size), pretty[:1024]),
    ]
    star = _comparable(snapshot(duck))
    assert _comparable(snapshot(pg_url)) == star
    assert _errors(duck) == expected_errors
    assert _errors(pg_url) == expected_errors
    assert _rs_rows(cluster, ERRORS) == expected_errors
    assert _comparable({t: sorted(_rs_rows(cluster, f'SELECT * FROM "{t}"')) for t in STAR}) == {
        t: sorted(rows) for t, rows in star.items()
    }
    # every good record loaded, the one exactly at the limit included
    assert sorted(r[1] for r in star["songplays"]) == [1, 3, 4]
    assert [r[0] for r in star["songs"]] == ["SO1"]


def _errors(url: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in rows(url, ERRORS)]


@pytest.mark.aws
@pytest.mark.postgres
def test_stand_in_fails_a_whole_copy_on_an_object_over_4_mb(cluster: dict[str, Any]) -> None:
    s3 = client("s3")
    small = json.dumps({"a": "x"})
    big = json.dumps({"a": "x" * MAX_JSON_OBJECT})
    s3.put_object(Bucket=STAGING, Key="t/p0.gz", Body=gzip.compress(f"{small}\n{big}\n".encode()))
    manifest = rsql.manifest([f"s3://{STAGING}/t/p0.gz"])
    s3.put_object(Bucket=STAGING, Key="t/m", Body=manifest.encode())
    db = EmulatedRedshift(cluster["dsn"], s3)
    try:
        cur = db.cursor()
        cur.execute("CREATE TABLE t (a VARCHAR(65535))")
        options = rsql.CopyOptions(ROLE, None, rsql.MAXERROR_LIMIT)
        from sparkify.schema.render import RedshiftRenderer

        copy = rsql.copy_statement(
            RedshiftRenderer(), "t", ("a",), f"s3://{STAGING}/t/m", "auto", options
        )
        with pytest.raises(redshift_connector.ProgrammingError, match="over the 4194304-byte"):
            cur.execute(copy)
        cur.execute("SELECT COUNT(*) FROM t")
        assert cur.fetchall() == [(0,)]
    finally:
        db.close()


def test_a_150_mb_line_is_one_reject_and_the_run_goes_on(tmp_path: Path) -> None:
    line = json.dumps(event(userId="2", ts=1541000000002, song="x"))
    huge = line.replace('"x"', '"' + "x" * 150_000_000 + '"')
    write_log(
        tmp_path / "src" / "log_data" / "a.json",
        [event(userId="1", ts=1541000000001), huge, event(userId="3", ts=1541000000003)],
    )
    write_song(tmp_path / "src", song())
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = invoke("run", "--source", str(tmp_path / "src"), "--target", url, "-q")
    assert result.exit_code == 0, result.output
    assert [(r[0], r[1], r[2], len(r[3])) for r in _errors(url)] == [
        ("log_data/a.json", 2, oversized_record_reason(len(huge)), 1024)
    ]
    assert sorted(r[0] for r in rows(url, "SELECT user_id FROM songplays")) == [1, 3]


def test_a_duckdb_failure_while_parsing_names_the_batch_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_log(
        tmp_path / "src" / "log_data" / "a.json",
        [event(userId=str(i % 50), ts=1541000000000 + i, song=f"s{i}" * 20) for i in range(30_000)],
    )
    write_song(tmp_path / "src", song())
    monkeypatch.setenv("SPARKIFY_MEMORY_LIMIT", "2MB")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = invoke("run", "--source", str(tmp_path / "src"), "--target", url, "-q")
    assert result.exit_code == 8, result.output
    error = result.exception
    assert error is not None
    assert str(error).startswith(
        "DuckDB failed parsing a batch of 2 files (log_data/a.json, song_data/A/B/SO1.json): "
    )
    assert "memory_limit" in str(error) and "batch_mb" in str(error)
