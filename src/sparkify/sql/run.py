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


#: How many files the manifest holds.
MANIFEST_SIZE = f"SELECT COUNT(*) FROM {MANIFEST.name}"
#: The event ids each loaded log file reserved: ``source_file, id_end``.
ID_ENDS = f"SELECT source_file, id_end FROM {MANIFEST.name} WHERE id_end IS NOT NULL"

#: The name under which :func:`files_to_read` reads the Arrow table of a listing: ``idx``
#: (the file's position in the listing), ``path``, ``size``, ``mtime`` and ``etag`` (either
#: may be NULL).
LISTING_ARROW = "_listing_arrow"
#: The name under which a target whose manifest is elsewhere gives :func:`files_to_read` the
#: manifest's rows as an Arrow table.
MANIFEST_ARROW = "_manifest_arrow"
#: The manifest columns :func:`files_to_read` returns for a file it already holds.
ENTRY_COLUMNS = ("size", "mtime", "checksum", "records", "rejected", "id_end")


def files_to_read(manifest: str) -> str:
    """The listed files (:data:`LISTING_ARROW`) that must be read, in listing order: those the
    manifest (the relation ``manifest``) lacks, and those whose size differs or, when listed
    with an ETag, whose ETag differs, else whose modification time differs or is unknown.
    Columns: ``idx``, whether the manifest holds the file, then its :data:`ENTRY_COLUMNS`
    (NULL for a new file)."""
    entry = ", ".join(f"m.{c}" for c in ENTRY_COLUMNS)
    return (
        f"SELECT l.idx, m.source_file IS NOT NULL AS known, {entry} "
        f"FROM {LISTING_ARROW} l LEFT JOIN {manifest} m ON m.source_file = l.path "
        "WHERE m.source_file IS NULL OR m.size IS DISTINCT FROM l.size "
        "OR CASE WHEN l.etag IS NOT NULL THEN m.checksum IS DISTINCT FROM l.etag "
        "ELSE l.mtime IS NULL OR m.mtime IS DISTINCT FROM l.mtime END "
        "ORDER BY l.idx"
    )


def recorded_source(r: Renderer) -> str:
    """The source locations the warehouse is bound to (no row, or one)."""
    return f"SELECT log_data, song_data FROM {r.quote(SOURCE.name)}"


def clear(r: Renderer, table: Table) -> str:
    """Delete every row of ``table`` (inside the run's transaction, on every target)."""
    return f"DELETE FROM {r.quote(table.name)}"


def row_count(r: Renderer, name: str) -> str:
    """How many rows the table called ``name`` holds."""
    return f"SELECT COUNT(*) FROM {r.quote(name)}"
