"""`sparkify query`: one read-only statement on every target, printed as a table, CSV or JSON;
a statement that writes is refused by the read-only connection or transaction and the
warehouse stays as it was; commands that read never create a missing DuckDB warehouse."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sparkify.errors import ExitCode
from sparkify.pipeline.run import run
from sparkify.sources import open_source
from sparkify.targets import Target
from tests.copies import Copies
from tests.helpers import EVERY_TABLE, event, invoke, snapshot, song, write_log, write_song
from tests.redshift_fixtures import C_COLLATION
from tests.redshift_helpers import redshift_settings, redshift_target

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

LEVELS = "SELECT level, COUNT(*) AS plays FROM songplays GROUP BY level ORDER BY level"
WRITES = [
    "INSERT INTO songs VALUES ('SOX', 'New', 'AR1', 2001, 1.0)",
    "DELETE FROM songplays",
    "CREATE TABLE extra (a INTEGER)",
    "DROP TABLE songs",
]
TARGETS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redshift", id="redshift", marks=[pytest.mark.postgres, pytest.mark.aws]),
]


def _source(root: Path) -> Path:
    """Three plays by two users (two paid, one free), one song."""
    write_log(
        root / "log_data" / "day.json",
        [
            event(ts=1541000000000, userId="1", level="paid"),
            event(ts=1541000001000, userId="1", level="paid"),
            event(ts=1541000002000, userId="2", level="free"),
        ],
    )
    write_song(root, song())
    return root


def _load(url: str, folder: Path) -> None:
    assert invoke("run", "--source", str(_source(folder)), "--target", url, "-q").exit_code == 0


@pytest.fixture(params=TARGETS)
def loaded(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    loaded_copies: Copies,
) -> Iterator[str]:
    """A warehouse on each target loaded from :func:`_source` (a copy of one load per test
    process); its URL. On Redshift the CLI's target is the stand-in cluster."""
    kind = str(request.param)
    if kind == "duckdb":
        yield loaded_copies.duckdb("query", _load, tmp_path / "w.duckdb")
        return
    if kind == "postgres":
        with loaded_copies.postgres("query", _load) as url:
            yield url
        return
    cluster: dict[str, Any] = request.getfixturevalue("cluster")

    def load_on_stand_in(dsn: str, folder: Path) -> None:
        on_copy = {**cluster, "dsn": dsn}
        settings = redshift_settings(on_copy, source=str(_source(folder)))
        with redshift_target(on_copy, settings)[0] as target:
            assert run(open_source(settings), target, settings).checks.ok

    with loaded_copies.postgres("query-redshift", load_on_stand_in, C_COLLATION) as dsn:
        cluster["dsn"] = dsn  # the stand-in runs on the copy, for the CLI and every_row alike
        settings = redshift_settings(cluster)

        def stand_in(_: Any, tracer: Any = None) -> Target:
            return redshift_target(cluster, settings)[0]

        monkeypatch.setattr("sparkify.cli.query.open_target", stand_in)
        yield str(cluster["target"])


@pytest.fixture
def every_row(loaded: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A function returning every row of every table, on the target of ``loaded``."""
    if not loaded.startswith("redshift"):
        yield lambda: snapshot(loaded, EVERY_TABLE)
        return
    cluster: dict[str, Any] = request.getfixturevalue("cluster")

    def rows() -> dict[str, list[tuple[Any, ...]]]:
        with redshift_target(cluster, redshift_settings(cluster))[0] as target:
            names = sorted(target.table_names())
            return {t: sorted(target.query(f'SELECT * FROM "{t}"'), key=repr) for t in names}

    yield rows


def test_query_prints_csv(loaded: str) -> None:
    out = invoke("query", LEVELS, "--target", loaded, "--format", "csv", "-q")
    assert out.exit_code == 0, out.output
    assert out.output == "level,plays\nfree,1\npaid,2\n"


def test_query_prints_json(loaded: str) -> None:
    out = invoke("query", LEVELS, "--target", loaded, "--format", "json", "-q")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"level": "free", "plays": 1}, {"level": "paid", "plays": 2}]


def test_query_prints_a_table_by_default_and_counts_rows(loaded: str) -> None:
    out = invoke("query", LEVELS, "--target", loaded)
    assert out.exit_code == 0, out.output
    lines = [re.sub(r"\s+", " ", line).strip() for line in out.output.splitlines()]
    assert "┃ level ┃ plays ┃" in lines
    assert [ln for ln in lines if ln.startswith("│")] == ["│ free │ 1 │", "│ paid │ 2 │"]
    assert "(2 rows)" in lines


@pytest.mark.parametrize("statement", WRITES, ids=["insert", "delete", "create", "drop"])
def test_query_refuses_a_write_and_the_warehouse_is_unchanged(
    loaded: str, every_row: Any, statement: str
) -> None:
    before = every_row()
    out = invoke("query", statement, "--target", loaded)
    assert out.exit_code == ExitCode.QUERY
    assert "`sparkify query` is read-only" in str(out.exception)
    assert "refused a statement that writes" in str(out.exception)
    assert every_row() == before


# not on the Redshift stand-in, whose driver runs several statements: redshift_connector sends
# each as a prepared statement, which the server takes one at a time
@pytest.mark.parametrize("loaded", TARGETS[:2], indirect=True)
@pytest.mark.parametrize(
    "statement",
    ["COMMIT; DROP TABLE songs", "SELECT 1; DELETE FROM songplays"],
    ids=["commit-then-drop", "select-then-delete"],
)
def test_query_takes_one_statement_so_none_escapes_the_read_only_transaction(
    loaded: str, every_row: Any, statement: str
) -> None:
    before = every_row()
    out = invoke("query", statement, "--target", loaded)
    assert out.exit_code == ExitCode.QUERY
    assert "`sparkify query` runs one statement" in str(out.exception)
    assert every_row() == before


def test_query_sql_error_is_exit_8_with_the_engine_message(loaded: str) -> None:
    out = invoke("query", "SELECT nope FROM songs", "--target", loaded)
    assert out.exit_code == ExitCode.QUERY
    assert "query failed on" in out.exception.message  # type: ignore[union-attr]
    assert "nope" in out.exception.message  # type: ignore[union-attr]
    assert "\n" not in out.exception.message  # type: ignore[union-attr]
    assert out.exception.hint  # type: ignore[union-attr]


def test_query_without_sql_is_a_usage_error(tmp_path: Path) -> None:
    out = invoke("query", "  ", "--target", f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert out.exit_code == ExitCode.USAGE
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["query", "SELECT 1"],
        ["check"],
        ["report", "-o", "r.html"],
        ["etl", "--source", "SRC"],
        ["etl", "--source", "SRC", "--dry-run"],
    ],
    ids=["query", "check", "report", "etl", "etl-dry-run"],
)
def test_commands_that_need_a_warehouse_never_create_a_missing_duckdb_file(
    tmp_path: Path, args: list[str]
) -> None:
    source = _source(tmp_path / "src")
    file = tmp_path / "none.duckdb"
    args = [str(source) if a == "SRC" else a for a in args]
    out = invoke(*args, "--target", f"duckdb:///{file}", "-q")
    assert out.exit_code == ExitCode.TARGET
    assert str(out.exception).startswith(f"The warehouse {file} does not exist.")
    assert "sparkify run" in out.exception.hint  # type: ignore[union-attr]
    assert not file.exists()
    assert not Path(f"{file}.wal").exists()


@pytest.mark.postgres
def test_etl_never_creates_a_missing_postgres_schema(pg_url: str, tmp_path: Path) -> None:
    source = _source(tmp_path / "src")
    out = invoke("etl", "--source", str(source), "--target", pg_url, "--schema", "fresh", "-q")
    assert out.exit_code == ExitCode.TARGET
    assert "Schema 'fresh' does not exist" in str(out.exception)
    out = invoke("query", "SELECT 1", "--target", pg_url, "--schema", "fresh")
    assert out.exit_code == ExitCode.TARGET
    found = invoke(
        "query",
        "SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = 'fresh'",
        "--target",
        pg_url,
        "--format",
        "csv",
        "-q",
    )
    assert found.output == "n\n0\n"


@pytest.mark.parametrize(
    "statement",
    ["COPY songplays TO '{out}'", "SELECT * FROM read_text('{out}')"],
    ids=["copy-to-a-file", "read-a-file"],
)
def test_query_on_duckdb_reads_and_writes_no_file_beside_the_warehouse(
    tmp_path: Path, statement: str
) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert invoke("create-tables", "--target", url, "-q").exit_code == 0
    out = tmp_path / "out.csv"
    if "read_text" in statement:
        out.write_text("secret")
    result = invoke("query", statement.format(out=out), "--target", url)
    assert result.exit_code == ExitCode.QUERY
    assert "reads the warehouse only, no other file" in str(result.exception)
    assert "secret" not in result.output
    assert out.exists() == ("read_text" in statement)


def test_query_json_keeps_every_column_when_names_repeat(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert invoke("create-tables", "--target", url, "-q").exit_code == 0
    sql = "SELECT 1 AS a, 2 AS a, 3 AS a_2, 4 AS b"
    out = invoke("query", sql, "--target", url, "--format", "json", "-q")
    assert out.exit_code == 0
    assert json.loads(out.output) == [{"a": 1, "a_3": 2, "a_2": 3, "b": 4}]
    said = invoke("query", sql, "--target", url, "--format", "json").output
    assert "repeated column names renamed in the JSON: a -> a_3" in said
    csv = invoke("query", sql, "--target", url, "--format", "csv", "-q")
    assert csv.output.splitlines()[0] == "a,a,a_2,b"
