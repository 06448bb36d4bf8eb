"""The SQL and documents of a Redshift load, generated from the schema model.

A batch is staged in four steps, all inside the run's transaction:

1. ``COPY`` each kind of record from S3 into a session-temporary load table, with an IAM role
   (never keys), a JSONPaths file, a manifest naming exactly this batch's files, ``GZIP``,
   ``TIMEFORMAT 'epochmillisecs'``, ``MAXERROR`` and ``REGION``. Records arrive wrapped as
   ``{"source_file": …, "source_line": …, "record": {…}}`` so every row keeps its lineage.
2. Read the records COPY refused from ``SYS_LOAD_ERROR_DETAIL``.
3. Find the rows COPY accepted but the staging contract refuses (what DuckDB's typing rejects
   and COPY cannot check: an empty required id, a user id that is not an integer).
4. ``INSERT … SELECT`` the good rows into the staging table, normalised as on every target
   (text without trailing spaces, a user id as its integer's canonical text).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

from sparkify.config import REGION_PATTERN
from sparkify.schema.model import Column, ColumnType, Table
from sparkify.schema.render import Renderer
from sparkify.sql.staging import input_columns

ROLE_PLACEHOLDER = "<iam-role-arn>"
REGION_PLACEHOLDER = "<region>"
MAXERROR_LIMIT = 100_000  # the largest MAXERROR Redshift accepts
_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_URL = re.compile(r"^s3://[^'\\\s]+$")  # no quote, backslash or space: nothing can escape
_INT32 = (-2147483648, 2147483647)


def valid_role(arn: str) -> bool:
    """Whether ``arn`` is an IAM role ARN (the only credential COPY ever gets)."""
    return bool(_ROLE.match(arn))


def _literal(value: str, pattern: re.Pattern[str], placeholder: str, what: str) -> str:
    if value != placeholder and not pattern.match(value):
        raise ValueError(f"invalid {what} {value!r}")
    return f"'{value}'"


@dataclass(frozen=True)
class CopyOptions:
    """What every COPY of a run shares: the IAM role, the staging bucket's region, MAXERROR."""

    iam_role: str = ROLE_PLACEHOLDER
    region: str | None = REGION_PLACEHOLDER
    max_errors: int = MAXERROR_LIMIT

    @classmethod
    def for_run(cls, iam_role: str, region: str | None, max_errors: int | None) -> CopyOptions:
        """Options for a run under ``--max-errors`` (None: no limit). Redshift fails a COPY
        that refuses MAXERROR records *or more*, counting each COPY on its own, while
        ``--max-errors N`` fails a run that rejects more than N in all: so each COPY may
        refuse N (MAXERROR N + 1; one COPY over N is a run over N), and the run's own count
        decides. Capped at Redshift's largest MAXERROR."""
        allowance = MAXERROR_LIMIT if max_errors is None else max_errors + 1
        return cls(iam_role, region, min(allowance, MAXERROR_LIMIT))


def load_table(table: Table) -> str:
    """The name of the temporary table a COPY of ``table``'s records lands in."""
    return f"_load_{table.name}"


def load_columns(table: Table) -> tuple[Column, ...]:
    """The columns COPY fills: the input fields and the lineage (no surrogate key)."""
    return tuple(c for c in table.columns if not c.identity)


def create_load_table(r: Renderer, table: Table) -> str:
    """CREATE TEMP TABLE for ``table``'s load table (EVEN: COPY then skips an ANALYZE)."""
    cols = ",\n    ".join(r.column_def(c) for c in load_columns(table))
    return f"CREATE TEMP TABLE {r.quote(load_table(table))} (\n    {cols}\n)\nDISTSTYLE EVEN"


def drop_load_table(r: Renderer, table: Table) -> str:
    """DROP the load table of ``table``."""
    return f"DROP TABLE IF EXISTS {r.quote(load_table(table))}"


def copy_statement(
    r: Renderer,
    table_name: str,
    columns: tuple[str, ...],
    manifest_url: str,
    json_format: str,
    options: CopyOptions,
) -> str:
    """``COPY table (columns) FROM manifest`` with the IAM role; ``json_format`` is the URL of
    a JSONPaths file or ``auto``. Raises ``ValueError`` for a role, region or URL that is not
    plainly one (nothing user-typed reaches the SQL unchecked)."""
    fmt = "'auto'" if json_format == "auto" else _literal(json_format, _URL, "", "S3 URL")
    lines = [
        f"COPY {r.quote(table_name)} ({', '.join(r.quote(c) for c in columns)})",
        f"FROM {_literal(manifest_url, _URL, '', 'S3 URL')}",
        f"IAM_ROLE {_literal(options.iam_role, _ROLE, ROLE_PLACEHOLDER, 'IAM role ARN')}",
        f"FORMAT AS JSON {fmt}",
        "MANIFEST",
        "GZIP",
        "TIMEFORMAT 'epochmillisecs'",
        f"MAXERROR {int(options.max_errors)}",
    ]
    if options.region:
        lines.append(
            f"REGION {_literal(options.region, REGION_PATTERN, REGION_PLACEHOLDER, 'region')}"
        )
    lines.append("COMPUPDATE OFF STATUPDATE OFF")
    return "\n".join(lines)


def copy_records(
    r: Renderer, table: Table, manifest_url: str, jsonpaths_url: str, options: CopyOptions
) -> str:
    """The COPY of a batch's wrapped records into ``table``'s load table."""
    cols = tuple(c.name for c in load_columns(table))
    return copy_statement(r, load_table(table), cols, manifest_url, jsonpaths_url, options)


def insert_loaded(r: Renderer, table: Table, columns: tuple[str, ...]) -> str:
    """Append ``columns`` of ``table``'s load table to ``table``: a bookkeeping COPY lands in
    a temporary table first, which the run owns, so no COPY ever needs the owner of a run's
    tables (its STATUPDATE does), and the load user needs only INSERT on them."""
    names = ", ".join(r.quote(c) for c in columns)
    return (
        f"INSERT INTO {r.quote(table.name)} ({names})\n"
        f"SELECT {names} FROM {r.quote(load_table(table))}"
    )


def append_rows(
    r: Renderer, table: Table, columns: tuple[str, ...], manifest_url: str, options: CopyOptions
) -> list[str]:
    """The statements that append bookkeeping rows (``columns`` of ``table``, JSON lines named
    by the manifest at ``manifest_url``): COPY them into a load table with MAXERROR 0 (every
    row must arrive: a lost manifest row would load a file twice), then INSERT … SELECT."""
    strict = dataclasses.replace(options, max_errors=0)
    load = load_table(table)
    return [
        create_load_table(r, table),
        copy_statement(r, load, columns, manifest_url, "auto", strict),
        insert_loaded(r, table, columns),
        drop_load_table(r, table),
    ]


def jsonpaths(table: Table) -> str:
    """The JSONPaths document for ``table``'s wrapped records, one path per load column."""
    paths = [
        f"$['record']['{c.json_key}']" if c.json_key else f"$['{c.name}']"
        for c in load_columns(table)
    ]
    return json.dumps({"jsonpaths": paths}, indent=2)


def manifest(urls: list[str]) -> str:
    """A COPY manifest naming exactly ``urls``, each mandatory (a missing part fails the COPY)."""
    return json.dumps({"entries": [{"url": u, "mandatory": True} for u in urls]}, indent=2)


LOAD_ERRORS = (
    "SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message)\n"
    "FROM sys_load_error_detail\n"
    "WHERE TRIM(file_name) LIKE ?\n"
    "ORDER BY 1, 2"
)
"""The records COPY refused, for the parts of one batch (parameter: the run folder's URL, the
batch's part-name stem, ``%``). Redshift cuts ``file_name`` at 256 characters: the staging
prefix is checked so that no part URL is longer (``targets.redshift.upload.check_length``)."""

TOO_LONG = 1204
"""COPY's error code for a value longer than its column (``String length exceeds DDL length``)."""

SLICES = "SELECT COUNT(*) FROM stv_slices"
"""How many slices the cluster has: a batch is split into a multiple of this many files."""

TABLE_NAMES = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
"""The names of the tables in the schema given as the parameter."""


def lock(r: Renderer, table: Table) -> str:
    """LOCK ``table`` until the transaction ends (Redshift's LOCK waits, without a timeout)."""
    return f"LOCK {r.quote(table.name)}"


def delete_paths(r: Renderer, table: Table, count: int) -> str:
    """Delete the rows of ``table`` whose ``source_file`` is one of ``count`` parameters."""
    return f"DELETE FROM {r.quote(table.name)} WHERE source_file IN ({', '.join(['?'] * count)})"


def count_loaded(r: Renderer, table: Table) -> str:
    """How many rows COPY put in ``table``'s load table."""
    return f"SELECT COUNT(*) FROM {r.quote(load_table(table))}"


def _problems(r: Renderer, col: Column) -> list[str]:
    """CASE branches naming what is wrong with ``col``, for what COPY cannot check itself.
    Ordered so that no CAST can fail: the range check only sees '' or up to 10 digits."""
    q, key = r.quote(col.name), col.json_key
    if col.required and col.type is ColumnType.TEXT:
        return [f"WHEN RTRIM({q}, ' ') = '' THEN 'missing required field {key}'"]
    if col.integer_text:
        lo, hi = _INT32
        reason = f"'field {key}: expected an integer or \"\", got ' || LEFT({q}, 80)"
        # A line break is refused before the pattern: whether `$` may match before one is not
        # documented for Redshift. A '+' is removed before the cast (sql/staging.py has the rule).
        return [
            f"WHEN STRPOS({q}, CHR(10)) > 0 OR STRPOS({q}, CHR(13)) > 0 THEN {reason}",
            f"WHEN TRIM({q}) !~ '^([+-]?[0-9]{{1,10}})?$' THEN {reason}",
            f"WHEN CAST(NULLIF({_unsigned(q)}, '') AS BIGINT) NOT BETWEEN {lo} AND {hi} "
            f"THEN {reason}",
        ]
    return []


def _unsigned(q: str) -> str:
    """The trimmed text of integer-text column ``q`` without a leading '+' (whether Redshift's
    CAST accepts one is not documented)."""
    return f"LTRIM(TRIM({q}), '+')"


def _reason(r: Renderer, table: Table) -> str:
    branches = [b for c in input_columns(table) for b in _problems(r, c)]
    return "CASE " + "\n         ".join(branches) + " END" if branches else "CAST(NULL AS VARCHAR)"


def contract_rejects(r: Renderer, table: Table) -> str:
    """The rows of ``table``'s load table that staging refuses: file, line and reason."""
    return (
        f"SELECT source_file, source_line, reason FROM (\n"
        f"    SELECT source_file, source_line, {_reason(r, table)} AS reason\n"
        f"    FROM {r.quote(load_table(table))}\n"
        f") checked\nWHERE reason IS NOT NULL\nORDER BY 1, 2"
    )


def _normalised(r: Renderer, col: Column) -> str:
    q = r.quote(col.name)
    if col.json_key and col.type is ColumnType.TEXT and not col.integer_text:
        return f"RTRIM({q}, ' ')"  # staged without trailing spaces, as on every target
    if col.integer_text:
        return (
            f"CASE WHEN TRIM({q}) = '' THEN '' "
            f"ELSE CAST(CAST({_unsigned(q)} AS INTEGER) AS VARCHAR(16)) END"
        )
    return q


def insert_staged(r: Renderer, table: Table) -> str:
    """Move the accepted rows of the load table into ``table``, normalised (a user id is the
    integer's canonical text, as DuckDB's typing leaves it); the surrogate key is assigned."""
    cols = load_columns(table)
    names = ", ".join(r.quote(c.name) for c in cols)
    values = ",\n       ".join(_normalised(r, c) for c in cols)
    return (
        f"INSERT INTO {r.quote(table.name)} ({names})\n"
        f"SELECT {values}\n"
        f"FROM {r.quote(load_table(table))}\n"
        f"WHERE ({_reason(r, table)}) IS NULL"
    )


STAGING_PLACEHOLDER = "s3://<bucket>/<prefix>/<run>/"


def load_plan(r: Renderer, tables: tuple[Table, ...], bookkeeping: tuple[Table, ...]) -> list[str]:
    """Every statement one batch's load sends, with placeholders for the role, region and
    staging paths (for ``sparkify sql``)."""
    options = CopyOptions()
    out = [f"-- the cluster's slice count: a batch is cut into a multiple of it\n{SLICES}"]
    for table in tables:
        stem = f"{STAGING_PLACEHOLDER}b001-{table.name}"
        out.append(
            f"-- {table.name}: records land in a load table first\n" + create_load_table(r, table)
        )
        out.append(copy_records(r, table, f"{stem}.manifest", f"{stem}.jsonpaths", options))
    out.append(
        "-- records COPY refused (parameter: the batch's part names in the run's folder)\n"
        + LOAD_ERRORS.replace("?", f"'{STAGING_PLACEHOLDER}b001-%'")
    )
    for table in tables:
        out.append(
            f"-- {table.name}: rows COPY took but staging refuses\n" + contract_rejects(r, table)
        )
        out.append(insert_staged(r, table))
        out.append(drop_load_table(r, table))
    for table in bookkeeping:
        stem = f"{STAGING_PLACEHOLDER}r001-{table.name}"
        cols = tuple(c.name for c in table.columns)
        appended = append_rows(r, table, cols, f"{stem}.manifest", options)
        appended[0] = f"-- {table.name}: appended by COPY too, through a load table\n" + appended[0]
        out += appended
    return out
