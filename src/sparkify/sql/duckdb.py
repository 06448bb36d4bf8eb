"""The DuckDB target's own statements (its DDL comes from the renderer, the transform and
checks from the templates and :mod:`sparkify.sql.checks`)."""

from __future__ import annotations

from sparkify.schema.model import Table
from sparkify.schema.render import Renderer

#: The names of the tables in the warehouse file.
TABLE_NAMES = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"

#: Checkpoints leave partly filled row groups as they are (see the DuckDB target).
NO_VACUUM = "SET max_vacuum_tasks = 0"

#: The name under which :func:`append` reads an Arrow table of rows to insert.
ROWS_ARROW = "_rows_arrow"
#: The name under which :data:`KEEP_PATHS` reads an Arrow table of paths (column ``path``).
PATHS_ARROW = "_paths_arrow"
#: The paths whose rows a delete removes, kept in a temp table for :func:`delete_paths`.
KEEP_PATHS = f"CREATE OR REPLACE TEMP TABLE _paths AS SELECT path FROM {PATHS_ARROW}"
DROP_PATHS = "DROP TABLE _paths"


def append(r: Renderer, table: Table, relation: str) -> str:
    """Append the rows of ``relation`` (``table``'s columns, in order) to ``table``."""
    cols = ", ".join(r.quote(c) for c in table.column_names)
    return f"INSERT INTO {r.quote(table.name)} ({cols}) SELECT {cols} FROM {relation}"


def delete_paths(r: Renderer, table: Table) -> str:
    """Delete the rows of ``table`` from the paths :data:`KEEP_PATHS` kept."""
    return f"DELETE FROM {r.quote(table.name)} WHERE source_file IN (SELECT path FROM _paths)"
