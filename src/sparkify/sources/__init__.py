"""Where input files come from: a local folder today, ``s3://`` through the same interface."""

from __future__ import annotations

from pathlib import Path

from sparkify.batch import FileKind, SourceFile
from sparkify.config import Settings
from sparkify.errors import ConfigError
from sparkify.sources.base import Source
from sparkify.sources.local import LocalSource


def _is_s3(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith("s3://")


def open_source(settings: Settings) -> Source:
    """The source described by ``settings`` (``source`` root, ``log_data``/``song_data``
    overrides)."""
    root = settings.source
    log = settings.log_data or (f"{root.rstrip('/')}/log_data" if root else None)
    song = settings.song_data or (f"{root.rstrip('/')}/song_data" if root else None)
    if log is None or song is None:
        raise ConfigError(
            "Both log data and song data are needed.",
            "Set --source (a folder holding log_data/ and song_data/) or both --log-data "
            "and --song-data.",
        )
    if _is_s3(log) or _is_s3(song):
        from sparkify.sources.s3 import open_s3_source

        return open_s3_source(log, song, settings)
    return LocalSource(Path(log).expanduser(), Path(song).expanduser())


__all__ = ["FileKind", "LocalSource", "Source", "SourceFile", "open_source"]
