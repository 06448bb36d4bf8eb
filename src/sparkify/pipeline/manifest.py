"""The manifest of loaded files: what to skip, what to load, what to reload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from sparkify.batch import FileCounts, FileData, SourceFile
from sparkify.pipeline.read import is_legacy_checksum, legacy_checksum
from sparkify.schema.arrow import arrow_schema
from sparkify.schema.model import MANIFEST
from sparkify.sql import run as run_sql
from sparkify.targets.base import Target


class Entry(NamedTuple):
    """What the manifest remembers of one loaded file."""

    size: int
    mtime: float | None
    checksum: str
    records: int
    rejected: int
    id_end: int | None = None


@dataclass(frozen=True)
class Plan:
    """Files to read (new, or whose size/mtime/ETag differ), with what the manifest remembers
    of those it already holds; how many entries it holds in all, and how many listed files
    certainly did not change."""

    to_read: list[SourceFile]
    known: dict[str, Entry]
    loaded: int
    unchanged: int


def listing_table(files: Sequence[SourceFile]) -> pa.Table:
    """``files`` as the Arrow table :func:`sparkify.sql.run.files_to_read` reads: one
    transposition in C, no loop over the files in Python."""
    if not files:
        paths: Sequence[Any] = ()
        sizes = mtimes = etags = paths
    else:
        paths, _, sizes, _, mtimes, etags = zip(*files, strict=True)
    return pa.table(
        {
            "idx": pa.array(np.arange(len(files), dtype=np.int64)),
            "path": pa.array(paths, pa.string()),
            "size": pa.array(sizes, pa.int64()),
            "mtime": pa.array(mtimes, pa.float64()),
            "etag": pa.array(etags, pa.string()),
        }
    )


def plan(files: list[SourceFile], target: Target) -> Plan:
    """Split ``files`` (sorted by path) into those that must be read and those that certainly
    did not change (same size and modification time, or same ETag). The comparison is one
    join in DuckDB (:meth:`Target.files_to_read`): only the files to read come back, with
    their manifest entries, so an unchanged catalogue costs no Python per file."""
    loaded = int(target.scalar(run_sql.MANIFEST_SIZE) or 0)
    if not loaded or not files:
        return Plan(list(files), {}, loaded, 0)
    rows = target.files_to_read(listing_table(files))
    to_read = [files[row[0]] for row in rows]
    known = {files[row[0]].path: Entry(*row[2:]) for row in rows if row[1]}
    return Plan(to_read, known, loaded, len(files) - len(to_read))


def id_ends(target: Target) -> dict[str, int]:
    """The last event id reserved by each loaded log file."""
    return {str(path): int(end) for path, end in target.query(run_sql.ID_ENDS)}


class EventIds:
    """The event ids reserved so far, kept in step with the run so that no batch has to ask
    the warehouse: new log files number their events above :meth:`base`."""

    def __init__(self, ends: dict[str, int]) -> None:
        self._ends = dict(ends)

    def base(self) -> int:
        """The largest id reserved by a file still loaded."""
        return max(self._ends.values(), default=0)

    def forget(self, paths: list[str]) -> None:
        """Files whose rows were deleted (to be reloaded) no longer reserve their ids."""
        for path in paths:
            self._ends.pop(path, None)

    def record(self, counts: dict[str, FileCounts]) -> None:
        """Ranges reserved by files just staged."""
        self._ends.update((path, c.id_end) for path, c in counts.items() if c.id_end)


def is_unchanged(data: FileData, known: Mapping[str, Entry]) -> bool:
    """Whether a file that was read has the checksum and size already loaded. An entry
    written by an earlier version (blake2b) is compared with the bytes' blake2b; the
    manifest row written for the file then holds the new checksum."""
    entry = known.get(data.file.path)
    if entry is None or entry.size != data.file.size:
        return False
    if entry.checksum == data.checksum:
        return True
    return (
        data.file.etag is None
        and is_legacy_checksum(entry.checksum)
        and entry.checksum == legacy_checksum(data.stored)
    )


_SCHEMA = arrow_schema(MANIFEST.columns)


def manifest_rows(datas: list[FileData], counts: dict[str, FileCounts]) -> pa.Table:
    """Manifest rows for files just loaded (``counts``) or only touched (no counts: kept)."""
    if not datas:
        return _SCHEMA.empty_table()
    # transposed in C (zip), not a Python loop per column: a batch holds up to 50,000 files
    paths, kinds, sizes, _, mtimes, _ = zip(*(d.file for d in datas), strict=True)
    records, rejected, id_ends = zip(*(counts[p] for p in paths), strict=True)
    columns = [paths, kinds, sizes, mtimes, [d.checksum for d in datas], records, rejected, id_ends]
    return pa.Table.from_arrays(
        [pa.array(col, field.type) for col, field in zip(columns, _SCHEMA, strict=True)],
        schema=_SCHEMA,
    )
