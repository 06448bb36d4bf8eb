"""The values every layer hands around: input files, the text read from them, and what staging
made of a batch of them. Nothing here imports the pipeline, a source or a target."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class FileKind(StrEnum):
    """Which staging table a file feeds."""

    LOG = "log"
    SONG = "song"

    @property
    def folder(self) -> str:
        """The conventional folder name (``log_data``/``song_data``)."""
        return f"{self.value}_data"


class SourceFile(NamedTuple):
    """One input file (a tuple: a listing makes 100,000 of them).

    ``path`` is its name relative to the source root, starting with ``log_data/`` or
    ``song_data/``; it is the identity used by the manifest and in lineage columns, so the
    same data gives the same rows whether it is read from disk or from S3.
    """

    path: str
    kind: FileKind
    size: int
    location: str
    mtime: float | None = None
    etag: str | None = None

    @property
    def gzipped(self) -> bool:
        """Whether the bytes are gzip-compressed."""
        return self.path.endswith(".gz")


@dataclass(frozen=True)
class Reject:
    """A record rejected before DuckDB saw it (bad encoding, corrupt gzip)."""

    line: int | None
    reason: str
    raw_text: str


@dataclass
class FileData:
    """What was read from one file: its checksum, its text and early rejects; ``stored`` is
    the file's bytes as read (the same object as ``text`` for a plain file without a BOM)."""

    file: SourceFile
    checksum: str
    text: bytes
    rejects: list[Reject] = field(default_factory=list)
    stored: bytes = b""


class FileCounts(NamedTuple):
    """Records found in one file, and how many of them were rejected (a tuple: a batch of
    song files makes 50,000 of them)."""

    records: int
    rejected: int
    id_end: int | None = None


@dataclass(frozen=True)
class StagedBatch:
    """The outcome of staging one batch: per-file counts and the rows staged and rejected."""

    counts: dict[str, FileCounts]
    events: int
    songs: int
    rejected: int
