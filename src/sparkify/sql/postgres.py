"""The PostgreSQL target's own statements: the session, its schema, the advisory lock, the
catalogue queries and deletes (the bulk loads and key changes are renderer methods)."""

from __future__ import annotations

from sparkify.schema.model import STAGING_TABLES, Table
from sparkify.schema.render import Renderer

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


def search_path(r: Renderer, schema: str) -> str:
    """Put ``schema`` alone on the search path, so the portable SQL runs unqualified."""
    return f"SET search_path TO {r.quote(schema)}"


def delete_paths(r: Renderer, table: Table) -> str:
    """Delete the rows of ``table`` whose ``source_file`` is in the array parameter."""
    return f"DELETE FROM {r.quote(table.name)} WHERE source_file = ANY(?)"
