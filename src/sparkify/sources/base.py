"""What a source of input files is: a listing of files and a way to read their bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter

from sparkify.batch import FileKind, SourceFile

_PLAIN = (".json", ".jsonl", ".ndjson")
#: Input file names end with one of these (newline-delimited JSON, optionally gzipped).
SUFFIXES = _PLAIN + tuple(f"{x}.gz" for x in _PLAIN)
#: The accepted names, for messages.
ACCEPTED = "*.json, *.jsonl, *.ndjson, each also .gz"


def is_input_name(name: str) -> bool:
    """Whether a file name is an input file (``*.json``, ``*.jsonl``, ``*.ndjson``, each
    optionally ``.gz``; case matters, hidden files are not)."""
    return name.endswith(SUFFIXES) and not name.startswith(".")


def pattern_of(name: str) -> str:
    """The pattern a file name is counted under in listing notes: ``*.json.gz``, ``*.txt``,
    ``.*`` (hidden files) or ``no extension``."""
    if name.startswith("."):
        return ".*"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return "no extension"
    if ext == "gz" and "." in stem.lstrip("."):
        return f"*.{stem.rpartition('.')[2]}.gz"
    return f"*.{ext}"


def _files(n: int) -> str:
    return f"{n:,} file{'' if n == 1 else 's'}"


def _counts(patterns: Counter[str]) -> str:
    ordered = sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{p}: {n:,}" for p, n in ordered)


def listing_notes(
    files: list[SourceFile], ignored: dict[FileKind, Counter[str]], where: dict[FileKind, str]
) -> list[str]:
    """One line per kind whose listing ignored files or found none: what was found and what
    was ignored, by pattern and count."""
    notes = []
    for kind in FileKind:
        skipped = ignored.get(kind, Counter())
        if not skipped and any(f.kind is kind for f in files):
            continue
        found = Counter(pattern_of(f.path.rsplit("/", 1)[-1]) for f in files if f.kind is kind)
        total = sum(found.values())
        line = (
            f"{kind.folder}: {_files(total)} ({_counts(found)})"
            if found
            else f"{kind.folder}: no input files ({ACCEPTED}) in {where[kind]}"
        )
        if skipped:
            line += f"; ignored {_files(sum(skipped.values()))} ({_counts(skipped)})"
        notes.append(line)
    return notes


class Source(ABC):
    """A place holding ``log_data`` and ``song_data`` files."""

    #: How many files to read at once (I/O bound, so more than the cores).
    concurrency: int = 8

    def listing_notes(self, files: list[SourceFile]) -> list[str]:
        """What :meth:`list_files` found and ignored, where it is worth saying (see
        :func:`listing_notes`); empty for a source that keeps no such record."""
        return []

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
