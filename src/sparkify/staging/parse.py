"""Type a batch of input files into staging rows with DuckDB.

The parser runs on a DuckDB connection: the target's own (DuckDB target, zero copy) or an
in-memory one whose results are bulk-copied elsewhere (PostgreSQL). :func:`stage_batch`
returns a :class:`ParsedBatch`: for each table the rows go to (staging_events, staging_songs,
load_errors), the temp relation on that connection holding them, in the table's column order,
and how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from sparkify.arrow_sql import execute_on_arrow
from sparkify.batch import FileCounts, FileData, FileKind, StagedBatch
from sparkify.errors import QueryError
from sparkify.schema.model import LOAD_ERRORS, STAGING_EVENTS, STAGING_SONGS, Table
from sparkify.sql import parse as sql
from sparkify.staging.lines import lines_table, stream_objects

TABLES = {FileKind.LOG: STAGING_EVENTS, FileKind.SONG: STAGING_SONGS}


@dataclass(frozen=True)
class ParsedRows:
    """Rows the parser left for one table: ``relation``, a temp relation on the parser's
    connection with ``table``'s columns in order, holding ``count`` rows."""

    table: Table
    relation: str
    count: int


@dataclass(frozen=True)
class ParsedBatch:
    """A batch typed by :func:`stage_batch`: the staging rows and the rejects, waiting on
    ``con`` for a target to append them, and each file's counts."""

    con: duckdb.DuckDBPyConnection
    events: ParsedRows
    songs: ParsedRows
    rejects: ParsedRows
    counts: dict[str, FileCounts]

    @property
    def parts(self) -> tuple[ParsedRows, ParsedRows, ParsedRows]:
        """The rows for staging_events, staging_songs and load_errors, in that order."""
        return (self.events, self.songs, self.rejects)

    def staged(self) -> StagedBatch:
        """The batch's counts, as a target reports them once the rows are appended."""
        return StagedBatch(self.counts, self.events.count, self.songs.count, self.rejects.count)


def _parse_kind(con: duckdb.DuckDBPyConnection, kind: FileKind, datas: list[FileData]) -> None:
    table = TABLES[kind]
    if not datas:
        con.execute(sql.create_parsed_empty(kind, table))
        return
    lines = lines_table(datas, 0)
    execute_on_arrow(con, sql.LINES_ARROW, lines, sql.create_parsed(kind, table))
    _reparse_streams(con, kind, datas)


def _reparse_streams(con: duckdb.DuckDBPyConnection, kind: FileKind, datas: list[FileData]) -> None:
    """Files with invalid lines may be pretty-printed or concatenated JSON: read those as a
    stream of values instead of line by line, when that reads the whole file."""
    bad = con.execute(sql.invalid_files(kind)).fetchall()
    rows: dict[str, list[int | str]] = {"file_idx": [], "line_no": [], "seq": [], "text": []}
    for (idx,) in bad:
        objects = stream_objects(datas[idx].text.decode("utf-8"))
        if objects is None:
            continue
        for seq, (line, text) in enumerate(objects, start=1):
            for key, value in zip(rows, (idx, line, seq, text), strict=True):
                rows[key].append(value)
        con.execute(sql.delete_file(kind), [idx])
    if not rows["file_idx"]:
        return
    schema = pa.schema(
        [
            ("file_idx", pa.int32()),
            ("line_no", pa.int32()),
            ("seq", pa.int32()),
            ("text", pa.string()),
        ]
    )
    streamed = pa.table(rows, schema=schema)
    execute_on_arrow(con, sql.STREAM_ARROW, streamed, sql.insert_streamed(kind, TABLES[kind]))


def _id_ranges(con: duckdb.DuckDBPyConnection, count: int, base: int) -> list[int]:
    """The first event_id of each log file of the batch: a file reserves as many ids as its
    records can number (its last record line, or its object count when read as a stream), so
    a file's ids do not depend on which other files share its batch or run."""
    sizes = np.zeros(count, dtype=np.int64)
    for idx, size in con.execute(sql.ID_RANGES).fetchall():
        sizes[int(idx)] = int(size)
    ends = base + np.cumsum(sizes)
    return [int(e) for e in ends]


def _rejects_table(con: duckdb.DuckDBPyConnection, datas: dict[FileKind, list[FileData]]) -> None:
    early: dict[str, list[object]] = {
        "source_file": [],
        "source_line": [],
        "reason": [],
        "raw_text": [],
    }
    for group in datas.values():
        for d in group:
            for r in d.rejects:
                for key, value in zip(
                    early, (d.file.path, r.line, r.reason, r.raw_text), strict=True
                ):
                    early[key].append(value)
    schema = pa.schema(
        [
            ("source_file", pa.string()),
            ("source_line", pa.int32()),
            ("reason", pa.string()),
            ("raw_text", pa.string()),
        ]
    )
    rejects = pa.table(early, schema=schema)
    execute_on_arrow(con, sql.EARLY_REJECTS_ARROW, rejects, sql.create_rejects())


def _file_counts(
    con: duckdb.DuckDBPyConnection, by_kind: dict[FileKind, list[FileData]]
) -> dict[str, FileCounts]:
    counts: dict[str, FileCounts] = {}
    for kind, group in by_kind.items():
        if not group:
            continue
        found = con.execute(sql.file_counts(kind)).fetchnumpy()
        early = np.fromiter((len(d.rejects) for d in group), np.int64, len(group))
        records, rejected = early.copy(), early
        np.add.at(records, found["file_idx"], found["n"])
        np.add.at(rejected, found["file_idx"], found["bad"])
        for d, n, bad in zip(group, records.tolist(), rejected.tolist(), strict=True):
            counts[d.file.path] = FileCounts(n, bad)
    return counts


def stage_batch(
    con: duckdb.DuckDBPyConnection, datas: list[FileData], event_base: int
) -> ParsedBatch:
    """Parse ``datas`` on ``con``. Log files reserve consecutive id ranges above
    ``event_base`` in path order; an event's id is its range start plus its line. Raises
    ``QueryError`` naming the batch's files when DuckDB fails (or was interrupted)."""
    try:
        return _stage(con, datas, event_base)
    except duckdb.Error as e:
        raise parse_failure(datas, e) from e


def parse_failure(datas: list[FileData], error: duckdb.Error) -> QueryError:
    """The error for DuckDB failing on a batch: which files, and what to change."""
    names = ", ".join(d.file.path for d in datas[:3]) + (", …" if len(datas) > 3 else "")
    files = f"{len(datas):,} file{'s' if len(datas) != 1 else ''} ({names})"
    return QueryError(
        f"DuckDB failed parsing a batch of {files}: {error}",
        "Nothing was committed. Give DuckDB more memory (memory_limit, e.g. "
        "SPARKIFY_MEMORY_LIMIT=4GB) or parse less at once (batch_mb, e.g. "
        "SPARKIFY_BATCH_MB=64), then run again.",
    )


def _stage(con: duckdb.DuckDBPyConnection, datas: list[FileData], event_base: int) -> ParsedBatch:
    by_kind = {k: [d for d in datas if d.file.kind is k] for k in FileKind}
    for kind in FileKind:
        _parse_kind(con, kind, by_kind[kind])
    logs = len(by_kind[FileKind.LOG])
    id_ends = _id_ranges(con, logs, event_base)
    first_ids = [event_base, *id_ends[:-1]] if logs else []
    files = {
        "file_idx": [i for k in FileKind for i in range(len(by_kind[k]))],
        "kind": [k.value for k in FileKind for _ in by_kind[k]],
        "source_file": [d.file.path for k in FileKind for d in by_kind[k]],
        "first_id": first_ids + [0] * len(by_kind[FileKind.SONG]),
    }
    execute_on_arrow(con, sql.FILES_ARROW, pa.table(files), sql.CREATE_FILES)
    for kind in FileKind:
        con.execute(sql.create_staged(kind, TABLES[kind]))
    _rejects_table(con, by_kind)
    events, songs, rejects = (
        _parsed_rows(con, table) for table in (STAGING_EVENTS, STAGING_SONGS, LOAD_ERRORS)
    )
    counts = _file_counts(con, by_kind)
    for d, end in zip(by_kind[FileKind.LOG], id_ends, strict=True):
        counts[d.file.path] = FileCounts(
            counts[d.file.path].records, counts[d.file.path].rejected, end
        )
    return ParsedBatch(con, events, songs, rejects, counts)


def _parsed_rows(con: duckdb.DuckDBPyConnection, table: Table) -> ParsedRows:
    relation = sql.staged_relation(table)
    count = (con.execute(sql.row_count(relation)).fetchone() or (0,))[0]
    return ParsedRows(table, relation, int(count))
