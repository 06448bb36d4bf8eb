"""The queries of the run history (``sparkify_runs``)."""

from __future__ import annotations

from sparkify.schema.model import RUNS
from sparkify.schema.render import Renderer


def recent_runs(r: Renderer, limit: int) -> str:
    """The ``limit`` latest runs, every column, newest first."""
    cols = ", ".join(r.quote(c) for c in RUNS.column_names)
    return (
        f"SELECT {cols} FROM {r.quote(RUNS.name)} "
        f"ORDER BY {r.quote('started_at')} DESC, {r.quote('run_id')} DESC LIMIT {int(limit)}"
    )
