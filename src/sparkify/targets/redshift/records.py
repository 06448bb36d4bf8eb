"""Turn a batch of input files into the records a Redshift COPY reads: one JSON object a line,
wrapped with its lineage as ``{"source_file": …, "source_line": …, "record": {…}}``.

Redshift types and checks the fields itself; this only finds record boundaries, the same way
for every target: blank lines are not records, a file whose lines are not each a JSON value is
read as a stream of values (pretty-printed or concatenated objects), and what is not JSON at all,
or not an object, is rejected here with the reason the DuckDB parser gives, and so is a record
over :data:`~sparkify.limits.MAX_RECORD_BYTES` (its length is known without parsing it: a bigger
JSON object would fail the whole COPY, whatever MAXERROR says). NUL characters are
removed from the records (Redshift's COPY refuses them; no target keeps them). The work is
vectorised (Arrow, DuckDB's ``json_valid``); Python touches only the rare streamed files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from sparkify.arrow_sql import execute_on_arrow
from sparkify.batch import FileData, FileKind
from sparkify.limits import MAX_RECORD_BYTES
from sparkify.schema.model import Table
from sparkify.sql.json_text import without_nul
from sparkify.sql.staging import NOT_BLANK, kept_text, oversized_reason, parse_sql, record_size
from sparkify.staging.lines import lines_table, stream_objects

_SCHEMA = pa.schema(
    [("file_idx", pa.int32()), ("line_no", pa.int32()), ("seq", pa.int32()), ("text", pa.string())]
)


@dataclass
class Records:
    """The records of one kind of file in a batch, ready to upload, and what was refused.

    The raw text stays in a DuckDB temp table (:attr:`table` on :attr:`con`) and is looked up
    only for the few records Redshift refuses."""

    kind: FileKind
    files: list[FileData]
    rows: pa.Table  # file_idx, line_no, line (wrapped, ends with "\n")
    con: duckdb.DuckDBPyConnection
    rejects: dict[str, list[object]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)  # records seen, by file_idx

    @property
    def table(self) -> str:
        """The temp table holding this kind's lines."""
        return f"_rs_lines_{self.kind.value}"

    def buffer(self) -> tuple[memoryview, np.ndarray]:
        """The wrapped lines as one contiguous buffer (zero copy), and the byte offset where
        each line ends in it."""
        return line_buffer(self.rows.column("line"))

    def locate(self, row: int) -> tuple[str, int]:
        """The source file and line of the record at ``row``."""
        idx = int(self.rows.column("file_idx")[row].as_py())
        return self.files[idx].file.path, int(self.rows.column("line_no")[row].as_py())

    def raw_text(self, path: str, line: int) -> str | None:
        """The raw text of the record of ``path`` starting at ``line`` (None if unknown)."""
        idx = next((i for i, d in enumerate(self.files) if d.file.path == path), None)
        if idx is None:
            return None
        found = self.con.execute(
            f"SELECT text FROM {self.table} WHERE file_idx = ? AND line_no = ? "
            "ORDER BY seq LIMIT 1",
            [idx, line],
        ).fetchall()
        return str(found[0][0]) if found else None

    def staging_reason(self, table: Table, path: str, line: int) -> str:
        """The reason the other targets' typing (:func:`parse_sql`) gives for the record of
        ``path`` starting at ``line``; '' when it finds nothing wrong."""
        idx = next((i for i, d in enumerate(self.files) if d.file.path == path), None)
        if idx is None:
            return ""
        record = (
            f"(SELECT file_idx, line_no, seq, text FROM {self.table} "
            f"WHERE file_idx = {int(idx)} AND line_no = {int(line)})"
        )
        found = self.con.execute(
            f"SELECT reason FROM ({parse_sql(table, record)}) ORDER BY seq LIMIT 1"
        ).fetchall()
        return str(found[0][0]) if found else ""


def line_buffer(column: pa.ChunkedArray | pa.Array) -> tuple[memoryview, np.ndarray]:
    """A string column as one contiguous buffer and the end offset of each value in it."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    array = column.cast(pa.large_string())
    if len(array) == 0:
        return memoryview(b""), np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = array.buffers()[2]
    view = (
        memoryview(data)[int(offsets[0]) : int(offsets[-1])]
        if data is not None
        else memoryview(b"")
    )
    return view, offsets[1:] - offsets[0]


def _streamed(con: duckdb.DuckDBPyConnection, table: str, datas: list[FileData]) -> None:
    """Re-read files holding invalid lines as streams of JSON values, one record each."""
    bad = con.execute(f"SELECT DISTINCT file_idx FROM {table} WHERE NOT valid").fetchall()
    rows: dict[str, list[int | str]] = {name: [] for name in _SCHEMA.names}
    for (idx,) in bad:
        objects = stream_objects(datas[idx].text.decode("utf-8"))
        if objects is None:
            continue
        for seq, (line, text) in enumerate(objects, start=1):  # seq > 0: a streamed record
            for key, value in zip(rows, (idx, line, seq, text), strict=True):
                rows[key].append(value)
        con.execute(f"DELETE FROM {table} WHERE file_idx = ?", [idx])
    if rows["file_idx"]:
        con.register("_rs_stream", pa.table(rows, schema=_SCHEMA))
        con.execute(f"INSERT INTO {table} {_checked('_rs_stream')}")
        con.unregister("_rs_stream")


def _one_line(text: str) -> str:
    """A streamed record on one line: a valid JSON text has raw line breaks only between
    tokens, so blanks in their place are equivalent (the raw text keeps them)."""
    return (
        f"CASE WHEN p.seq > 0 THEN replace(replace({text}, chr(13), ' '), chr(10), ' ') "
        f"ELSE {text} END"
    )


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


def _lines(con: duckdb.DuckDBPyConnection, table: str, datas: list[FileData]) -> None:
    execute_on_arrow(
        con,
        "_rs_arrow",
        lines_table(datas, 0),
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        + _checked(
            "(SELECT file_idx, line_no, seq, rtrim(text, chr(13) || chr(10)) AS text "
            f"FROM _rs_arrow WHERE {NOT_BLANK})"
        ),
    )
    _streamed(con, table, datas)
    names = pa.table({"file_idx": range(len(datas)), "source_file": [d.file.path for d in datas]})
    sql = "CREATE OR REPLACE TEMP TABLE _rs_files AS SELECT * FROM _rs_names"
    execute_on_arrow(con, "_rs_names", names, sql)


def _rejects(
    con: duckdb.DuckDBPyConnection, table: str, datas: list[FileData]
) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {
        "source_file": [],
        "source_line": [],
        "reason": [],
        "raw_text": [],
    }
    for d in datas:
        for r in d.rejects:
            for key, value in zip(out, (d.file.path, r.line, r.reason, r.raw_text), strict=True):
                out[key].append(value)
    found = con.execute(
        f"SELECT f.source_file, p.line_no, CASE WHEN p.size > {MAX_RECORD_BYTES} "
        f"THEN {oversized_reason('p.size')} WHEN NOT p.valid THEN 'not valid JSON' "
        f"ELSE 'not a JSON object' END, p.text FROM {table} p JOIN _rs_files f USING (file_idx) "
        f"WHERE NOT (p.valid AND p.is_object) OR p.size > {MAX_RECORD_BYTES} "
        "ORDER BY p.file_idx, p.line_no, p.seq"
    ).fetchall()
    for row in found:
        for key, value in zip(out, row, strict=True):
            out[key].append(value)
    return out


def prepare(con: duckdb.DuckDBPyConnection, kind: FileKind, datas: list[FileData]) -> Records:
    """The records of ``datas`` (all of ``kind``), wrapped with their lineage; and the records
    refused before COPY (with their reasons). Row order is not significant: every row carries
    its file and line."""
    table = f"_rs_lines_{kind.value}"
    _lines(con, table, datas)
    rows = con.sql(
        "SELECT p.file_idx, p.line_no, "
        "'{\"source_file\":' || CAST(to_json(f.source_file) AS VARCHAR) || ',\"source_line\":' "
        f"|| p.line_no || ',\"record\":' || {without_nul(_one_line('p.text'))} || '}}' || chr(10) "
        "AS line "
        f"FROM {table} p JOIN _rs_files f USING (file_idx) WHERE p.valid AND p.is_object "
        f"AND coalesce(p.size <= {MAX_RECORD_BYTES}, true)"
    ).to_arrow_table()
    counts = dict(con.execute(f"SELECT file_idx, COUNT(*) FROM {table} GROUP BY 1").fetchall())
    found = {int(k): int(v) for k, v in counts.items()}
    return Records(kind, datas, rows, con, _rejects(con, table, datas), found)
