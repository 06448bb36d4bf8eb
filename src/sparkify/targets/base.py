"""The small interface every warehouse target implements."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow as pa

from sparkify.dialects import Dialect
from sparkify.errors import QueryError, TargetError
from sparkify.schema.arrow import arrow_schema
from sparkify.schema.model import FILE_TABLES, MANIFEST, Table
from sparkify.schema.render import Renderer, renderer_for
from sparkify.sql import Statement, statements
from sparkify.sql import run as run_sql

if TYPE_CHECKING:
    from sparkify.batch import FileData, StagedBatch

Tracer = Callable[[str], None]


class ParamStyle(Enum):
    """How a driver marks a statement's parameters. sparkify writes every statement with
    ``?`` markers; :func:`driver_sql` turns them into the driver's."""

    #: ``?``, as written (DuckDB).
    QMARK = "qmark"
    #: ``%s``, and every literal ``%`` doubled (psycopg reads ``%`` anywhere in the text).
    FORMAT = "format"
    #: ``%s``, and a literal ``%`` doubled outside quoted text and comments only
    #: (``redshift_connector`` reads ``%`` there as written).
    FORMAT_OUTSIDE_QUOTES = "format_outside_quotes"


#: Quoted text and comments: a string ('…', E'…'), a quoted identifier, ``--`` and ``/* */``.
_QUOTED = re.compile(r"E'(?:[^'\\]|\\.)*'|'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|/\*.*?(?:\*/|$)", re.S)


def _format_markers(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def driver_sql(sql: str, style: ParamStyle) -> str:
    """``sql``, written with ``?`` markers, as a driver of ``style`` takes it with parameters
    (without parameters, every driver takes the text as written)."""
    if style is ParamStyle.QMARK:
        return sql
    if style is ParamStyle.FORMAT:
        return _format_markers(sql)
    out, end = [], 0
    for quoted in _QUOTED.finditer(sql):
        out += [_format_markers(sql[end : quoted.start()]), quoted.group()]
        end = quoted.end()
    return "".join([*out, _format_markers(sql[end:])])


@dataclass(frozen=True)
class QueryResult:
    """The result of one statement of the user's: column names and rows (no columns when the
    statement returns no result set)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def engine_message(error: BaseException) -> str:
    """A driver's error message on one line, without the excerpt of the SQL that DuckDB and
    PostgreSQL append after ``LINE n:``."""
    lines = []
    for line in str(error).strip().splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)


def one_statement(found: str) -> QueryError:
    """The error for SQL holding more than one statement (``found`` says what was found)."""
    return QueryError(
        f"`sparkify query` runs one statement; {found}.", "Send one statement per `sparkify query`."
    )


def refused_write(where: str, detail: str) -> QueryError:
    """The error for a statement the read-only connection refused because it writes."""
    return QueryError(
        f"`sparkify query` is read-only: {where} refused a statement that writes ({detail}).",
        "Change the warehouse with `sparkify run`, `etl` or `create-tables`; "
        "`query` runs one read-only statement.",
    )


class Target(ABC):
    """A warehouse connection. Use as a context manager; statements go through ``execute``
    and ``query`` so a tracer sees every one of them."""

    dialect: ClassVar[Dialect]
    #: Whether runs that only add files may maintain the star incrementally (needs event ids
    #: that grow run after run, as DuckDB and PostgreSQL assign them).
    incremental_transform: ClassVar[bool] = False
    #: How the driver marks parameters (statements are written with ``?``: see
    #: :func:`driver_sql`).
    param_style: ClassVar[ParamStyle] = ParamStyle.QMARK
    #: The driver's error classes: a statement failing with one of them becomes what
    #: :meth:`statement_error` makes of it.
    DRIVER_ERRORS: ClassVar[tuple[type[Exception], ...]] = ()

    def __init__(self, tracer: Tracer | None = None) -> None:
        self.tracer = tracer
        self.renderer: Renderer = renderer_for(self.dialect)

    def __enter__(self) -> Target:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[Target]:
        """The target connected read-only (never created) for the ``with`` block, then closed."""
        self.connect(read_only=True)
        try:
            yield self
        finally:
            self.close()

    def trace(self, sql: str) -> None:
        """Show ``sql`` to the tracer, if any."""
        if self.tracer is not None:
            self.tracer(sql)

    @abstractmethod
    def describe(self) -> str:
        """The target as a URL with any password masked."""

    @abstractmethod
    def connect(self, *, read_only: bool = False, create: bool = True) -> None:
        """Open the connection (read-only: every statement that writes is refused). With
        ``create`` False (or ``read_only``), a warehouse that does not exist yet (a DuckDB
        file, a PostgreSQL schema) is not created: ``TargetError`` says so. Raises
        ``TargetError`` (``BusyError`` when locked)."""

    def discard_on_close(self) -> None:
        """For a dry run: what :meth:`connect` created to hold the warehouse (a new DuckDB file,
        a new PostgreSQL schema) is removed again by :meth:`close`. Default: nothing."""
        return None

    @abstractmethod
    def read_only_query(self, sql: str) -> QueryResult:
        """Run one statement of the user's where nothing can be written (a read-only
        connection or transaction, rolled back). Raises ``QueryError`` (from
        :func:`refused_write` for a statement that writes)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection; safe to call twice."""

    # -- statements: written with ``?`` markers, traced, run, their errors translated ------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (parameters marked ``?``). Raises ``QueryError``."""
        sent = self._sent(sql, params)
        try:
            self._driver_execute(sent, params)
        except self.driver_errors() as e:
            raise self.statement_error(e, sent, "statement") from e

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query (parameters marked ``?``) and return all its rows. Raises
        ``QueryError``."""
        sent = self._sent(sql, params)
        try:
            return self._driver_query(sent, params)
        except self.driver_errors() as e:
            raise self.statement_error(e, sent, "query") from e

    def query_columns(self, sql: str, width: int) -> list[list[Any]]:
        """The result of ``sql`` (``width`` columns, no parameters) as one list per column.
        Raises ``QueryError``."""
        sent = self._sent(sql, ())
        try:
            return self._driver_columns(sent, width)
        except self.driver_errors() as e:
            raise self.statement_error(e, sent, "query") from e

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of ``sql``."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def _send(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement like :meth:`execute`, but let the driver's error through
        unchanged, for a caller that tells some of them apart (a schema created at the same
        moment by another run, a lock not available)."""
        self._driver_execute(self._sent(sql, params), params)

    def _sent(self, sql: str, params: Sequence[Any]) -> str:
        """``sql`` as the driver takes it (:func:`driver_sql`), shown to the tracer first."""
        self._before_statement()
        sent = driver_sql(sql, self.param_style) if params else sql
        self.trace(sent)
        return sent

    def _before_statement(self) -> None:
        """Called before each statement is traced and sent (PostgreSQL waits for the COPYs it
        queued first). Default: nothing."""
        return None

    def driver_errors(self) -> tuple[type[Exception], ...]:
        """The driver's error classes (default :attr:`DRIVER_ERRORS`; a target whose driver is
        imported only when it connects looks them up then)."""
        return self.DRIVER_ERRORS

    def statement_error(self, error: Exception, sql: str, what: str) -> TargetError:
        """The error for ``sql`` (as sent) failing with the driver's ``error``; ``what`` is
        ``statement`` or ``query``. Default: a ``QueryError`` with the driver's message."""
        return QueryError(f"{self.dialect.value} {what} failed: {engine_message(error)}")

    @abstractmethod
    def _driver_execute(self, sql: str, params: Sequence[Any]) -> None:
        """Run ``sql`` (in the driver's parameter style when ``params`` are given) on the
        connection; the driver's errors pass through."""

    @abstractmethod
    def _driver_query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run ``sql`` like :meth:`_driver_execute` and return all its rows as tuples."""

    def _driver_columns(self, sql: str, width: int) -> list[list[Any]]:
        """The result of ``sql`` as one list per column. Default: the rows of
        :meth:`_driver_query`, transposed."""
        rows = self._driver_query(sql, ())
        if not rows:
            return [[] for _ in range(width)]
        return [list(column) for column in zip(*rows, strict=True)]

    @abstractmethod
    def begin(self) -> None:
        """Start a transaction."""

    @abstractmethod
    def commit(self) -> None:
        """Commit the transaction."""

    @abstractmethod
    def rollback(self) -> None:
        """Roll the transaction back; never raises."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def lock(self, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the warehouse's write lock until the current transaction ends, so two runs
        never interleave; called first inside the transaction. Waits up to the target's lock
        timeout (telling ``on_wait`` once), then raises ``BusyError``. The default does
        nothing: DuckDB locks its file when it connects."""
        return None

    def prepare_transform(self, *, full: bool) -> None:
        """Called inside the transaction after staging, before the transform SQL runs; ``full``
        for a rebuild of the whole star (PostgreSQL refreshes the staging tables' planner
        statistics and drops the star's primary keys). Default: nothing."""
        return None

    def finish_transform(self, *, full: bool) -> None:
        """Called after the transform SQL ran (PostgreSQL adds the primary keys back after a
        rebuild and refreshes the star's statistics). Default: nothing."""
        return None

    def transform(
        self,
        stmts: Sequence[Statement],
        on_step: Callable[[], None],
        *,
        event_base: int = 0,
        full: bool,
    ) -> None:
        """Run transform statements in the warehouse, between :meth:`prepare_transform` and
        :meth:`finish_transform`; every ``?`` is bound to ``event_base`` (the largest event id
        staged before the run), ``on_step`` is called after each statement."""
        self.prepare_transform(full=full)
        for stmt in stmts:
            self.execute(stmt.sql, [event_base] * stmt.sql.count("?"))
            on_step()
        self.finish_transform(full=full)

    def rebuild_star(self, on_start: Callable[[int], None], on_step: Callable[[], None]) -> None:
        """Rebuild the five star tables from staging, inside the transaction; ``on_start`` is
        told the number of steps, ``on_step`` is called after each. Default: the full-rebuild
        SQL (``sql/transform.sql``) in the warehouse."""
        stmts = statements("transform", self.renderer)
        on_start(len(stmts))
        self.transform(stmts, on_step, full=True)

    @abstractmethod
    def table_names(self) -> set[str]:
        """Names of the tables that exist in the target's schema."""

    def files_to_read(self, listing: pa.Table) -> list[tuple[Any, ...]]:
        """The rows of :func:`sparkify.sql.run.files_to_read` for ``listing`` (an Arrow table
        with the columns of :data:`~sparkify.sql.run.LISTING_ARROW`): the files that must be
        read, with their manifest entries. Default: the manifest's rows are fetched and joined
        with the listing in an in-memory DuckDB (DuckDB joins next to its manifest)."""
        names = ("source_file", *run_sql.ENTRY_COLUMNS)
        columns = self.query_columns(run_sql.manifest_entries(names), len(names))
        schema = arrow_schema(MANIFEST.column(n) for n in names)
        rows = pa.table(
            [pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
        )
        with duckdb.connect() as scratch:
            scratch.register(run_sql.LISTING_ARROW, listing)
            scratch.register(run_sql.MANIFEST_ARROW, rows)
            return scratch.execute(run_sql.files_to_read(run_sql.MANIFEST_ARROW)).fetchall()

    @abstractmethod
    def stage(self, files: list[FileData], event_base: int) -> StagedBatch:
        """Append the records of ``files`` (just read) to the staging tables, and the records
        refused to ``load_errors``; returns the batch's counts. DuckDB and PostgreSQL type the
        records with the DuckDB parser (:func:`sparkify.staging.parse.stage_batch`, whose
        :class:`~sparkify.staging.parse.ParsedBatch` names the rows for each table), and log
        files number their events above ``event_base``; Redshift types them by COPY from S3
        and numbers them with an identity column."""

    @abstractmethod
    def insert_rows(self, table: Table, rows: pa.Table) -> None:
        """Bulk-append ``rows`` (columns named as in ``table``) to ``table``."""

    def delete_files(self, paths: Sequence[str], *, manifest_only: bool = False) -> None:
        """Delete every row that came from ``paths``: staging rows, load errors and manifest
        entries (only the manifest entries with ``manifest_only``)."""
        if paths:
            self.delete_rows((MANIFEST,) if manifest_only else FILE_TABLES, paths)

    @abstractmethod
    def delete_rows(self, tables: Sequence[Table], paths: Sequence[str]) -> None:
        """Delete the rows of ``tables``, in order, whose ``source_file`` is one of ``paths``
        (not empty)."""
