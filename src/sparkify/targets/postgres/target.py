"""The PostgreSQL target (psycopg 3).

Input is typed by an in-memory DuckDB (the same parser as the DuckDB target) and its result is
streamed into ``COPY ... FROM STDIN (FORMAT binary)`` in Arrow record batches encoded column by
column (:mod:`.binary`; CSV for a table whose column types were changed), in a background
thread while the next batch is parsed (:mod:`.copy_writer`): no Python code runs per row, and
memory stays bounded by two batches. On a first load (or a full refresh) the staged rows are
also kept in that DuckDB and the star is rebuilt there and copied in (:mod:`.client_build`);
otherwise the transform SQL runs in PostgreSQL.
PostgreSQL text cannot hold the NUL character, so NULs are removed from text values (see
docs/postgres.md).

The tables live in one schema (``public`` by default), created when missing and put first on
the ``search_path`` so the portable SQL runs unqualified. :meth:`PostgresTarget.lock` takes a
transaction-level advisory lock keyed on that schema: two runs never interleave.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import duckdb
import psycopg
import pyarrow as pa
from psycopg import errors as pgerrors
from psycopg.copy import QueuedLibpqWriter

from sparkify.dialects import Dialect
from sparkify.errors import BusyError, ConfigError, QueryError, TargetError
from sparkify.schema.model import (
    STAGING_EVENTS,
    STAGING_SONGS,
    Table,
)
from sparkify.schema.render import PostgresRenderer, check_identifier
from sparkify.sql import postgres as psql
from sparkify.sql import transaction
from sparkify.staging.parse import stage_batch
from sparkify.targets.base import (
    ParamStyle,
    QueryResult,
    Target,
    Tracer,
    engine_message,
    one_statement,
    refused_write,
)
from sparkify.targets.postgres.binary import binary_chunks, binary_types_match
from sparkify.targets.postgres.client_build import StagingMirror
from sparkify.targets.postgres.connect import check_url, connect_error, mask_url, where
from sparkify.targets.postgres.copy_writer import COPY_BATCH_ROWS, CopyWriter, csv_chunks

if TYPE_CHECKING:
    from sparkify.batch import FileData, StagedBatch

_PLANNED_COLUMNS = (
    (STAGING_EVENTS, ("page", "userid", "song", "artist", "length")),
    (STAGING_SONGS, ("song_id", "title", "artist_name", "duration")),
)


def lock_key(schema: str) -> int:
    """The advisory-lock key of a schema: a stable signed 64-bit hash of its name."""
    digest = hashlib.blake2b(f"sparkify:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresTarget(Target):
    """A PostgreSQL database reached through a ``postgresql://user@host:port/db`` URL."""

    dialect = Dialect.POSTGRES
    incremental_transform = True
    param_style = ParamStyle.FORMAT
    DRIVER_ERRORS = (psycopg.Error,)

    def __init__(
        self,
        url: str,
        *,
        schema: str = "public",
        memory_limit: str = "1GB",
        threads: int | None = None,
        lock_timeout: float = 0.0,
        tracer: Tracer | None = None,
    ) -> None:
        super().__init__(tracer)
        self.renderer: PostgresRenderer = PostgresRenderer()
        self.url = check_url(url)
        try:
            self.schema = check_identifier(schema, "schema")
        except ValueError as e:
            raise ConfigError(f"Bad --schema: {e}.", "Example: --schema analytics") from e
        self.memory_limit = memory_limit
        self.threads = threads
        self.lock_timeout = lock_timeout
        self._con: psycopg.Connection[tuple[Any, ...]] | None = None
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._spill: str | None = None
        self._writer = CopyWriter()
        self._mirror: StagingMirror | None = None
        self._column_types: dict[tuple[str, str], str] | None = None
        #: Tables this transaction truncated: COPY into them may write frozen rows.
        self._truncated: set[str] = set()
        self._created_schema = False
        self._discard = False

    def describe(self) -> str:
        return mask_url(self.url)

    @property
    def con(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The open connection."""
        if self._con is None:
            raise TargetError("The PostgreSQL target is not connected.")
        return self._con

    # -- connection --------------------------------------------------------------------------

    def connect(self, *, read_only: bool = False, create: bool = True) -> None:
        # every text value sparkify sends is UTF-8; the server converts it to the database's
        # encoding (or refuses a character that has none there) instead of storing the bytes
        params: dict[str, Any] = {"autocommit": True, "client_encoding": "UTF8"}
        if "connect_timeout" not in self.url and "PGCONNECT_TIMEOUT" not in os.environ:
            params["connect_timeout"] = 10
        if "application_name" not in self.url and "PGAPPNAME" not in os.environ:
            params["application_name"] = "sparkify"
        try:
            self._con = psycopg.connect(self.url, **params)
        except psycopg.OperationalError as e:
            raise connect_error(e, self.url) from e
        try:
            self._setup(read_only, create)
        except BaseException:
            self.close()
            raise

    def _setup(self, read_only: bool, create: bool) -> None:
        if read_only:
            self.execute(psql.READ_ONLY_SESSION)
        exists = self.scalar(psql.SCHEMA_EXISTS, [self.schema])
        if not exists and (read_only or not create):
            raise TargetError(
                f"Schema '{self.schema}' does not exist in {self.describe()}.",
                "Run `sparkify run` first, or check --schema.",
            )
        if not exists:
            try:
                self._send(psql.create_schema(self.renderer, self.schema))
                self._created_schema = True
            except (pgerrors.DuplicateSchema, pgerrors.UniqueViolation):
                pass  # created at the same moment by another run
            except pgerrors.InsufficientPrivilege as e:
                raise TargetError(
                    f"User '{where(self.url).user}' may not create schema '{self.schema}' "
                    f"in {self.describe()}.",
                    "Create the schema as its owner, or choose another --schema.",
                ) from e
        self.execute(self.renderer.search_path(self.schema))
        for option, value in self.renderer.SESSION_SETTINGS.items():
            if option not in os.environ.get("PGOPTIONS", ""):  # the user's own choice wins
                self.execute(self.renderer.set_option(option, value))

    def close(self) -> None:
        self._writer.cancel(self._interrupt)
        self._writer.close()
        self._mirror = None
        if self._duck is not None:
            self._duck.close()
            self._duck = None
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None
        if self._con is not None:
            if self._discard and self._created_schema:
                with contextlib.suppress(psycopg.Error):  # RESTRICT: only while it is empty
                    self._send(psql.drop_schema(self.renderer, self.schema))
            self._con.close()
            self._con = None

    def discard_on_close(self) -> None:
        self._discard = True

    def _interrupt(self) -> None:
        """Ask the server to cancel the statement (a COPY) running on the connection."""
        if self._con is not None and not self._con.closed:
            self._con.cancel_safe(timeout=5)

    # -- statements --------------------------------------------------------------------------

    def _before_statement(self) -> None:
        self._writer.drain()  # the COPYs queued so far come first

    def _driver_execute(self, sql: str, params: Sequence[Any]) -> None:
        self.con.execute(sql, list(params) if params else None)

    def _driver_query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params) if params else None).fetchall()

    def statement_error(self, error: Exception, sql: str, what: str) -> TargetError:
        """A lost connection as a TargetError; else a QueryError with the server's message,
        SQLSTATE and hint."""
        if self._con is not None and self._con.closed:
            return TargetError(
                f"Lost the connection to PostgreSQL at {self.describe()}: {str(error).strip()}",
                "Check the server, then run again: nothing of this run was committed.",
            )
        if not isinstance(error, psycopg.Error):
            return super().statement_error(error, sql, what)
        first = " ".join(sql.split())[:80]
        detail = error.diag.message_primary or str(error).strip()
        code = f" [{error.sqlstate}]" if error.sqlstate else ""
        return QueryError(
            f"PostgreSQL statement failed{code}: {detail} (in: {first})", error.diag.message_hint
        )

    def read_only_query(self, sql: str) -> QueryResult:
        """In a READ ONLY transaction, rolled back; sent as a prepared statement, so the
        server takes exactly one statement (no ``COMMIT; …`` out of the transaction)."""
        self.execute(transaction.BEGIN_READ_ONLY)
        try:
            self.trace(sql)
            cursor = self.con.execute(sql, prepare=True)
            columns = [c.name for c in cursor.description or ()]
            return QueryResult(columns, cursor.fetchall() if columns else [])
        except psycopg.Error as e:
            if self._con is not None and self._con.closed:
                raise self.statement_error(e, sql, "query") from e
            detail = engine_message(e)
            if e.sqlstate == pgerrors.ReadOnlySqlTransaction.sqlstate:
                raise refused_write(self.describe(), detail) from e
            if "multiple commands" in detail:
                raise one_statement(f"PostgreSQL says: {detail}") from e
            raise QueryError(
                f"PostgreSQL query failed on {self.describe()} [{e.sqlstate}]: {detail}",
                e.diag.message_hint
                or "Check the SQL (`sparkify sql --target postgres ddl` lists the tables).",
            ) from e
        finally:
            self.rollback()

    def begin(self) -> None:
        self._forget_mirror()
        self._column_types = None
        self._truncated = set()
        self.execute(transaction.BEGIN)

    def commit(self) -> None:
        self.execute(transaction.COMMIT)
        self._forget_mirror()

    def rollback(self) -> None:
        self._writer.cancel(self._interrupt)
        self._forget_mirror()
        if self._con is None or self._con.closed:
            return
        with contextlib.suppress(psycopg.Error, TargetError):
            self._send(transaction.ROLLBACK)

    def _forget_mirror(self) -> None:
        if self._mirror is not None:
            with contextlib.suppress(QueryError):
                self._mirror.drop()
        self._mirror = None

    def lock(self, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the schema's advisory lock until the end of the transaction: at once, else
        waiting up to ``lock_timeout`` seconds (telling ``on_wait``), else ``BusyError``."""
        key = lock_key(self.schema)
        if self.scalar(psql.TRY_LOCK, [key]):
            return
        if self.lock_timeout > 0:
            if on_wait is not None:
                on_wait(
                    f"Another sparkify run is loading schema {self.schema} of "
                    f"{self.describe()}; waiting up to {self.lock_timeout:g} s for it to finish."
                )
            millis = str(max(1, round(self.lock_timeout * 1000)))
            previous = self.scalar(psql.LOCK_TIMEOUT)
            try:
                self._send(psql.SET_LOCK_TIMEOUT, [millis])
                self._send(psql.LOCK, [key])
                self._send(psql.SET_LOCK_TIMEOUT, [previous])
                return
            except pgerrors.LockNotAvailable:
                pass
            except psycopg.Error as e:
                raise self.statement_error(e, psql.LOCK, "statement") from e
        raise BusyError(
            f"Another sparkify run is loading schema {self.schema} of {self.describe()}.",
            "Wait for it to finish (or pass --lock-timeout SECONDS to wait for it).",
        )

    def table_names(self) -> set[str]:
        return {r[0] for r in self.query(psql.TABLE_NAMES, [self.schema])}

    # -- bulk load ---------------------------------------------------------------------------

    def parser_connection(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB (``memory_limit``, ``threads``) owned by this target; beyond
        the memory limit it spills to a private temporary folder."""
        if self._duck is None:
            self._spill = tempfile.mkdtemp(prefix="sparkify-pg-")
            config: dict[str, str | bool | int | float | list[str]] = {
                "memory_limit": self.memory_limit,
                "preserve_insertion_order": False,
                "temp_directory": self._spill,
            }
            if self.threads:
                config["threads"] = self.threads
            self._duck = duckdb.connect(":memory:", config=config)
        return self._duck

    def _binary(self, table: Table, columns: Sequence[str]) -> bool:
        """Whether ``columns`` of ``table`` have, in the warehouse, the types the binary COPY
        data is written for (the model's); if someone changed one, CSV, which PostgreSQL
        converts. The types are read once per transaction, in the caller's thread."""
        if self._column_types is None:
            rows = self.query(psql.COLUMN_TYPES, [self.schema])
            self._column_types = {(r[0], r[1]): r[2] for r in rows}
        found = [self._column_types.get((table.name, c)) for c in columns]
        return binary_types_match([table.column(c).type for c in columns], found)

    def _truncate(self, table: Table) -> None:
        """Empty ``table``; COPYs into it later in this transaction write frozen rows."""
        self.execute(self.renderer.macro_clear(self.renderer.quote(table.name)))
        self._truncated.add(table.name)

    def _copy_statement(self, table: Table, columns: Sequence[str], binary: bool) -> str:
        freeze = table.name in self._truncated
        return self.renderer.copy_from_stdin(table, columns, binary=binary, freeze=freeze)

    def _copy(
        self,
        table: Table,
        columns: Sequence[str],
        batches: Iterable[pa.RecordBatch],
        binary: bool,
        statement: str,
    ) -> None:
        chunks = (
            binary_chunks(batches, [table.column(c).type for c in columns])
            if binary
            else csv_chunks(batches)
        )
        try:
            # psycopg sends from a thread of its own while the next chunk is built
            with (
                self.con.cursor() as cur,
                cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy,
            ):
                for chunk in chunks:
                    copy.write(chunk)
        except psycopg.Error as e:
            raise self.statement_error(e, f"COPY {table.name}", "statement") from e

    def copy_batches(
        self, table: Table, columns: Sequence[str], batches: Iterable[pa.RecordBatch]
    ) -> None:
        """Stream Arrow ``batches`` (with ``columns``, in order) into ``table`` with one COPY,
        now."""
        self._writer.drain()
        binary = self._binary(table, columns)
        statement = self._copy_statement(table, columns, binary)
        self.trace(statement)
        self._copy(table, columns, batches, binary, statement)

    def _copy_later(
        self,
        table: Table,
        columns: Sequence[str],
        batches: Callable[[], AbstractContextManager[Iterable[pa.RecordBatch]]],
    ) -> None:
        """Queue one COPY on the writer; ``batches`` opens the rows when the COPY runs."""
        binary = self._binary(table, columns)
        statement = self._copy_statement(table, columns, binary)
        self.trace(statement)

        def job() -> None:
            with batches() as rows:
                self._copy(table, columns, rows, binary, statement)

        self._writer.submit(job)

    def _kept(self, con: duckdb.DuckDBPyConnection) -> StagingMirror:
        """The run's kept rows, made at the transaction's first staged batch: complete (a
        mirror of all staging) when the warehouse's staging is empty then."""
        if self._mirror is None:
            empty = self.scalar(psql.STAGING_EMPTY)
            self._mirror = StagingMirror(con, complete=bool(empty))
            if empty:  # emptied in this transaction, so that its rows are loaded frozen
                self._run_steps(psql.clear_staging())
        return self._mirror

    def stage(self, files: list[FileData], event_base: int) -> StagedBatch:
        """Parse ``files`` on the client's DuckDB, keep the batch's rows there and queue their
        COPY: the writer streams them from there while the parser goes on with the next
        batch."""
        parsed = stage_batch(self.parser_connection(), files, event_base)
        kept = self._kept(parsed.con)
        for part in parsed.parts:
            if part.count:
                number = kept.append(part.table, part.relation)
                rows = functools.partial(kept.batch, part.table, number, COPY_BATCH_ROWS)
                self._copy_later(part.table, part.table.column_names, rows)
        return parsed.staged()

    def insert_rows(self, table: Table, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        columns = [c for c in table.column_names if c in rows.column_names]
        batches = rows.select(columns).to_batches(COPY_BATCH_ROWS)
        self._copy_later(table, columns, lambda: contextlib.nullcontext(batches))

    def rebuild_star(self, on_start: Callable[[int], None], on_step: Callable[[], None]) -> None:
        """When this run kept a copy of all staging in the client (a first load, a full
        refresh), the star is built there and copied in (see :mod:`.client_build`); else
        in the warehouse."""
        mirror = self._mirror
        if mirror is None or not mirror.complete:
            super().rebuild_star(on_start, on_step)
            return
        on_start(len(mirror.steps) + 1)
        mirror.build_star(on_step)
        self._load_star(mirror)
        on_step()

    def _load_star(self, mirror: StagingMirror) -> None:
        """Load the mirror's star rows with :func:`sparkify.sql.postgres.load_star`: each
        table's primary key dropped, the table emptied and its rows copied in (frozen: emptied
        in this transaction), then the keys added back."""
        steps = psql.load_star(self.renderer)
        self._run_steps(steps, lambda table: mirror.rows(table, COPY_BATCH_ROWS))

    def _run_steps(
        self,
        steps: Sequence[psql.Step],
        rows: Callable[[Table], Iterable[pa.RecordBatch]] | None = None,
    ) -> None:
        """Run the steps of a bulk load (:mod:`sparkify.sql.postgres`); a COPY streams
        ``rows(table)``."""
        for step in steps:
            if isinstance(step, psql.Clear):
                self._truncate(step.table)
            elif isinstance(step, psql.CopyIn):
                if rows is None:
                    raise TypeError(f"no rows for the COPY into {step.table.name}")
                self.copy_batches(step.table, step.table.column_names, rows(step.table))
            else:
                self.execute(step)

    def prepare_transform(self, *, full: bool) -> None:
        """Refresh the statistics (ANALYZE) of the staging columns the transform filters and
        joins on: rows loaded in this transaction have no statistics yet, and the planner's
        guess without them (a few rows) could choose a nested-loop plan. Half the cost of a
        full ANALYZE. Before a rebuild, drop the star's primary keys: one index build
        afterwards costs a fraction of maintaining the index row by row."""
        for table, columns in _PLANNED_COLUMNS:
            self.execute(self.renderer.analyze(table, columns))
        if full:
            self._run_steps(psql.drop_primary_keys(self.renderer))

    def finish_transform(self, *, full: bool) -> None:
        """After a rebuild, the primary keys back: one sorted index build each, which also
        checks them and gives the planner the tables' row counts."""
        if full:
            self._run_steps(psql.add_primary_keys(self.renderer))

    def delete_files(self, paths: Sequence[str], *, manifest_only: bool = False) -> None:
        """Also from the client's copy of staging, if the run keeps one."""
        if paths and self._mirror is not None and not manifest_only:
            self._mirror.delete_files(paths)
        super().delete_files(paths, manifest_only=manifest_only)

    def delete_rows(self, tables: Sequence[Table], paths: Sequence[str]) -> None:
        for t in tables:
            self.execute(psql.delete_paths(self.renderer, t), [list(paths)])
