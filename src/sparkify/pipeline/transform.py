"""Build the star schema from staging: a full rebuild, or incremental maintenance when a run
only adds files. Both run inside the caller's transaction and give the same tables."""

from __future__ import annotations

from sparkify.pipeline.progress import Reporter
from sparkify.sql import statements
from sparkify.targets.base import Target


def run_transform(target: Target, reporter: Reporter) -> None:
    """Rebuild the five star tables from staging (where, the target decides: in the
    warehouse, or in the client from its copy of all staging rows, a first load on
    PostgreSQL)."""
    target.rebuild_star(
        lambda total: reporter.start("Transforming", total, "steps"),
        lambda: reporter.advance("Transforming"),
    )
    reporter.finish("Transforming")


def snapshot_before_staging(target: Target) -> None:
    """Remember the song-match candidates before new files are staged (for
    :func:`run_incremental`)."""
    for stmt in statements("snapshot", target.renderer):
        target.execute(stmt.sql)


#: Incremental steps needed only when the run staged song records.
SONG_STEPS = frozenset(
    {"drop_changed_keys", "changed_keys", "clear_songs", "songs", "clear_artists", "artists"}
    | {"rematch_songplays"}
)


def run_incremental(
    target: Target, reporter: Reporter, event_base: int, *, songs_changed: bool
) -> None:
    """Bring the star tables up to date after a run that only added files: new plays, users
    and times; when song records arrived, songs and artists rebuilt (catalogue-sized) and the
    plays whose song match changed updated. ``event_base`` is the largest event_id staged
    before the run; with ``songs_changed`` the snapshot of :func:`snapshot_before_staging`
    must exist."""
    stmts = statements("incremental", target.renderer)
    if not songs_changed:
        stmts = [s for s in stmts if s.name not in SONG_STEPS]
    reporter.start("Transforming", len(stmts), "steps")
    target.transform(
        stmts, lambda: reporter.advance("Transforming"), event_base=event_base, full=False
    )
    reporter.finish("Transforming")


def cleanup(target: Target) -> None:
    """Drop the run's temp tables."""
    for stmt in statements("cleanup", target.renderer):
        target.execute(stmt.sql)
