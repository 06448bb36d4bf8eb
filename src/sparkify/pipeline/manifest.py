"""The manifest of loaded files: what to skip, what to load, what to reload."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pyarrow as pa

from sparkify.batch import FileCounts, FileData, SourceFile
from sparkify.pipeline.read import is_legacy_checksum, legacy_checksum
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


_COLUMNS = ("source_file", *Entry._fields)


class Manifest(Mapping[str, Entry]):
    """Every manifest entry of the warehouse, by source file, kept as the query's columns: a
    catalogue of 500,000 song files would otherwise make 500,000 tuples on every run. An
    :class:`Entry` is made only when one is looked up."""

    def __init__(self, columns: Sequence[Sequence[Any]]) -> None:
        self._paths = columns[0]
        self._size, self._mtime, self._checksum = columns[1], columns[2], columns[3]
        self._columns = columns[1:]
        self._row = dict(zip(self._paths, range(len(self._paths)), strict=True))

    def __getitem__(self, path: str) -> Entry:
        i = self._row[path]
        return Entry(*(column[i] for column in self._columns))

    def __contains__(self, path: object) -> bool:
        return path in self._row

    def get(self, path: str, default: Entry | None = None) -> Entry | None:  # type: ignore[override]
        """The entry of ``path``, or ``default``; without the KeyError that Mapping's ``get``
        raises and catches for every new file (about 25 ms per 100,000)."""
        i = self._row.get(path)
        return default if i is None else Entry(*(column[i] for column in self._columns))

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def id_ends(self) -> dict[str, int]:
        """The last event id reserved by each loaded log file."""
        ends = self._columns[Entry._fields.index("id_end")]
        return {path: end for path, end in zip(self._paths, ends, strict=True) if end}

    def same(self, file: SourceFile) -> bool:
        """Whether ``file`` certainly did not change since it was loaded: the same size and
        modification time, or the same ETag."""
        i = self._row.get(file.path)
        if i is None or self._size[i] != file.size:
            return False
        if file.etag is not None:
            return bool(file.etag == self._checksum[i])
        return file.mtime is not None and bool(self._mtime[i] == file.mtime)


@dataclass(frozen=True)
class Plan:
    """Files to read (new, or whose size/mtime/ETag differ) and files known to be unchanged."""

    to_read: list[SourceFile]
    unchanged: list[SourceFile]
    known: Manifest


def read_manifest(target: Target) -> Manifest:
    """Every manifest entry of the warehouse, by source file."""
    return Manifest(target.query_columns(run_sql.manifest_entries(_COLUMNS), len(_COLUMNS)))


class EventIds:
    """The event ids reserved so far, kept in step with the run so that no batch has to ask
    the warehouse: new log files number their events above :meth:`base`."""

    def __init__(self, known: Manifest) -> None:
        self._ends = known.id_ends()

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


def plan(files: list[SourceFile], known: Manifest) -> Plan:
    """Split ``files`` into those that must be read and those that certainly did not change
    (same size and modification time, or same ETag)."""
    to_read: list[SourceFile] = []
    unchanged: list[SourceFile] = []
    for f in files:
        (unchanged if known.same(f) else to_read).append(f)
    return Plan(to_read, unchanged, known)


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
