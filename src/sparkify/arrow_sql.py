"""Run one DuckDB statement over an Arrow table without registering it on the connection.

``DuckDBPyConnection.register`` keeps the Arrow data referenced until the transaction ends,
so a long run would hold every batch in memory; a relation made with ``from_arrow`` is freed
as soon as its statement is done.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def execute_on_arrow(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str
) -> list[tuple[Any, ...]]:
    """Execute ``sql``, in which ``name`` refers to ``table``, on ``con``; its rows (none for a
    statement that returns no result)."""
    result = con.from_arrow(table).query(name, sql)
    return result.fetchall() if result is not None else []
