"""The DuckDB SQL that turns a batch's lines into the records a Redshift COPY reads
(:mod:`sparkify.targets.redshift.records`), and bookkeeping rows into JSON lines.

A kind's lines live in a temp table (:func:`lines_table`) of ``file_idx, line_no, seq, text,
valid, is_object, size``: what is known of a record without parsing it (its size, NULL unless
over the limit; whether it is valid JSON and an object, both true for an oversized record,
which is never parsed).
"""

from __future__ import annotations

from collections.abc import Sequence

from sparkify.batch import FileKind
from sparkify.limits import MAX_RECORD_BYTES
from sparkify.schema.model import Table
from sparkify.sql.json_text import without_nul
from sparkify.sql.staging import NOT_BLANK, kept_text, oversized_reason, parse_sql, record_size

#: The name under which :func:`create_lines` reads the Arrow table of a batch's lines.
LINES_ARROW = "_rs_arrow"
#: The name under which :data:`INSERT_STREAMED` reads the Arrow table of streamed records.
STREAM_ARROW = "_rs_stream"
#: The name under which :data:`CREATE_FILES` reads the Arrow table ``file_idx, source_file``.
NAMES_ARROW = "_rs_names"
#: The batch's files, numbered as in the lines tables, in a temp table.
CREATE_FILES = f"CREATE OR REPLACE TEMP TABLE _rs_files AS SELECT * FROM {NAMES_ARROW}"
#: The name under which :func:`json_lines` reads the Arrow table of bookkeeping rows.
ROWS_ARROW = "_rs_rows"


def lines_table(kind: FileKind) -> str:
    """The temp table holding the lines of ``kind``'s files."""
    return f"_rs_lines_{kind.value}"


def _checked(lines: str) -> str:
    """SELECT the rows of ``lines`` with what is known without parsing: ``size`` (NULL unless
    over the limit) and the cut text of an oversized record; ``valid`` and ``is_object``
    (true for an oversized record, which is never parsed)."""
    big = f"size > {MAX_RECORD_BYTES}"
    return (
        f"SELECT file_idx, line_no, seq, {kept_text('text', 'size')} AS text, "
        f"CASE WHEN {big} THEN true ELSE json_valid(text) END AS valid, "
        f"CASE WHEN {big} THEN true "
        "ELSE left(ltrim(text, chr(32) || chr(9)), 1) = '{' END AS is_object, size "
        f"FROM (SELECT *, {record_size('text')} AS size FROM {lines}) sized"
    )


def create_lines(table: str) -> str:
    """Fill the lines table ``table`` from the non-blank lines of :data:`LINES_ARROW`."""
    return f"CREATE OR REPLACE TEMP TABLE {table} AS " + _checked(
        "(SELECT file_idx, line_no, seq, rtrim(text, chr(13) || chr(10)) AS text "
        f"FROM {LINES_ARROW} WHERE {NOT_BLANK})"
    )


def invalid_files(table: str) -> str:
    """The ``file_idx`` of the files holding a line that is not valid JSON."""
    return f"SELECT DISTINCT file_idx FROM {table} WHERE NOT valid"


def delete_file(table: str) -> str:
    """Delete the lines of the file given as the parameter (it is read as a stream)."""
    return f"DELETE FROM {table} WHERE file_idx = ?"


def insert_streamed(table: str) -> str:
    """Add the streamed records of :data:`STREAM_ARROW` to ``table``."""
    return f"INSERT INTO {table} {_checked(STREAM_ARROW)}"


def refused(table: str) -> str:
    """The records refused before COPY, with the reason the DuckDB parser gives: file, line,
    reason, raw text."""
    return (
        f"SELECT f.source_file, p.line_no, CASE WHEN p.size > {MAX_RECORD_BYTES} "
        f"THEN {oversized_reason('p.size')} WHEN NOT p.valid THEN 'not valid JSON' "
        f"ELSE 'not a JSON object' END, p.text FROM {table} p JOIN _rs_files f USING (file_idx) "
        f"WHERE NOT (p.valid AND p.is_object) OR p.size > {MAX_RECORD_BYTES} "
        "ORDER BY p.file_idx, p.line_no, p.seq"
    )


def _one_line(text: str) -> str:
    """A streamed record on one line: a valid JSON text has raw line breaks only between
    tokens, so blanks in their place are equivalent (the raw text keeps them)."""
    return (
        f"CASE WHEN p.seq > 0 THEN replace(replace({text}, chr(13), ' '), chr(10), ' ') "
        f"ELSE {text} END"
    )


def wrapped(table: str) -> str:
    """Each record COPY may load, on one line wrapped with its lineage:
    ``{"source_file": …, "source_line": …, "record": {…}}``, with ``file_idx, line_no``."""
    return (
        "SELECT p.file_idx, p.line_no, "
        "'{\"source_file\":' || CAST(to_json(f.source_file) AS VARCHAR) || ',\"source_line\":' "
        f"|| p.line_no || ',\"record\":' || {without_nul(_one_line('p.text'))} || '}}' || chr(10) "
        "AS line "
        f"FROM {table} p JOIN _rs_files f USING (file_idx) WHERE p.valid AND p.is_object "
        f"AND coalesce(p.size <= {MAX_RECORD_BYTES}, true)"
    )


def records_per_file(table: str) -> str:
    """How many records each file holds: ``file_idx, count``."""
    return f"SELECT file_idx, COUNT(*) FROM {table} GROUP BY 1"


def record_text(table: str) -> str:
    """The raw text of the record of the file (``file_idx``, the first parameter) starting at
    the line given as the second parameter."""
    return f"SELECT text FROM {table} WHERE file_idx = ? AND line_no = ? ORDER BY seq LIMIT 1"


def staging_reason(table: str, staging: Table, idx: int, line: int) -> str:
    """The reason the other targets' typing (:func:`parse_sql` for ``staging``) gives for
    the record of file ``idx`` starting at ``line`` ('' when it finds nothing wrong)."""
    record = (
        f"(SELECT file_idx, line_no, seq, text FROM {table} "
        f"WHERE file_idx = {int(idx)} AND line_no = {int(line)})"
    )
    return f"SELECT reason FROM ({parse_sql(staging, record)}) ORDER BY seq LIMIT 1"


def json_lines(columns: Sequence[tuple[str, bool]], text_chars: int) -> str:
    """The rows of :data:`ROWS_ARROW` as JSON lines (``line``), without NUL characters;
    ``columns`` are its names, each with whether it is text, cut to ``text_chars``."""
    cut = ", ".join(
        f"left({q}, {text_chars}) AS {q}" if text else q
        for name, text in columns
        for q in [f'"{name}"']
    )
    line = without_nul("CAST(to_json(r) AS VARCHAR)")  # e.g. in a raw text
    return f"SELECT {line} || chr(10) AS line FROM (SELECT {cut} FROM {ROWS_ARROW}) r"
