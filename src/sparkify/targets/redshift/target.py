"""Amazon Redshift: loads by ``COPY`` from S3 with an IAM role, never by INSERT of rows.

Records are uploaded to the ``s3_staging`` prefix (evenly sized gzip parts) and COPYed by the
cluster, which types them; see :mod:`sparkify.targets.redshift.load`. Bookkeeping rows
(manifest, load errors) go the same way. ``redshift_connector`` is imported only when a
connection is opened. The connection runs in autocommit mode and sparkify sends BEGIN, COMMIT
and ROLLBACK itself, so the tracer sees every statement of a run, transaction included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from sparkify.aws import aws_client
from sparkify.config import Settings
from sparkify.dialects import Dialect
from sparkify.errors import ConfigError, QueryError, TargetError
from sparkify.schema.model import MANIFEST, Table
from sparkify.schema.render import RedshiftRenderer, check_identifier
from sparkify.sql import records as records_sql
from sparkify.sql import redshift as rsql
from sparkify.sql import transaction
from sparkify.targets.base import (
    ParamStyle,
    QueryResult,
    Target,
    Tracer,
    engine_message,
    one_statement,
    refused_write,
)
from sparkify.targets.redshift.auth import ConnectParams, RedshiftUrl, connect_params
from sparkify.targets.redshift.load import stage_on_redshift
from sparkify.targets.redshift.records import line_buffer
from sparkify.targets.redshift.upload import StagingArea, part_count, split_even

if TYPE_CHECKING:
    from sparkify.batch import FileData, StagedBatch

Connector = Callable[[ConnectParams], Any]
"""Opens a DB-API connection for the given parameters (default: ``redshift_connector``)."""

DELETE_CHUNK = 1000
DEFAULT_SLICES = 4
#: Text of a bookkeeping row is cut to this many characters before upload: no more than COPY
#: keeps of a VARCHAR(65535) (TRUNCATECOLUMNS), and short enough that a row, JSON-escaped,
#: stays far under COPY's limit on one JSON object (a load_errors raw_text can be 4 MB).
BOOKKEEPING_TEXT_CHARS = 65_535


def redshift_connector_connect(params: ConnectParams) -> Any:
    """Open a connection with ``redshift_connector``."""
    try:
        import redshift_connector
    except ModuleNotFoundError as e:
        raise TargetError(
            "redshift_connector is not installed.",
            "Install the AWS extra: pip install 'sparkify[aws]'.",
        ) from e
    return redshift_connector.connect(
        host=params.host,
        port=params.port,
        database=params.database,
        user=params.user,
        password=params.password,
        ssl=params.ssl,
        timeout=30,
    )


def _cluster_staging(settings: Settings) -> str | None:
    """The staging location of ``[cluster]`` (``staging_bucket``/``staging_prefix``): the
    place ``infra up`` let the cluster's COPY role read, used when ``s3_staging`` is unset."""
    from sparkify.infra.settings import load_cluster_settings, split_s3_location

    config = Path(settings.config_file) if settings.config_file else None
    cluster = load_cluster_settings(config)
    if not cluster.staging_bucket:
        return None
    bucket, _ = split_s3_location(cluster.staging_bucket)
    return f"s3://{bucket}/{cluster.staging_prefix.strip('/')}"


def _driver_errors() -> tuple[type[Exception], ...]:
    from redshift_connector.error import Error

    return (Error,)


def _lost_connection(e: Exception) -> bool:
    """Whether the driver says the connection is gone (``redshift_connector`` raises
    InterfaceError for a socket the server closed, a broken pipe or a closed connection)."""
    from redshift_connector.error import InterfaceError

    return isinstance(e, InterfaceError)


def _epoch_millis(rows: pa.Table) -> pa.Table:
    """``rows`` with timestamps as epoch milliseconds, as COPY's TIMEFORMAT reads them."""
    for i, column in enumerate(rows.schema):
        if pa.types.is_timestamp(column.type):
            ms = rows.column(i).cast(pa.timestamp("ms"), safe=False).cast(pa.int64())
            rows = rows.set_column(i, column.name, ms)
    return rows


class RedshiftTarget(Target):
    """A Redshift database reached with ``redshift_connector`` (password, Secrets Manager or
    IAM authentication, see :mod:`sparkify.targets.redshift.auth`)."""

    dialect = Dialect.REDSHIFT
    param_style = ParamStyle.FORMAT_OUTSIDE_QUOTES

    def __init__(
        self,
        url: str,
        settings: Settings,
        *,
        tracer: Tracer | None = None,
        connector: Connector | None = None,
    ) -> None:
        super().__init__(tracer)
        self.renderer: RedshiftRenderer = RedshiftRenderer()
        self.url = RedshiftUrl.parse(url)
        self.settings = settings
        self.schema = check_identifier(settings.schema, "schema name")
        self._connector = connector or redshift_connector_connect
        self._con: Any = None
        self._params: ConnectParams | None = None
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._area: StagingArea | None = None
        self._slices: int | None = None
        self._options: rsql.CopyOptions | None = None
        self._batches = 0
        self._uploads = 0
        self._created_manifest = False
        self._discard = False

    def describe(self) -> str:
        scheme = "redshift+iam" if self.url.iam_form else "redshift"
        user = f"{self.url.user}@" if self.url.user else ""
        return f"{scheme}://{user}{self.url.host}:{self.url.port}/{self.url.database}"

    # -- connection --------------------------------------------------------------------------

    def connect(self, *, read_only: bool = False, create: bool = True) -> None:
        self._params = connect_params(self.url, self.settings)
        try:
            self._con = self._connector(self._params)
            self._con.autocommit = True
        except _driver_errors() as e:
            raise TargetError(
                f"Cannot connect to Redshift at {self._params.describe()}: {e}",
                "Is the cluster available (`sparkify infra status`), does its security group "
                "allow your address, and are the user and password right?",
            ) from e
        if self.schema != "public":
            self.execute(self.renderer.search_path(self.schema))

    def close(self) -> None:
        if self._con is not None and self._discard and self._created_manifest:
            with contextlib.suppress(TargetError):  # the empty table begin() made
                self.execute(self.renderer.drop_table(MANIFEST))
        if self._con is not None:
            try:
                self._con.close()
            except _driver_errors():
                pass
            self._con = None
        if self._duck is not None:
            self._duck.close()
            self._duck = None

    def _cursor(self) -> Any:
        if self._con is None:
            raise TargetError("The Redshift target is not connected.")
        return self._con.cursor()

    def driver_errors(self) -> tuple[type[Exception], ...]:
        return _driver_errors()

    def statement_error(self, error: Exception, sql: str, what: str) -> TargetError:
        """A lost connection as a TargetError, else a QueryError quoting the statement."""
        if _lost_connection(error):
            return TargetError(
                f"Lost the connection to Redshift at {self.describe()}: {error}",
                "Check the cluster (`sparkify infra status`) and the network, then run again: "
                "nothing of this run was committed.",
            )
        return QueryError(f"Redshift {what} failed: {error} (in: {' '.join(sql.split())[:80]})")

    def _driver_execute(self, sql: str, params: Sequence[Any]) -> None:
        cursor = self._cursor()
        try:
            cursor.execute(sql, list(params) if params else None)
        finally:
            cursor.close()

    def _driver_query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self._cursor()
        try:
            cursor.execute(sql, list(params) if params else None)
            return [tuple(row) for row in cursor.fetchall() or ()]
        finally:
            cursor.close()

    def begin(self) -> None:
        """BEGIN, with the manifest table (what :meth:`lock` locks) made first when missing,
        in a statement of its own: then runs creating a new warehouse at the same moment queue
        on it too, instead of failing on each other's CREATE TABLE."""
        if MANIFEST.name not in self.table_names():
            try:
                self.execute(self.renderer.create_table(MANIFEST))
                self._created_manifest = True
            except QueryError:
                if MANIFEST.name not in self.table_names():
                    raise  # not made by a simultaneous run: a real failure
        self.execute(transaction.BEGIN)

    def commit(self) -> None:
        self.execute(transaction.COMMIT)

    def discard_on_close(self) -> None:
        self._discard = True

    def read_only_query(self, sql: str) -> QueryResult:
        """In a ``BEGIN READ ONLY`` transaction, rolled back. ``redshift_connector`` sends
        every statement as a prepared statement: the server takes exactly one."""
        self.execute(transaction.BEGIN_READ_ONLY)
        cursor = self._cursor()
        try:
            self.trace(sql)
            cursor.execute(sql)
            columns = [str(d[0]) for d in cursor.description or ()]
            rows = [tuple(r) for r in cursor.fetchall() or ()] if columns else []
            return QueryResult(columns, rows)
        except _driver_errors() as e:
            if _lost_connection(e):
                raise self.statement_error(e, sql, "query") from e
            detail = engine_message(e)
            if "read-only" in detail:
                raise refused_write(self.describe(), detail) from e
            if "multiple commands" in detail:
                raise one_statement(f"Redshift says: {detail}") from e
            raise QueryError(
                f"Redshift query failed on {self.describe()}: {detail}",
                "Check the SQL (`sparkify sql --target redshift ddl` lists the tables).",
            ) from e
        finally:
            cursor.close()
            self.rollback()

    def rollback(self) -> None:
        if self._con is None:
            return
        with contextlib.suppress(TargetError):
            self.execute(transaction.ROLLBACK)

    def lock(self, on_wait: Callable[[str], None] | None = None) -> None:
        """Lock the manifest table (LOCK) until the transaction ends, so a second run waits for
        the first instead of failing on a serializable-isolation conflict half-way. It must be
        the transaction's first statement: Redshift takes the transaction's snapshot at its
        first SELECT, DML or DDL, and a run that took it before waiting would read the
        manifest as it was before the run it waited for. Redshift's LOCK has no timeout:
        runs always queue."""
        self.execute(rsql.lock(self.renderer, MANIFEST))

    def table_names(self) -> set[str]:
        return {str(r[0]) for r in self.query(rsql.TABLE_NAMES, [self.schema])}

    def parser_connection(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            self._duck = duckdb.connect(
                ":memory:", config={"memory_limit": self.settings.memory_limit}
            )
        return self._duck

    # -- staging in S3 -----------------------------------------------------------------------

    def staging_area(self) -> StagingArea:
        """This connection's folder under ``s3_staging`` (made on first use)."""
        if self._area is None:
            root = self.settings.s3_staging or _cluster_staging(self.settings)
            if not root:
                raise ConfigError(
                    "A Redshift target loads from S3, but no staging prefix is set.",
                    "Set s3_staging = 's3://BUCKET/PREFIX' in sparkify.toml "
                    "(or SPARKIFY_S3_STAGING), or staging_bucket in its [cluster] table.",
                )
            self._area = StagingArea(aws_client("s3", self.settings, max_pool=16), root)
        return self._area

    def copy_options(self) -> rsql.CopyOptions:
        """The IAM role, region and MAXERROR every COPY of this run uses."""
        if self._options is not None:
            return self._options
        role = self.url.iam_role or self.settings.iam_role
        if not role:
            raise ConfigError(
                "Redshift COPY needs an IAM role that the cluster can assume to read S3.",
                "Set iam_role in sparkify.toml (SPARKIFY_IAM_ROLE) or ?iam_role= in the URL; "
                "`sparkify infra up` creates one.",
            )
        if not rsql.valid_role(role):
            raise ConfigError(
                f"iam_role '{role}' is not an IAM role ARN.", "arn:aws:iam::123456789012:role/NAME"
            )
        region = self.staging_area().region(self.url.query.get("region") or self.settings.region)
        self._options = rsql.CopyOptions.for_run(role, region, self.settings.max_errors)
        return self._options

    def slices(self) -> int:
        """The cluster's slice count (parts are a multiple of it)."""
        if self._slices is None:
            self._slices = int(self.scalar(rsql.SLICES) or 0) or DEFAULT_SLICES
        return self._slices

    def upload_lines(
        self, stem: str, data: memoryview, ends: np.ndarray
    ) -> tuple[list[str], list[tuple[int, int]]]:
        """Upload newline-terminated records (``data``, each ending at ``ends``) as evenly
        sized gzip parts; returns the part URLs and the row range each holds."""
        ranges = split_even(ends, part_count(int(ends[-1]), len(ends), self.slices()))
        spans = [(int(ends[a - 1]) if a else 0, int(ends[b - 1])) for a, b in ranges]
        return self.staging_area().put_parts(stem, data, spans), ranges

    def stage(self, files: list[FileData], event_base: int) -> StagedBatch:
        """Stage ``files`` by COPY from S3 (see :mod:`.load`); ``event_base`` is not used:
        the staging tables' identity column numbers the events."""
        self.staging_area()  # its settings are checked before anything is parsed or sent
        self._batches += 1
        return stage_on_redshift(self, files, self._batches)

    def insert_rows(self, table: Table, rows: pa.Table) -> None:
        """Bulk-append ``rows`` by COPY from S3 (JSON lines, 'auto' column matching) into a
        temporary load table, then ``INSERT … SELECT`` (``rsql.append_rows``)."""
        if rows.num_rows == 0:
            return
        con = self.parser_connection()
        con.register(records_sql.ROWS_ARROW, _epoch_millis(rows))
        columns = [
            (f.name, pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
            for f in rows.schema
        ]
        try:
            json_lines = records_sql.json_lines(columns, BOOKKEEPING_TEXT_CHARS)
            lines = con.sql(json_lines).to_arrow_table()
        finally:
            con.unregister(records_sql.ROWS_ARROW)
        self._uploads += 1
        stem = f"r{self._uploads:03d}-{table.name}"
        data, ends = line_buffer(lines.column("line"))
        area = self.staging_area()
        try:
            urls, _ = self.upload_lines(stem, data, ends)
            manifest_url = area.put(f"{stem}.manifest", rsql.manifest(urls).encode())
            cols = tuple(rows.column_names)
            options = self.copy_options()
            for sql in rsql.append_rows(self.renderer, table, cols, manifest_url, options):
                self.execute(sql)
        finally:
            area.clean()

    def delete_rows(self, tables: Sequence[Table], paths: Sequence[str]) -> None:
        for start in range(0, len(paths), DELETE_CHUNK):
            chunk = list(paths[start : start + DELETE_CHUNK])
            for t in tables:
                self.execute(rsql.delete_paths(self.renderer, t, len(chunk)), chunk)
