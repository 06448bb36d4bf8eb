"""The Arrow type of each column type: how rows of a table are handed to DuckDB or written as
Arrow (the run history, the manifest rows a target fetches)."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from sparkify.schema.model import Column, ColumnType

ARROW_TYPES = {
    ColumnType.BIGINT: pa.int64(),
    ColumnType.INTEGER: pa.int32(),
    ColumnType.DOUBLE: pa.float64(),
    ColumnType.TEXT: pa.string(),
    ColumnType.TIMESTAMP: pa.timestamp("us"),
}


def arrow_schema(columns: Iterable[Column]) -> pa.Schema:
    """The Arrow schema of ``columns``, in order."""
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in columns])
