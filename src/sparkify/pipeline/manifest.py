"""The manifest of loaded files: what to skip, what to load, what to reload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pyarrow as pa

from sparkify.pipeline.read import FileData, is_legacy_checksum, legacy_checksum
from sparkify.pipeline.stage import FileCounts
from sparkify.schema.model import MANIFEST
from sparkify.sources.base import SourceFile
from sparkify.targets.base import Target


class Entry(NamedTuple):
    """What the manifest remembers of one loaded file (a tuple: 100,000 of them are made
    on every run)."""

    size: int
    mtime: float | None
    checksum: str
    records: int
    rejected: int
    id_end: int | None = None


@dataclass(frozen=True)
class Plan:
    """Files to read (new, or whose size/mtime/ETag differ) and files known to be unchanged."""

    to_read: list[SourceFile]
    unchanged: list[SourceFile]
    known: dict[str, Entry]


def read_manifest(target: Target) -> dict[str, Entry]:
    """Every manifest entry of the warehouse, by source file."""
    rows = target.query(
        "SELECT source_file, size, mtime, checksum, records, rejected, id_end "
        "FROM sparkify_manifest"
    )
    return {r[0]: Entry(*r[1:]) for r in rows}


class EventIds:
    """The event ids reserved so far, kept in step with the run so that no batch has to ask
    the warehouse: new log files number their events above :meth:`base`."""

    def __init__(self, known: dict[str, Entry]) -> None:
        self._ends = {path: e.id_end for path, e in known.items() if e.id_end}

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


def _same(file: SourceFile, entry: Entry) -> bool:
    if file.size != entry.size:
        return False
    if file.etag is not None:
        return file.etag == entry.checksum
    return file.mtime is not None and entry.mtime == file.mtime


def plan(files: list[SourceFile], known: dict[str, Entry]) -> Plan:
    """Split ``files`` into those that must be read and those that certainly did not change
    (same size and modification time, or same ETag)."""
    to_read: list[SourceFile] = []
    unchanged: list[SourceFile] = []
    for f in files:
        entry = known.get(f.path)
        (unchanged if entry is not None and _same(f, entry) else to_read).append(f)
    return Plan(to_read, unchanged, known)


def is_unchanged(data: FileData, known: dict[str, Entry]) -> bool:
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


_TYPES = (pa.string(), pa.string(), pa.int64(), pa.float64(), pa.string(), pa.int32(), pa.int32())
_SCHEMA = pa.schema(list(zip(MANIFEST.column_names, (*_TYPES, pa.int64()), strict=True)))


def manifest_rows(datas: list[FileData], counts: dict[str, FileCounts]) -> pa.Table:
    """Manifest rows for files just loaded (``counts``) or only touched (no counts: kept)."""
    files = [d.file for d in datas]
    of = [counts[f.path] for f in files]
    columns = [
        [f.path for f in files],
        [f.kind.value for f in files],
        [f.size for f in files],
        [f.mtime for f in files],
        [d.checksum for d in datas],
        [c.records for c in of],
        [c.rejected for c in of],
        [c.id_end for c in of],
    ]
    return pa.Table.from_arrays(
        [pa.array(col, field.type) for col, field in zip(columns, _SCHEMA, strict=True)],
        schema=_SCHEMA,
    )
