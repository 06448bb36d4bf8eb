"""The DuckDB statements of the PostgreSQL target's copy of staging in the client
(:mod:`sparkify.targets.postgres.client_build`): each table of it carries a batch number
column, :data:`BATCH`, so that one batch's rows can be streamed to COPY."""

from __future__ import annotations

from sparkify.schema.model import Table
from sparkify.schema.render import Renderer

#: The column numbering the batches a row arrived in.
BATCH = "_sparkify_batch"


def _columns(r: Renderer, table: Table) -> str:
    return ", ".join(r.quote(c) for c in table.column_names)


def add_batch_column(r: Renderer, table: Table) -> str:
    """Add the :data:`BATCH` column to ``table``."""
    return f"ALTER TABLE {r.quote(table.name)} ADD COLUMN {BATCH} INT"


def append_batch(r: Renderer, table: Table, relation: str, number: int) -> str:
    """Append the rows of ``relation`` (``table``'s columns) to ``table`` as batch ``number``."""
    cols = _columns(r, table)
    return (
        f"INSERT INTO {r.quote(table.name)} ({cols}, {BATCH}) "
        f"SELECT {cols}, {int(number)} FROM {relation}"
    )


def batch_rows(r: Renderer, table: Table, number: int) -> str:
    """The rows of batch ``number`` of ``table``, in its column order."""
    return f"SELECT {_columns(r, table)} FROM {r.quote(table.name)} WHERE {BATCH} = {int(number)}"


def delete_paths(r: Renderer, table: Table) -> str:
    """Delete the rows of ``table`` whose ``source_file`` is in the array parameter."""
    return f"DELETE FROM {r.quote(table.name)} WHERE source_file IN (SELECT unnest(?::VARCHAR[]))"


def all_rows(r: Renderer, table: Table) -> str:
    """Every row of ``table``, in its column order."""
    return f"SELECT {_columns(r, table)} FROM {r.quote(table.name)}"
