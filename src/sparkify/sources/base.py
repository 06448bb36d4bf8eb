"""What a source of input files is: a listing of files and a way to read their bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
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


SUFFIXES = (".json", ".json.gz")


def is_input_name(name: str) -> bool:
    """Whether a file name is an input file (``*.json`` or ``*.json.gz``)."""
    return name.endswith(SUFFIXES) and not name.startswith(".")


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


class Source(ABC):
    """A place holding ``log_data`` and ``song_data`` files."""

    #: How many files to read at once (I/O bound, so more than the cores).
    concurrency: int = 8

    @abstractmethod
    def list_files(self) -> list[SourceFile]:
        """Every input file, sorted by path. Raises ``SourceError`` when a root is missing
        or cannot be listed."""

    @abstractmethod
    def read_bytes(self, file: SourceFile) -> bytes:
        """The stored bytes of ``file`` (still compressed). Raises ``SourceError``."""

    @abstractmethod
    def describe(self) -> str:
        """A short human description, e.g. the root path or URL."""

    @abstractmethod
    def locations(self) -> tuple[str, str]:
        """Where the ``log_data`` and ``song_data`` files are, resolved: an absolute local path
        or ``s3://bucket/prefix`` (no endpoint). A warehouse is bound to these."""
