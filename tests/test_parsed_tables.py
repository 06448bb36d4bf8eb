"""The parser's per-kind tables: a batch without files of one kind gets the same table, with
no rows, as typing lines of that kind makes."""

from __future__ import annotations

import duckdb
import pytest

from sparkify.arrow_sql import execute_on_arrow
from sparkify.batch import FileKind
from sparkify.sql import parse as sql
from sparkify.staging.lines import LINES_SCHEMA
from sparkify.staging.parse import TABLES


def _columns(con: duckdb.DuckDBPyConnection, kind: FileKind) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE _parsed_{kind.value}").fetchall()]


@pytest.mark.parametrize("kind", list(FileKind), ids=lambda k: k.value)
def test_a_kind_without_files_gets_the_columns_and_types_the_typing_sql_makes(
    kind: FileKind,
) -> None:
    con = duckdb.connect()
    empty = LINES_SCHEMA.empty_table()
    execute_on_arrow(con, sql.LINES_ARROW, empty, sql.create_parsed(kind, TABLES[kind]))
    typed = _columns(con, kind)
    con.execute(sql.create_parsed_empty(kind, TABLES[kind]))
    declared = _columns(con, kind)
    assert declared == typed
    assert con.execute(f"SELECT COUNT(*) FROM _parsed_{kind.value}").fetchone() == (0,)
    assert ("reason", "VARCHAR") in declared and ("file_idx", "INTEGER") in declared
