"""The embedded default target: a DuckDB database file."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from sparkify.arrow_sql import execute_on_arrow
from sparkify.dialects import Dialect
from sparkify.errors import BusyError, QueryError, TargetError
from sparkify.schema.model import MANIFEST, Table
from sparkify.sql import duckdb as dsql
from sparkify.sql import run as run_sql
from sparkify.sql import transaction
from sparkify.staging.parse import stage_batch
from sparkify.targets.base import (
    QueryResult,
    Target,
    Tracer,
    engine_message,
    one_statement,
    refused_write,
)

if TYPE_CHECKING:
    from sparkify.batch import FileData, StagedBatch

_LOCK_WORDS = ("Could not set lock", "Conflicting lock")
#: Words of DuckDB errors that mean the file system refused a write (not a bad statement).
_WRITE_WORDS = (
    "Could not write file",
    "No space left on device",
    "File too large",
    "Read-only file system",
    "Disk quota exceeded",
)


def duckdb_path(url: str) -> str:
    """The database path of a ``duckdb:///`` URL (``:memory:`` allowed)."""
    if not url.startswith("duckdb:///"):
        raise TargetError(
            f"Not a DuckDB URL: {url}",
            "Use duckdb:///relative.duckdb or duckdb:////absolute/path.duckdb.",
        )
    path = url[len("duckdb:///") :]
    if not path:
        raise TargetError(
            f"The DuckDB URL {url} names no file.", "Example: duckdb:///sparkify.duckdb"
        )
    return path


def _without_vacuum(con: duckdb.DuckDBPyConnection) -> None:
    """Checkpoints do not merge partly filled row groups. Each batch's append leaves some
    (one per thread and table), and merging them rewrote the staging rows at COMMIT: 1.4 s of
    a 2 M-event load, and twice the file (docs/performance.md). Deleted rows are then not
    compacted; a row group whose rows are all deleted is still dropped, which is every delete
    of a full refresh or rebuild. A DuckDB without the setting keeps its default."""
    with contextlib.suppress(duckdb.Error):
        con.execute(dsql.NO_VACUUM)


class DuckDBTarget(Target):
    """A DuckDB file; the staging parser runs on the same connection (zero copy)."""

    dialect = Dialect.DUCKDB
    incremental_transform = True
    DRIVER_ERRORS = (duckdb.Error,)

    def __init__(
        self,
        url: str,
        *,
        memory_limit: str = "1GB",
        threads: int | None = None,
        lock_timeout: float = 0.0,
        tracer: Tracer | None = None,
    ) -> None:
        super().__init__(tracer)
        self.url = url
        self.path = duckdb_path(url)
        self.memory_limit = memory_limit
        self.threads = threads
        self.lock_timeout = lock_timeout
        self._con: duckdb.DuckDBPyConnection | None = None
        self._read_only = False
        self._created = False
        self._discard = False

    def describe(self) -> str:
        return self.url

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open connection."""
        if self._con is None:
            raise TargetError("The DuckDB target is not connected.")
        return self._con

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": self.memory_limit,
            "preserve_insertion_order": False,
        }
        if self.threads:
            config["threads"] = self.threads
        if read_only:  # reading the warehouse needs no other file: no COPY TO, no read_csv
            config["enable_external_access"] = False
        con = duckdb.connect(self.path, read_only=read_only, config=config)
        if not read_only:
            _without_vacuum(con)
        return con

    def connect(self, *, read_only: bool = False, create: bool = True) -> None:
        self._read_only = read_only
        if self.path != ":memory:":
            file = Path(self.path)
            if (read_only or not create) and not file.exists():
                raise TargetError(
                    f"The warehouse {file} does not exist.",
                    "Create it with `sparkify run` (tables and data) or `sparkify create-tables`, "
                    "or check --target.",
                )
            if not file.parent.is_dir():
                raise TargetError(
                    f"Folder {file.parent} for the warehouse {file.name} does not exist.",
                    "Create it or choose another --target.",
                )
            self._created = not file.exists()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                self._con = self._open(read_only)
                return
            except duckdb.IOException as e:
                if any(w in str(e) for w in _LOCK_WORDS):
                    if time.monotonic() < deadline:
                        time.sleep(0.2)
                        continue
                    raise BusyError(
                        f"The warehouse {self.path} is in use by another process.",
                        "Wait for the other sparkify run to finish "
                        "(or pass --lock-timeout SECONDS).",
                    ) from e
                raise TargetError(f"Cannot open {self.path}: {e}") from e
            except duckdb.Error as e:
                raise TargetError(f"Cannot open {self.path}: {e}", "Is it a DuckDB file?") from e

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._discard and self._created:
            for leftover in (Path(self.path), Path(f"{self.path}.wal")):
                leftover.unlink(missing_ok=True)
            self._created = False

    def discard_on_close(self) -> None:
        self._discard = True

    def read_only_query(self, sql: str) -> QueryResult:
        """On the read-only connection (DuckDB refuses every write to the file)."""
        if not self._read_only:
            raise TargetError("`sparkify query` needs a read-only DuckDB connection.")
        try:
            statements = self.con.extract_statements(sql)
            if len(statements) != 1:
                raise one_statement(f"this SQL holds {len(statements)}")
            self.trace(sql)
            cursor = self.con.execute(statements[0])
            columns = [d[0] for d in cursor.description or ()]
            return QueryResult(columns, cursor.fetchall() if columns else [])
        except duckdb.Error as e:
            detail = engine_message(e)
            if "read-only mode" in detail:
                raise refused_write(self.describe(), detail) from e
            if "file system operations are disabled" in detail:
                raise QueryError(
                    f"`sparkify query` reads the warehouse only, no other file: {detail}",
                    "Query the warehouse's tables; to save a result, use --format csv or json "
                    "and redirect the output (> result.csv).",
                ) from e
            raise QueryError(
                f"DuckDB query failed on {self.describe()}: {detail}",
                "Check the SQL (`sparkify sql ddl` lists the tables and columns).",
            ) from e

    def statement_error(self, error: Exception, sql: str, what: str) -> TargetError:
        """A write failure of the file (disk full, read-only) as a TargetError, else a
        QueryError."""
        if any(w in str(error) for w in _WRITE_WORDS):
            return TargetError(
                f"Cannot write the warehouse {self.path}: {error}",
                "Free disk space (or make the file writable), then run again: nothing of this "
                "run was committed.",
            )
        return QueryError(f"DuckDB {what} failed: {error}")

    def _driver_execute(self, sql: str, params: Sequence[Any]) -> None:
        self.con.execute(sql, list(params))

    def _driver_query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def _driver_columns(self, sql: str, width: int) -> list[list[Any]]:
        """Through Arrow: the values become Python objects a column at a time, in C."""
        table = self.con.sql(sql).to_arrow_table()
        return [column.to_pylist() for column in table.columns]

    def begin(self) -> None:
        self.execute(transaction.BEGIN_TRANSACTION)

    def commit(self) -> None:
        self.execute(transaction.COMMIT)

    def rollback(self) -> None:
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.rollback()

    def table_names(self) -> set[str]:
        return {r[0] for r in self.query(dsql.TABLE_NAMES)}

    def _execute_on_arrow(self, name: str, rows: pa.Table, sql: str) -> list[tuple[Any, ...]]:
        self.trace(sql)
        try:
            return execute_on_arrow(self.con, name, rows, sql)
        except self.DRIVER_ERRORS as e:
            raise self.statement_error(e, sql, "statement") from e

    def files_to_read(self, listing: pa.Table) -> list[tuple[Any, ...]]:
        """Joined next to the manifest, on the warehouse's connection: only the files to read
        come back, not the manifest."""
        sql = run_sql.files_to_read(self.renderer.quote(MANIFEST.name))
        return self._execute_on_arrow(run_sql.LISTING_ARROW, listing, sql)

    def stage(self, files: list[FileData], event_base: int) -> StagedBatch:
        """Parse ``files`` on the warehouse's own connection and append the rows."""
        parsed = stage_batch(self.con, files, event_base)
        for rows in parsed.parts:
            if rows.count:
                self.execute(dsql.append(self.renderer, rows.table, rows.relation))
        return parsed.staged()

    def insert_rows(self, table: Table, rows: pa.Table) -> None:
        append = dsql.append(self.renderer, table, dsql.ROWS_ARROW)
        self._execute_on_arrow(dsql.ROWS_ARROW, rows, append)

    def delete_rows(self, tables: Sequence[Table], paths: Sequence[str]) -> None:
        rows = pa.table({"path": pa.array(list(paths), pa.string())})
        self._execute_on_arrow(dsql.PATHS_ARROW, rows, dsql.KEEP_PATHS)
        for t in tables:
            self.execute(dsql.delete_paths(self.renderer, t))
        self.execute(dsql.DROP_PATHS)
