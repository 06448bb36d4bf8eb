"""``s3://`` sources: not available in this version (see the README's roadmap)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkify.errors import ConfigError

if TYPE_CHECKING:
    from sparkify.config import Settings
    from sparkify.sources.base import Source


def open_s3_source(log_uri: str, song_uri: str, settings: Settings) -> Source:
    """Refuse clearly: S3 input is not implemented yet."""
    raise ConfigError(
        f"s3:// sources are not supported yet ({log_uri}).",
        "Copy the data to a local folder and pass --source DIR.",
    )
