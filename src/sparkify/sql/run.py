"""The portable statements a run sends besides the templates: the manifest and the source the
warehouse is bound to, the largest staged event id, emptying the warehouse for a full
refresh, and row counts (the same text on every target)."""

from __future__ import annotations

from collections.abc import Sequence

from sparkify.schema.model import MANIFEST, SOURCE, Table
from sparkify.schema.render import Renderer

#: The largest event id staged so far (0 when staging is empty).
MAX_EVENT_ID = "SELECT COALESCE(MAX(event_id), 0) FROM staging_events"


def manifest_entries(columns: Sequence[str]) -> str:
    """``columns`` of every manifest entry."""
    return f"SELECT {', '.join(columns)} FROM {MANIFEST.name}"


def recorded_source(r: Renderer) -> str:
    """The source locations the warehouse is bound to (no row, or one)."""
    return f"SELECT log_data, song_data FROM {r.quote(SOURCE.name)}"


def clear(r: Renderer, table: Table) -> str:
    """Delete every row of ``table`` (inside the run's transaction, on every target)."""
    return f"DELETE FROM {r.quote(table.name)}"


def row_count(r: Renderer, name: str) -> str:
    """How many rows the table called ``name`` holds."""
    return f"SELECT COUNT(*) FROM {r.quote(name)}"
