"""Stage one batch of files on Redshift: upload, COPY, collect what was refused, insert.

The cluster types and checks every field itself (``COPY … FORMAT AS JSON``); sparkify only
uploads the records, wrapped with their lineage, as evenly sized gzip parts, and puts every
refused record in ``load_errors`` with its file, line, reason and raw text (nothing is lost).
See :mod:`sparkify.sql.redshift` for the statements.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa

from sparkify.batch import FileCounts, FileData, FileKind, StagedBatch
from sparkify.errors import QueryError, TooManyErrorsError
from sparkify.schema.model import LOAD_ERRORS, STAGING_EVENTS, STAGING_SONGS, Table
from sparkify.schema.render import Renderer
from sparkify.sql import redshift as rsql
from sparkify.sql.staging import kept_raw_text
from sparkify.staging.parse import parse_failure
from sparkify.targets.redshift.records import Records, prepare
from sparkify.targets.redshift.upload import StagingArea

TABLES = {FileKind.LOG: STAGING_EVENTS, FileKind.SONG: STAGING_SONGS}
_REJECT_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_line", pa.int32()),
        ("reason", pa.string()),
        ("raw_text", pa.string()),
    ]
)


class CopyTarget(Protocol):
    """What loading a batch needs of the Redshift target
    (:class:`sparkify.targets.redshift.RedshiftTarget` provides it)."""

    @property
    def renderer(self) -> Renderer: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def parser_connection(self) -> duckdb.DuckDBPyConnection: ...

    def insert_rows(self, table: Table, rows: pa.Table) -> None: ...

    def staging_area(self) -> StagingArea: ...

    def copy_options(self) -> rsql.CopyOptions: ...

    def upload_lines(
        self, stem: str, data: memoryview, ends: np.ndarray
    ) -> tuple[list[str], list[tuple[int, int]]]: ...


@dataclass
class _Batch:
    """A batch in flight: its records by kind, where each part starts, and the refusals."""

    records: dict[FileKind, Records] = field(default_factory=dict)
    parts: dict[str, tuple[FileKind, int]] = field(default_factory=dict)  # url -> kind, row
    rejects: dict[str, list[object]] = field(
        default_factory=lambda: {name: [] for name in _REJECT_SCHEMA.names}
    )

    def reject(self, path: str, line: int | None, reason: str, raw: str | None) -> None:
        """Record one refused record."""
        for key, value in zip(self.rejects, (path, line, reason, raw), strict=True):
            self.rejects[key].append(value)


def _kept(con: duckdb.DuckDBPyConnection, rejects: pa.Table) -> pa.Table:
    """The rejects with their raw text as every target keeps it (cut to the column's width)."""
    columns = f"source_file, source_line, reason, {kept_raw_text('raw_text')} AS raw_text"
    return con.from_arrow(rejects).project(columns).to_arrow_table()


def _copy(target: CopyTarget, sql: str, limit: int) -> None:
    """Run a COPY whose MAXERROR is ``limit`` (see ``CopyOptions.for_run``)."""
    try:
        target.execute(sql)
    except QueryError as e:
        if "Load into table" in str(e):
            over = (
                f"more than --max-errors {limit - 1}"
                if limit < rsql.MAXERROR_LIMIT
                else "Redshift's largest MAXERROR"
            )
            raise TooManyErrorsError(
                f"A COPY refused {limit} or more records (MAXERROR {limit}), {over}; "
                "nothing was committed.",
                "See SYS_LOAD_ERROR_DETAIL for the reasons, fix the input, or raise --max-errors.",
            ) from e
        raise


def _load_kind(target: CopyTarget, batch: _Batch, recs: Records, stem: str) -> None:
    """Upload ``recs`` and COPY them into their load table."""
    table = TABLES[recs.kind]
    r = target.renderer
    target.execute(rsql.create_load_table(r, table))
    if recs.rows.num_rows == 0:
        return
    data, ends = recs.buffer()
    urls, ranges = target.upload_lines(stem, data, ends)
    for url, (start, _) in zip(urls, ranges, strict=True):
        batch.parts[url] = (recs.kind, start)
    area = target.staging_area()
    manifest_url = area.put(f"{stem}.manifest", rsql.manifest(urls).encode())
    jsonpaths_url = area.put(f"{stem}.jsonpaths", rsql.jsonpaths(table).encode())
    options = target.copy_options()
    _copy(
        target,
        rsql.copy_records(r, table, manifest_url, jsonpaths_url, options),
        options.max_errors,
    )


def _copy_errors(target: CopyTarget, batch: _Batch, stem: str) -> Counter[FileKind]:
    """Records COPY refused, traced back to their source file, line and raw text; returns how
    many were traced, by kind. Only this batch's parts (``stem`` + ``%``) are asked for."""
    traced: Counter[FileKind] = Counter()
    found = target.query(rsql.LOAD_ERRORS, [target.staging_area().url + stem + "%"])
    for url, line, column, code, message in found:
        part = batch.parts.get(str(url).strip())
        if part is None:  # a name cut short: counted as untraced by _contract
            continue
        traced[part[0]] += 1
        recs = batch.records[part[0]]
        field_name = str(column or "").strip()
        reason = str(message).strip() + (f" (field {field_name})" if field_name else "")
        row = part[1] + int(line) - 1
        if 0 <= row < recs.rows.num_rows:
            path, source_line = recs.locate(row)
            if code == rsql.TOO_LONG:  # a value over its width: the reason every target gives
                reason = recs.staging_reason(TABLES[recs.kind], path, source_line) or reason
            batch.reject(path, source_line, reason, recs.raw_text(path, source_line))
        else:  # cannot happen with parts sparkify wrote; kept, not lost, if it does
            batch.reject(str(url).strip(), int(line), reason, None)
    return traced


def _contract(target: CopyTarget, batch: _Batch, recs: Records, traced: int) -> int:
    """Move the accepted rows into staging; returns how many were staged. Every record COPY
    did not load must have been traced (``traced``) to its file and line: nothing is lost."""
    table: Table = TABLES[recs.kind]
    r = target.renderer
    loaded = int(target.scalar(rsql.count_loaded(r, table)) or 0)
    untraced = recs.rows.num_rows - loaded - traced
    if untraced:
        raise QueryError(
            f"Redshift's COPY into {table.name} refused {recs.rows.num_rows - loaded} records "
            f"and SYS_LOAD_ERROR_DETAIL names {traced}: cannot trace {untraced} records COPY "
            "refused to their files, so the run stops; nothing was committed.",
            "Check that the load user can read SYS_LOAD_ERROR_DETAIL and that s3_staging is "
            "short (Redshift cuts file names at 256 characters), then run again.",
        )
    refused = target.query(rsql.contract_rejects(r, table))
    for path, line, reason in refused:
        batch.reject(str(path), int(line), str(reason), recs.raw_text(str(path), int(line)))
    target.execute(rsql.insert_staged(r, table))
    target.execute(rsql.drop_load_table(r, table))
    return loaded - len(refused)


def _counts(batch: _Batch, datas: list[FileData]) -> dict[str, FileCounts]:
    rejected = Counter(str(p) for p in batch.rejects["source_file"])
    seen: dict[str, int] = {}
    for recs in batch.records.values():
        for idx, d in enumerate(recs.files):
            seen[d.file.path] = recs.counts.get(idx, 0)
    return {
        d.file.path: FileCounts(seen.get(d.file.path, 0) + len(d.rejects), rejected[d.file.path])
        for d in datas
    }


def stage_on_redshift(target: CopyTarget, datas: list[FileData], number: int) -> StagedBatch:
    """Stage ``datas`` (batch ``number`` of the run) into the staging tables and
    ``load_errors``; returns the batch's counts."""
    con = target.parser_connection()
    batch = _Batch()
    staged = {kind: 0 for kind in FileKind}
    stem = f"b{number:03d}-"
    traced: Counter[FileKind] = Counter()
    try:
        for kind in FileKind:
            group = [d for d in datas if d.file.kind is kind]
            if group:
                try:
                    recs = prepare(con, kind, group)
                except duckdb.Error as e:
                    raise parse_failure(group, e) from e
                batch.records[kind] = recs
                for values in zip(*recs.rejects.values(), strict=True):
                    batch.reject(*values)
                _load_kind(target, batch, recs, f"{stem}{TABLES[kind].name}")
        if batch.parts:
            traced = _copy_errors(target, batch, stem)
        for kind, recs in batch.records.items():
            staged[kind] = _contract(target, batch, recs, traced[kind])
    finally:
        target.staging_area().clean()
    if batch.rejects["source_file"]:
        target.insert_rows(LOAD_ERRORS, _kept(con, pa.table(batch.rejects, schema=_REJECT_SCHEMA)))
    rejected = len(batch.rejects["source_file"])
    return StagedBatch(_counts(batch, datas), staged[FileKind.LOG], staged[FileKind.SONG], rejected)
