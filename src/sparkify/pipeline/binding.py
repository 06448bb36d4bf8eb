"""A warehouse is bound to the source it was loaded from (table ``sparkify_source``).

A run from another source would mix two data sets (files with the same relative paths count
as changed, the others stay), so it stops unless it is a full refresh. The generated demo is
recorded as :data:`DEMO`, not as its temporary folder, and gives way to the first real source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from sparkify.errors import SourceMismatchError
from sparkify.schema.model import SOURCE
from sparkify.sql import run as run_sql
from sparkify.targets.base import Target

#: The location recorded for both parts of the generated demo data.
DEMO = "sparkify:demo"


@dataclass(frozen=True)
class Origin:
    """The resolved ``log_data`` and ``song_data`` locations a warehouse is loaded from."""

    log_data: str
    song_data: str

    @property
    def is_demo(self) -> bool:
        """Whether this is the generated demo data."""
        return self.log_data == DEMO and self.song_data == DEMO

    def describe(self) -> str:
        """The origin in words: the demo, one root holding both folders, or both locations."""
        if self.is_demo:
            return "the generated demo data"
        log_root, _, log_name = self.log_data.rpartition("/")
        song_root, _, song_name = self.song_data.rpartition("/")
        if log_root == song_root and (log_name, song_name) == ("log_data", "song_data"):
            return log_root
        return f"log_data {self.log_data} and song_data {self.song_data}"

    def rows(self) -> pa.Table:
        """The one row recorded in ``sparkify_source``."""
        return pa.table({"log_data": [self.log_data], "song_data": [self.song_data]})


def recorded(target: Target) -> Origin | None:
    """The origin recorded in the warehouse; None when none was (a new warehouse, or one
    written before sources were recorded)."""
    found = target.query(run_sql.recorded_source(target.renderer))
    return Origin(str(found[0][0]), str(found[0][1])) if found else None


def bind(
    target: Target,
    origin: Origin,
    *,
    full_refresh: bool,
    note: Callable[[str], None],
) -> bool:
    """Check ``origin`` against the warehouse's recorded one and record it, inside the run's
    transaction, before anything is read (the table is created when missing). Returns
    whether the warehouse's data must be emptied (a full refresh, or only the demo held so
    far: ``note`` says so). Raises
    ``SourceMismatchError`` (nothing changed) when the warehouse holds another source's data
    and this is not a full refresh."""
    if SOURCE.name not in target.table_names():  # a warehouse from before sources were kept
        target.execute(target.renderer.create_table(SOURCE))
    held = recorded(target)
    if held == origin:
        return full_refresh
    if held is not None and not full_refresh:
        if not held.is_demo:
            raise SourceMismatchError(
                f"The warehouse {target.describe()} was loaded from {held.describe()}; "
                f"this run's source is {origin.describe()}.",
                "`--full-refresh` replaces the warehouse's contents with the new source; "
                "or choose another `--target`.",
            )
        note(
            f"The warehouse {target.describe()} held only the generated demo data: "
            f"replacing it with {origin.describe()}."
        )
        full_refresh = True
    if held is not None:
        target.execute(run_sql.clear(target.renderer, SOURCE))
    target.insert_rows(SOURCE, origin.rows())
    return full_refresh
