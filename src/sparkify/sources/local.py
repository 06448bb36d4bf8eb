"""Input files on a local (or mounted) file system."""

from __future__ import annotations

import os
from pathlib import Path

from sparkify.errors import SourceError
from sparkify.sources.base import FileKind, Source, SourceFile, is_input_name


def _walk(root: Path) -> list[os.DirEntry[str]]:
    entries: list[os.DirEntry[str]] = []
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=True):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=True) and is_input_name(entry.name):
                    entries.append(entry)
    return entries


def _read_all(fd: int, first: int) -> bytes:
    """Everything left in ``fd``; a short read of a regular file means its end."""
    data = os.read(fd, first)
    if len(data) < first:
        return data
    parts = [data]
    while part := os.read(fd, 1 << 20):  # the file grew since it was listed
        parts.append(part)
    return b"".join(parts)


class LocalSource(Source):
    """``log_data/`` and ``song_data/`` folders, at any depth below each root."""

    concurrency = 8

    def __init__(self, log_root: Path, song_root: Path) -> None:
        self.roots = {FileKind.LOG: log_root, FileKind.SONG: song_root}

    def describe(self) -> str:
        log, song = self.roots[FileKind.LOG], self.roots[FileKind.SONG]
        if log.parent == song.parent and log.name == "log_data" and song.name == "song_data":
            return str(log.parent)
        return f"{log} + {song}"

    def list_files(self) -> list[SourceFile]:
        files: list[SourceFile] = []
        for kind, root in self.roots.items():
            if not root.is_dir():
                raise SourceError(
                    f"Source folder {root} not found.",
                    f"Point --source at a folder holding {kind.folder}/, "
                    f"or set --{kind.value}-data.",
                )
            try:
                entries = _walk(root)
            except OSError as e:
                raise SourceError(f"Cannot list {root}: {e.strerror}.", "Check permissions.") from e
            prefix = len(str(root).rstrip(os.sep)) + 1
            folder = kind.folder + "/"
            for entry in entries:
                st = entry.stat(follow_symlinks=True)
                rel = entry.path[prefix:]
                if os.sep != "/":
                    rel = rel.replace(os.sep, "/")
                files.append(SourceFile(folder + rel, kind, st.st_size, entry.path, st.st_mtime))
        files.sort(key=lambda f: f.path)
        return files

    def read_bytes(self, file: SourceFile) -> bytes:
        # os.read rather than open(): no buffered file object per file, which is most of the
        # cost of reading 100,000 tiny song files
        try:
            fd = os.open(file.location, os.O_RDONLY)
            try:
                return _read_all(fd, file.size + 1)
            finally:
                os.close(fd)
        except OSError as e:
            raise SourceError(
                f"Cannot read {file.location}: {e.strerror}.",
                "Check that the file exists and is readable, then run again.",
            ) from e
