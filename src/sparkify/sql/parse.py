"""The statements :mod:`sparkify.staging.parse` runs on the parser's DuckDB connection, and
the temp relations they leave there.

Each kind of file is typed into a parsed table (``_parsed_log``, ``_parsed_song``: the rows of
:func:`sparkify.sql.staging.parse_sql`, ``reason`` empty for a good record); the batch's files
are numbered in ``_files`` (``file_idx, kind, source_file, first_id``); the rows a target
appends are then a view per staging table and a table of rejects (:func:`staged_relation`),
in each table's column order.
"""

from __future__ import annotations

from sparkify.batch import FileKind
from sparkify.schema.model import LOAD_ERRORS, STAGING_EVENTS, STAGING_SONGS, Table
from sparkify.sql.staging import NOT_BLANK, duck_type, input_columns, kept_raw_text, parse_sql

_PARSED = {FileKind.LOG: "_parsed_log", FileKind.SONG: "_parsed_song"}
_STAGED = {
    STAGING_EVENTS.name: "_staged_events",
    STAGING_SONGS.name: "_staged_songs",
    LOAD_ERRORS.name: "_rejects",
}

#: The name under which :func:`create_parsed` reads the Arrow table of a batch's lines.
LINES_ARROW = "_lines_arrow"
#: The name under which :func:`insert_streamed` reads the Arrow table of streamed records.
STREAM_ARROW = "_stream_arrow"
#: The name under which :data:`CREATE_FILES` reads the Arrow table of the batch's files.
FILES_ARROW = "_files_arrow"
#: The batch's files (``file_idx, kind, source_file, first_id``) in a temp table.
CREATE_FILES = f"CREATE OR REPLACE TEMP TABLE _files AS SELECT * FROM {FILES_ARROW}"
#: The name under which :func:`create_rejects` reads the Arrow table of the rejects found
#: before parsing (``source_file, source_line, reason, raw_text``).
EARLY_REJECTS_ARROW = "_early_rejects"


def staged_relation(table: Table) -> str:
    """The temp relation holding the rows for ``table`` (a staging table or load_errors)."""
    return _STAGED[table.name]


def create_parsed(kind: FileKind, table: Table) -> str:
    """Type the non-blank lines of :data:`LINES_ARROW` into ``kind``'s parsed table, for the
    staging ``table``."""
    lines = f"(SELECT * FROM {LINES_ARROW} WHERE {NOT_BLANK})"
    return f"CREATE OR REPLACE TEMP TABLE {_PARSED[kind]} AS " + parse_sql(table, lines)


def create_parsed_empty(kind: FileKind, table: Table) -> str:
    """``kind``'s parsed table with no rows, for a batch without files of that kind: the
    columns :func:`create_parsed` makes, declared instead of planned from the typing SQL
    (which costs a batch 15-25 ms even on no lines)."""
    cols = ", ".join(f'"{c.name}" {duck_type(c)}' for c in input_columns(table))
    return (
        f"CREATE OR REPLACE TEMP TABLE {_PARSED[kind]} (file_idx INTEGER, line_no INTEGER, "
        f"seq INTEGER, {cols}, reason VARCHAR, text VARCHAR)"
    )


def invalid_files(kind: FileKind) -> str:
    """The ``file_idx`` of ``kind``'s files holding a line that is not valid JSON."""
    return f"SELECT DISTINCT file_idx FROM {_PARSED[kind]} WHERE reason = 'not valid JSON'"


def delete_file(kind: FileKind) -> str:
    """Delete the parsed rows of the file given as the parameter (it is read as a stream)."""
    return f"DELETE FROM {_PARSED[kind]} WHERE file_idx = ?"


def insert_streamed(kind: FileKind, table: Table) -> str:
    """Type the streamed records of :data:`STREAM_ARROW` into ``kind``'s parsed table."""
    return f"INSERT INTO {_PARSED[kind]} " + parse_sql(table, STREAM_ARROW)


#: The ids each log file reserves: ``file_idx`` and its last record line (or its object
#: count when read as a stream).
ID_RANGES = (
    "SELECT file_idx, GREATEST(MAX(line_no), MAX(seq)) "
    f"FROM {_PARSED[FileKind.LOG]} GROUP BY file_idx"
)


def create_staged(kind: FileKind, table: Table) -> str:
    """The view of ``kind``'s good records as rows of the staging ``table``: the input
    columns, the lineage, and for a table with an identity column its id (the file's first
    id plus the record's ordinal in the file, without a sort)."""
    cols = ", ".join(f'p."{c.name}"' for c in input_columns(table))
    ident = ""
    if any(c.identity for c in table.columns):
        ident = "f.first_id + CASE WHEN p.seq > 0 THEN p.seq ELSE p.line_no END AS event_id, "
    return (
        f"CREATE OR REPLACE TEMP VIEW {_STAGED[table.name]} AS "
        f"SELECT {ident}{cols}, f.source_file, p.line_no AS source_line "
        f"FROM {_PARSED[kind]} p JOIN _files f "
        f"ON f.kind = '{kind.value}' AND f.file_idx = p.file_idx "
        f"WHERE p.reason = ''"
    )


def create_rejects() -> str:
    """The batch's rejects as load_errors rows: those found before parsing
    (:data:`EARLY_REJECTS_ARROW`) and the records typing refused, raw text as kept."""
    return (
        f"CREATE OR REPLACE TEMP TABLE {_STAGED[LOAD_ERRORS.name]} AS "
        "SELECT source_file, source_line, reason, "
        f"{kept_raw_text('raw_text')} AS raw_text FROM {EARLY_REJECTS_ARROW} "
        + "".join(
            f"UNION ALL SELECT f.source_file, p.line_no, p.reason, "
            f"{kept_raw_text('rtrim(p.text, chr(13) || chr(10))')} "
            f"FROM {_PARSED[k]} p JOIN _files f "
            f"ON f.kind = '{k.value}' AND f.file_idx = p.file_idx "
            f"WHERE p.reason <> '' "
            for k in FileKind
        )
    )


def file_counts(kind: FileKind) -> str:
    """Per file of ``kind``: ``file_idx``, its records ``n`` and how many are ``bad``."""
    return (
        f"SELECT file_idx, COUNT(*) AS n, COUNT(*) FILTER (WHERE reason <> '') AS bad "
        f"FROM {_PARSED[kind]} GROUP BY file_idx"
    )


def row_count(relation: str) -> str:
    """How many rows ``relation`` holds."""
    return f"SELECT COUNT(*) FROM {relation}"
