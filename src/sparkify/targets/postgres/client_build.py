"""The run's staged rows, kept in the client's DuckDB: what a PostgreSQL run sends, and, for a
run that loads a warehouse whose staging tables were empty (a first load, a full refresh), a
complete copy of staging to build the star from.

Every staged row passes through the client's DuckDB parser anyway. Appended here batch by
batch, each batch is streamed into COPY by the target's background writer (through a cursor of
its own, while the parser goes on with the next batch). When the copy is complete, the star
schema is rebuilt here with the DuckDB rendering of the same transform SQL and copied into the
warehouse in bulk, instead of PostgreSQL inserting every star row one by one with
``INSERT … SELECT`` (several times slower). Runs that add files to a loaded warehouse, or reload
changed files, transform in the warehouse. DuckDB and PostgreSQL give the same rows for the
same staging (the same answer everywhere; the tests compare both paths).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from sparkify.errors import QueryError
from sparkify.schema.model import LOAD_ERRORS, STAGING_TABLES, STAR_TABLES, Table
from sparkify.schema.render import DuckDBRenderer
from sparkify.sql import client_build as sql
from sparkify.sql import statements

#: The tables whose rows arrive batch by batch; each row carries its batch number.
BATCHED = (*STAGING_TABLES, LOAD_ERRORS)


class StagingMirror:
    """Staging, load-error and star tables in ``con`` (the target's private in-memory DuckDB).
    ``complete``: the warehouse's staging was empty when the run began, so these rows will be
    all of it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, complete: bool) -> None:
        self.con = con
        self.complete = complete
        self.renderer = DuckDBRenderer()
        #: The statements that rebuild the star here (DuckDB's rendering of transform.sql).
        self.steps = statements("transform", self.renderer)
        self._batches = 0
        for table in (*BATCHED, *STAR_TABLES):
            self._execute(self.renderer.drop_table(table))
            self._execute(self.renderer.create_table(table))
        for table in BATCHED:
            self._execute(sql.add_batch_column(self.renderer, table))

    def _execute(self, sql: str, params: Sequence[object] = ()) -> None:
        try:
            self.con.execute(sql, list(params))
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e

    def append(self, table: Table, relation: str) -> int:
        """Append the rows of ``relation`` (``table``'s columns) as a new batch; its number."""
        self._batches += 1
        self._execute(sql.append_batch(self.renderer, table, relation, self._batches))
        return self._batches

    @contextmanager
    def batch(self, table: Table, number: int, batch_rows: int) -> Iterator[pa.RecordBatchReader]:
        """The rows of batch ``number`` of ``table``, streamed through a cursor of their own
        (usable from another thread while the parser works on ``con``)."""
        cursor = self.con.cursor()
        try:
            yield cursor.sql(sql.batch_rows(self.renderer, table, number)).to_arrow_reader(
                batch_rows
            )
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e
        finally:
            cursor.close()

    def delete_files(self, paths: Sequence[str]) -> None:
        """Delete the staging rows of ``paths``, as the warehouse does."""
        for table in BATCHED:
            self._execute(sql.delete_paths(self.renderer, table), [list(paths)])

    def build_star(self, on_step: Callable[[], None]) -> None:
        """Rebuild the star tables here from the mirrored staging, one of :attr:`steps` at a
        time (``on_step`` is called after each)."""
        for stmt in self.steps:
            self._execute(stmt.sql)
            on_step()

    def rows(self, table: Table, batch_rows: int) -> pa.RecordBatchReader:
        """The rows of star ``table``, streamed in record batches."""
        try:
            return self.con.sql(sql.all_rows(self.renderer, table)).to_arrow_reader(batch_rows)
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e

    def drop(self) -> None:
        """Free the kept rows."""
        for table in (*BATCHED, *STAR_TABLES):
            self._execute(self.renderer.drop_table(table))
