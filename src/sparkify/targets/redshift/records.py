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
from sparkify.schema.model import Table
from sparkify.sql import records as sql
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
        return sql.lines_table(self.kind)

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
        found = self.con.execute(sql.record_text(self.table), [idx, line]).fetchall()
        return str(found[0][0]) if found else None

    def staging_reason(self, table: Table, path: str, line: int) -> str:
        """The reason the other targets' typing (:func:`parse_sql`) gives for the record of
        ``path`` starting at ``line``; '' when it finds nothing wrong."""
        idx = next((i for i, d in enumerate(self.files) if d.file.path == path), None)
        if idx is None:
            return ""
        found = self.con.execute(sql.staging_reason(self.table, table, idx, line)).fetchall()
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
    bad = con.execute(sql.invalid_files(table)).fetchall()
    rows: dict[str, list[int | str]] = {name: [] for name in _SCHEMA.names}
    for (idx,) in bad:
        objects = stream_objects(datas[idx].text.decode("utf-8"))
        if objects is None:
            continue
        for seq, (line, text) in enumerate(objects, start=1):  # seq > 0: a streamed record
            for key, value in zip(rows, (idx, line, seq, text), strict=True):
                rows[key].append(value)
        con.execute(sql.delete_file(table), [idx])
    if rows["file_idx"]:
        con.register(sql.STREAM_ARROW, pa.table(rows, schema=_SCHEMA))
        con.execute(sql.insert_streamed(table))
        con.unregister(sql.STREAM_ARROW)


def _lines(con: duckdb.DuckDBPyConnection, table: str, datas: list[FileData]) -> None:
    execute_on_arrow(con, sql.LINES_ARROW, lines_table(datas, 0), sql.create_lines(table))
    _streamed(con, table, datas)
    names = pa.table({"file_idx": range(len(datas)), "source_file": [d.file.path for d in datas]})
    execute_on_arrow(con, sql.NAMES_ARROW, names, sql.CREATE_FILES)


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
    found = con.execute(sql.refused(table)).fetchall()
    for row in found:
        for key, value in zip(out, row, strict=True):
            out[key].append(value)
    return out


def prepare(con: duckdb.DuckDBPyConnection, kind: FileKind, datas: list[FileData]) -> Records:
    """The records of ``datas`` (all of ``kind``), wrapped with their lineage; and the records
    refused before COPY (with their reasons). Row order is not significant: every row carries
    its file and line."""
    table = sql.lines_table(kind)
    _lines(con, table, datas)
    rows = con.sql(sql.wrapped(table)).to_arrow_table()
    counts = dict(con.execute(sql.records_per_file(table)).fetchall())
    found = {int(k): int(v) for k, v in counts.items()}
    return Records(kind, datas, rows, con, _rejects(con, table, datas), found)
