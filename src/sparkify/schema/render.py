"""Render the schema model and SQL templates for one dialect.

One class per dialect; differences live in class-level tables and a few small methods
(sqlglot's generator pattern). Redshift extends PostgreSQL; DuckDB stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from sparkify.dialects import Dialect
from sparkify.schema.model import ALL_TABLES, Column, ColumnType, Table

_MACRO = re.compile(r"\{\{(\w+):([^{}]*)\}\}")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def check_identifier(name: str, what: str = "identifier") -> str:
    """Return ``name`` if it is a plain SQL identifier; raise ``ValueError`` otherwise."""
    if not _IDENT.match(name):
        raise ValueError(f"invalid {what} {name!r}: use letters, digits and '_' only")
    return name


class Renderer:
    """Base renderer: ANSI-ish DDL plus template macros shared by every dialect."""

    dialect: ClassVar[Dialect]
    TYPE_MAPPING: ClassVar[dict[ColumnType, str]] = {
        ColumnType.BIGINT: "BIGINT",
        ColumnType.INTEGER: "INTEGER",
        ColumnType.DOUBLE: "DOUBLE PRECISION",
        ColumnType.TEXT: "VARCHAR",
        ColumnType.TIMESTAMP: "TIMESTAMP",
    }
    PRIMARY_KEYS: ClassVar[bool] = False

    def quote(self, name: str) -> str:
        """Quote an identifier (names are validated, never user text)."""
        return '"' + check_identifier(name) + '"'

    def column_type(self, column: Column) -> str:
        """The dialect's type for ``column``."""
        return self.TYPE_MAPPING[column.type]

    def column_def(self, column: Column) -> str:
        """One column definition inside CREATE TABLE."""
        parts = [self.quote(column.name), self.column_type(column)]
        if not column.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)

    def table_constraints(self, table: Table) -> list[str]:
        """Table-level constraints (primary key where the dialect enforces or uses it)."""
        if self.PRIMARY_KEYS and table.primary_key:
            return [f"PRIMARY KEY ({self.quote(table.primary_key)})"]
        return []

    def table_options(self, table: Table) -> str:
        """Text after the closing parenthesis (Redshift's DISTSTYLE/SORTKEY)."""
        return ""

    def create_table(self, table: Table, *, if_not_exists: bool = True) -> str:
        """CREATE TABLE for ``table``."""
        body = [self.column_def(c) for c in table.columns] + self.table_constraints(table)
        exists = "IF NOT EXISTS " if if_not_exists else ""
        cols = ",\n    ".join(body)
        name = self.quote(table.name)
        return f"CREATE TABLE {exists}{name} (\n    {cols}\n){self.table_options(table)}"

    def drop_table(self, table: Table) -> str:
        """DROP TABLE IF EXISTS for ``table``."""
        return f"DROP TABLE IF EXISTS {self.quote(table.name)}"

    def ddl(self, tables: tuple[Table, ...] = ALL_TABLES) -> list[str]:
        """CREATE TABLE statements for ``tables``."""
        return [self.create_table(t) for t in tables]

    # -- macros used by the SQL templates in sparkify/sql ------------------------------------

    def enforced_key(self, table: Table, key: str) -> str | None:
        """A SQL condition that is true when the database itself guarantees ``key`` is unique
        and not null in ``table`` (an enforced primary key on exactly that column); None
        when the dialect enforces no keys."""
        return None

    def macro_epoch_ms(self, expr: str) -> str:
        """Epoch milliseconds to a UTC TIMESTAMP, millisecond precision kept."""
        return f"(TIMESTAMP 'epoch' + {expr} * INTERVAL '1 millisecond')"

    def macro_round5(self, expr: str) -> str:
        """A double rounded to 5 decimals, comparable across rows."""
        return f"ROUND(CAST({expr} AS NUMERIC), 5)"

    def macro_iso_week(self, expr: str) -> str:
        """The ISO 8601 week of the timestamp ``expr``, computed the same way on every engine
        (EXTRACT(week) is ISO on DuckDB and PostgreSQL; Redshift's documentation says so for
        DATE_PART, not for EXTRACT): the week holds the Thursday ``3 - (ISO weekday - 1)``
        days away, and is numbered by that Thursday's day of the year. EXTRACT's ``dow`` (0 =
        Sunday) and ``doy`` are documented alike by all three; FLOOR makes the division
        integral whether ``/`` is (Redshift, PostgreSQL) or is not (DuckDB)."""
        monday_based = f"(CAST(EXTRACT(dow FROM {expr}) AS INTEGER) + 6) % 7"
        thursday = f"{expr} + (3 - {monday_based}) * INTERVAL '1 day'"
        doy = f"CAST(EXTRACT(doy FROM {thursday}) AS INTEGER)"
        return f"CAST(FLOOR(({doy} - 1) / 7) AS INTEGER) + 1"

    def macro_bytes(self, expr: str) -> str:
        """``expr`` compared byte by byte (no locale collation), so "smallest" is the same
        on every target."""
        return expr

    def macro_clear(self, table: str) -> str:
        """Empty ``table`` (as written in the template) inside the run's transaction."""
        return f"DELETE FROM {table}"

    def macro_q(self, name: str) -> str:
        """A quoted table or column name."""
        return self.quote(name.strip())

    def expand(self, template: str) -> str:
        """Replace ``{{macro:arg}}`` markers in ``template`` with this dialect's SQL."""

        def sub(match: re.Match[str]) -> str:
            fn = getattr(self, f"macro_{match.group(1)}", None)
            if fn is None:
                raise KeyError(f"unknown SQL macro {match.group(1)!r}")
            result: str = fn(match.group(2).strip())
            return result

        return _MACRO.sub(sub, template)


class DuckDBRenderer(Renderer):
    """DuckDB: no enforced keys (checks verify them), native epoch and rounding functions."""

    dialect = Dialect.DUCKDB
    TYPE_MAPPING: ClassVar[dict[ColumnType, str]] = {
        **Renderer.TYPE_MAPPING,
        ColumnType.DOUBLE: "DOUBLE",
    }

    def macro_epoch_ms(self, expr: str) -> str:
        return f"epoch_ms({expr})"

    def macro_round5(self, expr: str) -> str:
        return f"round({expr}, 5)"


class PostgresRenderer(Renderer):
    """PostgreSQL: enforced primary keys on the star tables."""

    dialect = Dialect.POSTGRES
    PRIMARY_KEYS = True
    #: Session settings of a sparkify connection: JIT compilation costs more than it saves on
    #: these one-off statements; sorts and hashes of a few million rows fit in memory.
    SESSION_SETTINGS: ClassVar[dict[str, str]] = {
        "jit": "off",
        "work_mem": "128MB",
        "maintenance_work_mem": "256MB",
    }

    def enforced_key(self, table: Table, key: str) -> str | None:
        name, column = check_identifier(table.name), check_identifier(key)
        return (
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            f"WHERE c.conrelid = to_regclass('\"{name}\"') AND c.contype = 'p' "
            f"AND cardinality(c.conkey) = 1 AND a.attname = '{column}')"
        )

    def set_option(self, name: str, value: str) -> str:
        """SET one session setting (names and values are this module's own constants)."""
        return f"SET {check_identifier(name)} = '{value}'"

    def search_path(self, schema: str) -> str:
        """Put ``schema`` alone on the search path, so the portable SQL runs unqualified."""
        return f"SET search_path TO {self.quote(schema)}"

    def primary_key_name(self, table: Table) -> str:
        """The name PostgreSQL gives the table's primary key constraint."""
        return self.quote(f"{table.name}_pkey")

    def drop_primary_key(self, table: Table) -> str:
        """Drop ``table``'s primary key (while the table is rebuilt in bulk)."""
        return (
            f"ALTER TABLE {self.quote(table.name)} "
            f"DROP CONSTRAINT IF EXISTS {self.primary_key_name(table)}"
        )

    def add_primary_key(self, table: Table) -> str:
        """Add ``table``'s primary key back: one sorted index build, checking uniqueness."""
        key = table.primary_key or ""
        return (
            f"ALTER TABLE {self.quote(table.name)} ADD CONSTRAINT "
            f"{self.primary_key_name(table)} PRIMARY KEY ({self.quote(key)})"
        )

    def copy_from_stdin(
        self, table: Table, columns: Sequence[str], *, binary: bool = True, freeze: bool = False
    ) -> str:
        """The bulk load of ``columns`` of ``table`` from the client: PostgreSQL's binary
        format, or CSV (for columns whose types were changed in the warehouse). ``freeze``
        (only for a table truncated earlier in the same transaction): the rows are written
        frozen and their pages marked all-visible, so neither this load nor the first reads
        after it (the checks) set hint bits page by page."""
        cols = ", ".join(self.quote(c) for c in columns)
        fmt = "binary" if binary else "csv"
        options = f"FORMAT {fmt}" + (", FREEZE" if freeze else "")
        return f"COPY {self.quote(table.name)} ({cols}) FROM STDIN ({options})"

    def analyze(self, table: Table, columns: tuple[str, ...] = ()) -> str:
        """ANALYZE ``table`` (only ``columns`` when given)."""
        cols = f" ({', '.join(self.quote(c) for c in columns)})" if columns else ""
        return f"ANALYZE {self.quote(table.name)}{cols}"

    def macro_bytes(self, expr: str) -> str:
        return f'{expr} COLLATE "C"'

    def macro_clear(self, table: str) -> str:
        # Transactional on PostgreSQL, and the rebuilt table starts without dead rows: the
        # transform runs twice as fast as after DELETE (docs/postgres.md).
        return f"TRUNCATE {table}"


class RedshiftRenderer(PostgresRenderer):
    """Redshift: informational keys, distribution and sort keys, ENCODE AUTO, IDENTITY, text
    columns as ``VARCHAR(width)`` (the other dialects keep unbounded text; staging checks the
    width)."""

    dialect = Dialect.REDSHIFT

    def enforced_key(self, table: Table, key: str) -> str | None:
        return None  # Redshift's primary keys are informational

    def macro_bytes(self, expr: str) -> str:
        return expr  # Redshift compares VARCHAR byte by byte already

    def macro_clear(self, table: str) -> str:
        return f"DELETE FROM {table}"  # TRUNCATE would commit the run's transaction on Redshift

    def macro_epoch_ms(self, expr: str) -> str:
        # Redshift's documented idiom, 'epoch' + n * INTERVAL '1 second', in exact integer
        # parts: whole seconds, then the milliseconds (a fraction-of-a-second interval).
        return (
            f"(TIMESTAMP 'epoch' + ({expr} / 1000) * INTERVAL '1 second'"
            f" + ({expr} % 1000) * INTERVAL '0.001 second')"
        )

    def macro_round5(self, expr: str) -> str:
        # A bare NUMERIC is NUMERIC(18, 0) on Redshift: it would round to whole numbers first.
        return f"ROUND(CAST({expr} AS NUMERIC(38, 10)), 5)"

    def column_type(self, column: Column) -> str:
        base = super().column_type(column)
        if column.width is not None:  # the model's width, in bytes as Redshift counts them
            base = f"{base}({column.width})"
        return f"{base} IDENTITY(1, 1)" if column.identity else base

    def table_options(self, table: Table) -> str:
        opts = [f"DISTSTYLE {table.diststyle}"]
        if table.distkey:
            opts.append(f"DISTKEY({self.quote(table.distkey)})")
        if table.sortkey:
            opts.append(f"SORTKEY({', '.join(self.quote(c) for c in table.sortkey)})")
        opts.append("ENCODE AUTO")
        return "\n" + "\n".join(opts)


RENDERERS: dict[Dialect, type[Renderer]] = {
    Dialect.DUCKDB: DuckDBRenderer,
    Dialect.POSTGRES: PostgresRenderer,
    Dialect.REDSHIFT: RedshiftRenderer,
}


def renderer_for(dialect: Dialect) -> Renderer:
    """A renderer instance for ``dialect``."""
    return RENDERERS[dialect]()
