"""A stand-in Redshift for tests: a real PostgreSQL database, plus COPY from (moto) S3.

Redshift is PostgreSQL's relative; what PostgreSQL lacks is emulated, narrowly:

- ``COPY … FROM 's3://…' … FORMAT AS JSON … MANIFEST GZIP``: the manifest, JSONPaths file and
  gzip parts are read back from S3 (moto) and the rows loaded with PostgreSQL's own COPY;
  records that cannot be typed go to ``sys_load_error_detail``. MAXERROR counts as Redshift
  counts, per COPY: the COPY fails when it refuses that number of records or more (MAXERROR 0:
  any refused record fails it), and nothing of it is loaded. ``file_name`` is character(256),
  as on Redshift: a longer part URL is stored cut.
- Redshift DDL: DISTSTYLE/DISTKEY/SORTKEY/ENCODE lines are dropped, and so are PRIMARY KEY
  constraints (Redshift declares but never enforces them), ``IDENTITY(1, 1)`` becomes
  an identity column; ``stv_slices`` and ``sys_load_error_detail`` are tables in a schema on
  the search path.
- VARCHAR columns ignore trailing spaces in comparisons, grouping and partitioning, as on
  Redshift (they are domains over ``bpchar``, see :meth:`EmulatedRedshift.varchar`).
- Transactions are SERIALIZABLE, Redshift's isolation: the snapshot is taken by the first
  SELECT, DML or DDL statement of a transaction, not by BEGIN or LOCK, and a write that
  conflicts with a concurrent transaction aborts it.
- COPY with STATUPDATE (ON or OFF) is refused unless the user owns the table or is a
  superuser, as on Redshift; users other than the database's owner may connect.
- A JSON object over 4 MB (taken as 4 MiB) fails the whole COPY, whatever MAXERROR says, as on
  Redshift (the words of the error are the stand-in's own).
- Faults look as ``redshift_connector`` shows them: a COPY whose S3 object is missing fails
  with an ``S3ServiceException`` error, a lost connection is an ``InterfaceError``, and a text
  value holding a NUL character is a load error (Redshift's COPY refuses NULs).

Everything else is sent to PostgreSQL unchanged; ``tests.redshift_fixtures.pg_c`` makes the
database. The database should use the C collation, as
Redshift compares text byte by byte. This is a test double for the cluster, not a model of it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions
import psycopg
import redshift_connector

from sparkify.schema.model import ALL_TABLES
from sparkify.targets.redshift.auth import ConnectParams

_OPTION_LINE = re.compile(
    r"^(DISTSTYLE \w+|DISTKEY\(.*\)|SORTKEY\(.*\)|ENCODE AUTO)$", re.MULTILINE
)
_COPY = re.compile(
    r'^COPY "(?P<table>\w+)" \((?P<cols>[^)]*)\)\nFROM \'(?P<manifest>[^\']+)\'\n'
    r"IAM_ROLE '(?P<role>[^']+)'\nFORMAT AS JSON '(?P<format>[^']+)'\n(?P<options>(?s:.*))$"
)
_PATH_PART = re.compile(r"\['([^']*)'\]")
_PRIMARY_KEY = re.compile(r",\n\s*PRIMARY KEY \([^)]*\)")
_VARCHAR_COLUMN = re.compile(r'^(\s+"\w+" )VARCHAR\((\d+)\)', re.MULTILINE)
_CREATE_TABLE = re.compile(r"^CREATE (TEMP )?TABLE ")
#: COPY's limit on one JSON object (copy-parameters-data-format.html, JSON: "4 MB").
MAX_JSON_OBJECT = 4 * 1024 * 1024
SETUP = """
CREATE SCHEMA IF NOT EXISTS redshift_sys;
CREATE TABLE IF NOT EXISTS redshift_sys.stv_slices (node INTEGER, slice INTEGER);
INSERT INTO redshift_sys.stv_slices SELECT 0, s FROM generate_series(0, 3) s
    WHERE NOT EXISTS (SELECT 1 FROM redshift_sys.stv_slices);
CREATE TABLE IF NOT EXISTS redshift_sys.sys_load_error_detail (
    query_id BIGINT, file_name CHAR(256), line_number BIGINT, column_name CHAR(127),
    error_message CHAR(512)
);
ALTER TABLE redshift_sys.sys_load_error_detail ADD COLUMN IF NOT EXISTS error_code INTEGER;
GRANT USAGE ON SCHEMA redshift_sys TO PUBLIC;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA redshift_sys TO PUBLIC;
"""
_OWNER = """
SELECT r.rolsuper OR c.relowner = r.oid
FROM pg_catalog.pg_class c, pg_catalog.pg_roles r
WHERE c.oid = to_regclass(%s) AND r.rolname = current_user
"""


class _Reject(Exception):
    def __init__(self, column: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.code = code  # Redshift's error code, where the stand-in knows it


def _s3_read(s3: Any, url: str) -> bytes:
    bucket, _, key = url[len("s3://") :].partition("/")
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def _value(obj: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _typed(value: Any, col: tuple[str, str, bool, int | None], truncate: bool) -> Any:
    name, kind, nullable, width = col
    if value is None:
        if not nullable:
            raise _Reject(name, "Missing data for not-null field")
        return None
    if kind in ("integer", "bigint"):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _Reject(name, f"Invalid digit, Value '{value}', Type: {kind}")
        try:
            number = int(value)
        except ValueError as e:
            raise _Reject(name, f"Invalid digit, Value '{value}', Type: {kind}") from e
        if kind == "integer" and not -(2**31) <= number < 2**31:
            raise _Reject(name, f"Overflow, Value '{value}', Type: {kind}")
        return number
    if kind.startswith("timestamp") and isinstance(value, int):  # TIMEFORMAT 'epochmillisecs'
        return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=value)
    if kind == "double precision":
        try:
            return float(value)
        except (TypeError, ValueError) as e:
            raise _Reject(name, f"Invalid digit, Value '{value}', Type: Double") from e
    if isinstance(value, dict | list):
        raise _Reject(name, "Invalid data: a JSON object or array for a character column")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if "\x00" in text:
        raise _Reject(name, "Invalid null byte - field longer than 1 byte")
    if width is not None and len(text.rstrip(" ").encode()) <= width < len(text.encode()):
        text = text.encode()[:width].decode()  # only spaces over it: cut (r_Character_types)
    if width is not None and len(text.encode()) > width:
        if not truncate:
            raise _Reject(name, "String length exceeds DDL length", 1204)
        text = text.encode()[:width].decode("utf-8", "ignore")
    return text


@dataclass
class EmulatedRedshift:
    """A DB-API connection with just what ``RedshiftTarget`` uses."""

    dsn: str
    s3: Any
    statements: list[str] = field(default_factory=list)
    parts: dict[str, list[int]] = field(default_factory=dict)  # table -> part sizes
    domains: set[str] = field(default_factory=set)  # VARCHAR(n) stand-ins known to exist
    autocommit: bool = True

    def varchar(self, width: int) -> str:
        """The stand-in's type for a VARCHAR(width) column: a domain over PostgreSQL's
        unbounded ``bpchar``, which, like Redshift's VARCHAR, keeps trailing spaces but ignores
        them when values are compared, grouped or partitioned (r_Character_types.html). Unlike
        Redshift, a cast to another string type drops them. Made once, on a connection of its
        own, so that no run's transaction writes the catalog."""
        name = f"redshift_sys.varchar_{int(width)}"
        if name not in self.domains:
            with psycopg.connect(self.dsn, autocommit=True) as own, own.transaction():
                own.execute("SELECT pg_advisory_xact_lock(5439)")
                if own.execute("SELECT to_regtype(%s)", [name]).fetchone() == (None,):
                    own.execute(
                        f"CREATE DOMAIN {name} AS bpchar CHECK (octet_length(VALUE) <= {width})"
                    )
            self.domains.add(name)
        return name

    def __post_init__(self) -> None:
        self.pg = psycopg.connect(self.dsn, autocommit=True)
        with self.pg.transaction():  # connections opened at the same moment set up one by one
            self.pg.execute("SELECT pg_advisory_xact_lock(5439)")
            if self.pg.execute("SELECT to_regclass('redshift_sys.stv_slices')").fetchone() == (
                None,
            ):  # the first connection (the database's owner) makes the system tables
                self.pg.execute(SETUP)
        self.pg.execute("SET search_path TO public, redshift_sys")
        # Every width the schema declares, made before any run's transaction: a domain made
        # during one (on the connection of its own) is not in that transaction's snapshot of
        # the catalog, which the COPY's column look-up reads.
        for width in sorted({c.width for t in ALL_TABLES for c in t.columns if c.width}):
            self.varchar(width)

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    def close(self) -> None:
        self.pg.close()


@dataclass
class _Cursor:
    db: EmulatedRedshift
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: DB-API column descriptions of the last result (None after a statement without one)
    description: list[tuple[Any, ...]] | None = None

    def execute(self, sql: str, args: list[Any] | None = None) -> None:
        self.db.statements.append(sql)
        self.rows = []
        self.description = None
        try:
            copy = _COPY.match(sql)
            if copy:
                self._copy(copy)
                return
            if sql == "BEGIN":
                sql = "BEGIN ISOLATION LEVEL SERIALIZABLE"
            if _CREATE_TABLE.match(sql):
                sql = _VARCHAR_COLUMN.sub(
                    lambda c: c[1] + self.db.varchar(int(c[2])), _PRIMARY_KEY.sub("", sql)
                )
            cur = self.db.pg.execute(
                _OPTION_LINE.sub("", _PRIMARY_KEY.sub("", sql)).replace(
                    "IDENTITY(1, 1)", "GENERATED BY DEFAULT AS IDENTITY"
                ),
                args,
            )
            if cur.description is not None:
                self.description = [(c.name, c.type_code) + (None,) * 5 for c in cur.description]
                self.rows = [tuple(r) for r in cur.fetchall()]
        except psycopg.Error as e:
            if self.db.pg.closed:  # the driver's words for a socket the server closed
                raise redshift_connector.InterfaceError(
                    f"BrokenPipe: server socket closed ({str(e).strip()})"
                ) from e
            raise redshift_connector.ProgrammingError(str(e)) from e
        except botocore.exceptions.ClientError as e:
            raise redshift_connector.ProgrammingError(
                f"S3ServiceException:{e.response['Error'].get('Message')},"
                f"Status {e.response['ResponseMetadata'].get('HTTPStatusCode')},"
                f"Error {e.response['Error'].get('Code')}"
            ) from e

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def close(self) -> None:
        self.rows = []

    def _columns(self, table: str, names: list[str]) -> list[tuple[str, str, bool, int | None]]:
        found = self.db.pg.execute(
            "SELECT column_name, data_type, is_nullable = 'YES', COALESCE("
            "character_maximum_length, CAST(substring(domain_name from '^varchar_([0-9]+)$') "
            "AS INTEGER)) FROM information_schema.columns WHERE table_name = %s",
            [table],
        ).fetchall()
        by_name = {r[0]: (r[0], r[1], bool(r[2]), r[3]) for r in found}
        return [by_name[n] for n in names]

    def _copy(self, m: re.Match[str]) -> None:
        options = m["options"]
        assert "TIMEFORMAT 'epochmillisecs'" in options and "MANIFEST" in options
        if "STATUPDATE" in options and self.db.pg.execute(
            _OWNER, [f'"{m["table"]}"']
        ).fetchone() != (True,):
            raise redshift_connector.ProgrammingError(
                f"COPY with STATUPDATE needs the owner of table {m['table']} or a superuser"
            )
        names = [c.strip().strip('"') for c in m["cols"].split(",")]
        cols = self._columns(m["table"], names)
        if m["format"] == "auto":
            paths = [[n] for n in names]
        else:
            doc = json.loads(_s3_read(self.db.s3, m["format"]))
            paths = [_PATH_PART.findall(p) for p in doc["jsonpaths"]]
        assert len(paths) == len(cols), "JSONPaths must name one path per column"
        limit = int(re.search(r"MAXERROR (\d+)", options)[1])  # type: ignore[index]
        truncate = "TRUNCATECOLUMNS" in options
        good, bad = [], []
        for entry in json.loads(_s3_read(self.db.s3, m["manifest"]))["entries"]:
            data = _s3_read(self.db.s3, entry["url"])
            raw = gzip.decompress(data) if "GZIP" in options else data
            self.db.parts.setdefault(m["table"], []).append(len(raw))
            text = raw.decode("utf-8")
            for no, line in enumerate(text.split("\n"), start=1):
                if not line.strip():
                    continue
                if len(line.encode()) > MAX_JSON_OBJECT:
                    raise redshift_connector.ProgrammingError(
                        f"COPY into '{m['table']}' failed: a JSON object of "
                        f"{len(line.encode())} bytes at {entry['url']} line {no} is over "
                        f"the {MAX_JSON_OBJECT}-byte limit"
                    )
                try:
                    obj = json.loads(line)
                    good.append(
                        [
                            _typed(_value(obj, p), c, truncate)
                            for p, c in zip(paths, cols, strict=True)
                        ]
                    )
                except ValueError:
                    bad.append((entry["url"], no, "", "Invalid JSON object or array", None))
                except _Reject as e:
                    bad.append((entry["url"], no, e.column, str(e), e.code))
        for url, no, column, message, code in bad:
            self.db.pg.execute(  # file_name is character(256): a longer URL comes back cut
                "INSERT INTO redshift_sys.sys_load_error_detail "
                "(query_id, file_name, line_number, column_name, error_message, error_code) "
                "VALUES (1, %s, %s, %s, %s, %s)",
                [url[:256], no, column, message, code],
            )
        if len(bad) >= max(limit, 1):  # Redshift: "that number of errors or greater"
            raise redshift_connector.ProgrammingError(
                f"Load into table '{m['table']}' failed. Check 'sys_load_error_detail' system table for details."
            )
        quoted = ", ".join(f'"{n}"' for n in names)
        with self.db.pg.cursor().copy(f'COPY "{m["table"]}" ({quoted}) FROM STDIN') as out:
            for row in good:
                out.write_row(row)


def connector(dsn: str, s3: Any, log: list[EmulatedRedshift] | None = None) -> Any:
    """A ``RedshiftTarget`` connector opening :class:`EmulatedRedshift` connections."""

    def connect(params: ConnectParams) -> EmulatedRedshift:
        db = EmulatedRedshift(dsn, s3)
        if log is not None:
            log.append(db)
        return db

    return connect
