"""The PostgreSQL target's own statements: the session, its schema, the advisory lock, the
catalogue queries and deletes, and the sequences of a bulk load that ``sparkify sql`` shows
as the target sends them (:func:`clear_staging`, :func:`load_star`, rendered by
:func:`render`). The single statements of a bulk load (COPY, TRUNCATE, the primary keys) are
methods of :class:`~sparkify.schema.render.PostgresRenderer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sparkify.schema.model import STAGING_TABLES, STAR_TABLES, Table
from sparkify.schema.render import PostgresRenderer, Renderer

#: A read-only session: every transaction of the connection refuses writes.
READ_ONLY_SESSION = "SET default_transaction_read_only = on"
#: Whether the schema given as the parameter exists.
SCHEMA_EXISTS = "SELECT 1 FROM pg_namespace WHERE nspname = ?"
#: The names of the tables in the schema given as the parameter.
TABLE_NAMES = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = ?"
#: Every column's type in the schema given as the parameter: table, column, type name.
COLUMN_TYPES = (
    "SELECT c.relname, a.attname, t.typname FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "WHERE n.nspname = ? AND a.attnum > 0 AND NOT a.attisdropped"
)
#: Whether every staging table is empty.
STAGING_EMPTY = "SELECT " + " AND ".join(
    f"NOT EXISTS (SELECT 1 FROM {t.name})" for t in STAGING_TABLES
)

#: Take the advisory lock keyed by the parameter at once, if free: true when taken.
TRY_LOCK = "SELECT pg_try_advisory_xact_lock(?)"
#: Take the advisory lock keyed by the parameter, waiting up to ``lock_timeout``.
LOCK = "SELECT pg_advisory_xact_lock(?)"
#: The session's ``lock_timeout``.
LOCK_TIMEOUT = "SELECT current_setting('lock_timeout')"
#: Set ``lock_timeout`` (the parameter) until the transaction ends.
SET_LOCK_TIMEOUT = "SELECT set_config('lock_timeout', ?, true)"


def create_schema(r: Renderer, schema: str) -> str:
    """CREATE SCHEMA ``schema``."""
    return f"CREATE SCHEMA {r.quote(schema)}"


def drop_schema(r: Renderer, schema: str) -> str:
    """DROP SCHEMA ``schema`` (RESTRICT: only while it is empty)."""
    return f"DROP SCHEMA {r.quote(schema)}"


def delete_paths(r: Renderer, table: Table) -> str:
    """Delete the rows of ``table`` whose ``source_file`` is in the array parameter."""
    return f"DELETE FROM {r.quote(table.name)} WHERE source_file = ANY(?)"


# -- the sequences of a bulk load ------------------------------------------------------------


@dataclass(frozen=True)
class Clear:
    """Empty ``table`` inside the transaction (``TRUNCATE``): a COPY into it later in the same
    transaction writes its rows frozen."""

    table: Table


@dataclass(frozen=True)
class CopyIn:
    """``COPY`` ``table``'s columns ``FROM STDIN``: the rows come from the client."""

    table: Table


#: One step of a bulk load: a statement, or a table emptied or copied in.
Step = str | Clear | CopyIn


def clear_staging() -> list[Step]:
    """What a first load (or a full refresh) does before its first COPY into staging: empty
    the staging tables (then empty), so that the staged rows are loaded frozen."""
    return [Clear(t) for t in STAGING_TABLES]


def drop_primary_keys(r: PostgresRenderer) -> list[str]:
    """Drop the star's primary keys (before it is rebuilt in bulk)."""
    return [r.drop_primary_key(t) for t in STAR_TABLES]


def add_primary_keys(r: PostgresRenderer) -> list[str]:
    """Add the star's primary keys back: one sorted index build each, which also checks
    them."""
    return [r.add_primary_key(t) for t in STAR_TABLES]


def load_star(r: PostgresRenderer) -> list[Step]:
    """The star built in the client loaded into the warehouse: each table's primary key
    dropped, the table emptied and its rows copied in (frozen), then the keys added back."""
    steps: list[Step] = []
    for table in STAR_TABLES:
        steps += [r.drop_primary_key(table), Clear(table), CopyIn(table)]
    return [*steps, *add_primary_keys(r)]


def render(r: PostgresRenderer, steps: Sequence[Step]) -> list[str]:
    """``steps`` as the statements they send, a COPY in binary format (frozen into a table
    emptied by an earlier step)."""
    cleared: set[str] = set()
    out: list[str] = []
    for step in steps:
        if isinstance(step, Clear):
            cleared.add(step.table.name)
            out.append(r.macro_clear(r.quote(step.table.name)))
        elif isinstance(step, CopyIn):
            freeze = step.table.name in cleared
            out.append(r.copy_from_stdin(step.table, step.table.column_names, freeze=freeze))
        else:
            out.append(step)
    return out
