"""A copy of the warehouse's staging rows in the client's DuckDB, for a run that loads a
warehouse whose staging tables were empty (a first load, a full refresh).

Every staged row passes through the client's DuckDB parser anyway; kept there as well, the star
schema is rebuilt by DuckDB with the DuckDB rendering of the same transform SQL and copied into
the warehouse in bulk, instead of PostgreSQL inserting every star row one by one with
``INSERT … SELECT`` (several times slower). Runs that add files to a loaded warehouse, or reload
changed files, transform in the warehouse as before. DuckDB and PostgreSQL give the same rows
for the same staging (DESIGN.md §3, invariant 5; the tests compare both paths).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa

from sparkify.arrow_sql import execute_on_arrow
from sparkify.errors import QueryError
from sparkify.schema.model import LOAD_ERRORS, STAGING_TABLES, STAR_TABLES, Table
from sparkify.schema.render import DuckDBRenderer
from sparkify.sql import statements


class StagingMirror:
    """Staging and star tables in ``con`` (the target's private in-memory DuckDB)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.renderer = DuckDBRenderer()
        #: The statements that rebuild the star here (DuckDB's rendering of transform.sql).
        self.steps = statements("transform", self.renderer)
        for table in STAGING_TABLES + STAR_TABLES:
            self._execute(self.renderer.drop_table(table))
            self._execute(self.renderer.create_table(table))

    def _execute(self, sql: str, params: Sequence[object] = ()) -> None:
        try:
            self.con.execute(sql, list(params))
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e

    def append(self, table: Table, rows: pa.Table) -> None:
        """Add staged ``rows`` (every column of ``table``, in order); load errors are not
        kept, as the star does not depend on them."""
        if table is LOAD_ERRORS or rows.num_rows == 0:
            return
        sql = f"INSERT INTO {self.renderer.quote(table.name)} SELECT * FROM _mirror_rows"
        try:
            execute_on_arrow(self.con, "_mirror_rows", rows, sql)
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e

    def delete_files(self, paths: Sequence[str]) -> None:
        """Delete the staging rows of ``paths``, as the warehouse does."""
        for table in STAGING_TABLES:
            self._execute(
                f"DELETE FROM {self.renderer.quote(table.name)} WHERE source_file IN "
                f"(SELECT unnest(?::VARCHAR[]))",
                [list(paths)],
            )

    def build_star(self, on_step: Callable[[], None]) -> None:
        """Rebuild the star tables here from the mirrored staging, one of :attr:`steps` at a
        time (``on_step`` is called after each)."""
        for stmt in self.steps:
            self._execute(stmt.sql)
            on_step()

    def rows(self, table: Table, batch_rows: int) -> pa.RecordBatchReader:
        """The rows of star ``table``, streamed in record batches."""
        cols = ", ".join(self.renderer.quote(c) for c in table.column_names)
        try:
            return self.con.sql(
                f"SELECT {cols} FROM {self.renderer.quote(table.name)}"
            ).to_arrow_reader(batch_rows)
        except duckdb.Error as e:
            raise QueryError(f"DuckDB (the client's copy of staging) failed: {e}") from e

    def drop(self) -> None:
        """Free the mirrored rows."""
        for table in STAGING_TABLES + STAR_TABLES:
            self._execute(self.renderer.drop_table(table))
