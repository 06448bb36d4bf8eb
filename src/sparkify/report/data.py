"""The numbers behind the analytics report, read from any target with ``target.query()``.

Every query lives in ``sparkify/sql/report.sql``; this module only runs them and turns driver
values (``Decimal``, ``int``, ``datetime``) into plain Python values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sparkify.errors import TargetError
from sparkify.pipeline.check import CheckReport, run_checks
from sparkify.pipeline.history import recent_runs
from sparkify.pipeline.run import table_counts
from sparkify.schema.model import LOADED_TABLES
from sparkify.sql import statements
from sparkify.targets.base import Target

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Overview:
    """The headline numbers of the songplays fact table and the staged events."""

    plays: int
    listeners: int
    sessions: int
    days: int
    first_play: datetime | None
    last_play: datetime | None
    matched_plays: int
    paid_plays: int
    events: int
    logged_out_events: int

    @property
    def matched_share(self) -> float:
        """Share of plays matched to a catalogue song (0 when there are no plays)."""
        return self.matched_plays / self.plays if self.plays else 0.0

    @property
    def paid_share(self) -> float:
        """Share of plays by users on the paid level."""
        return self.paid_plays / self.plays if self.plays else 0.0


@dataclass(frozen=True)
class FilesLoaded:
    """Manifest totals for one kind of input file (``log`` or ``song``)."""

    kind: str
    files: int
    records: int
    rejected: int
    bytes: int


@dataclass(frozen=True)
class Ranked:
    """One row of a top-N list: a label, an optional second line, the plays and extra counts."""

    label: str
    sublabel: str
    plays: int
    extra: int = 0


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML report shows."""

    target: str
    generated_at: datetime
    overview: Overview
    table_counts: dict[str, int]
    files: list[FilesLoaded]
    rejection_reasons: list[tuple[str, int]]
    checks: CheckReport
    plays_by_day: list[tuple[date, int]]
    plays_by_hour: list[int]
    plays_by_weekday: list[int]
    top_songs_logged: list[Ranked]
    top_artists_logged: list[Ranked]
    top_songs_matched: list[Ranked]
    top_artists_matched: list[Ranked]
    plays_by_level: dict[str, tuple[int, int]]
    users_by_level: dict[str, int]
    top_locations: list[Ranked]
    top_listeners: list[Ranked]
    user_activity: list[tuple[int, int]]
    #: The latest runs of sparkify_runs, newest first (empty on an older warehouse).
    runs: list[dict[str, Any]] = field(default_factory=list)


NOT_LOGGED = "(not logged)"
#: How many of the latest runs the report shows.
RUNS_SHOWN = 20


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _text(value: Any) -> str:
    return NOT_LOGGED if value is None else str(value)


def _overview(one: Row, events: Row) -> Overview:
    plays, listeners, sessions, days, first, last, matched, paid = one
    return Overview(
        plays=_int(plays),
        listeners=_int(listeners),
        sessions=_int(sessions),
        days=_int(days),
        first_play=first,
        last_play=last,
        matched_plays=_int(matched),
        paid_plays=_int(paid),
        events=_int(events[0]),
        logged_out_events=_int(events[2]),
    )


def _counts_by(rows: list[Row], size: int) -> list[int]:
    out = [0] * size
    for key, plays in rows:
        if key is not None and 0 <= int(key) < size:
            out[int(key)] = _int(plays)
    return out


def _listener(row: Row) -> Ranked:
    user_id, first, last, level, plays = row
    name = " ".join(str(n) for n in (first, last) if n) or f"user {user_id}"
    return Ranked(name, f"user {user_id} · {_text(level)} now", _int(plays))


def require_star_schema(target: Target) -> None:
    """Raise ``TargetError`` when the warehouse lacks any of sparkify's tables."""
    missing = sorted({t.name for t in LOADED_TABLES} - target.table_names())
    if missing:
        raise TargetError(
            f"The warehouse {target.describe()} has no table {', '.join(missing)}.",
            "Load it first with `sparkify run`, or check --target.",
        )


def collect(target: Target, *, now: datetime | None = None) -> ReportData:
    """Run the report queries on a connected ``target`` and return their results.

    Raises ``TargetError`` when the warehouse has not been created, ``QueryError`` when a
    query fails."""
    require_star_schema(target)
    q = {s.name: target.query(s.sql) for s in statements("report", target.renderer)}
    return ReportData(
        target=target.describe(),
        generated_at=now or datetime.now(UTC),
        overview=_overview(q["overview"][0], q["events"][0]),
        table_counts=table_counts(target),
        files=[FilesLoaded(str(k), *(_int(v) for v in rest)) for k, *rest in q["files_loaded"]],
        rejection_reasons=[(_text(r), _int(n)) for r, n in q["rejection_reasons"]],
        checks=run_checks(target),
        plays_by_day=[(date(int(y), int(m), int(d)), _int(n)) for y, m, d, n in q["plays_by_day"]],
        plays_by_hour=_counts_by(q["plays_by_hour"], 24),
        plays_by_weekday=_counts_by(q["plays_by_weekday"], 7),
        top_songs_logged=[Ranked(_text(t), _text(a), _int(n)) for t, a, n in q["top_songs_logged"]],
        top_artists_logged=[
            Ranked(_text(a), "", _int(n), _int(s)) for a, n, s in q["top_artists_logged"]
        ],
        top_songs_matched=[
            Ranked(_text(t), _text(a), _int(n)) for _, t, a, n in q["top_songs_matched"]
        ],
        top_artists_matched=[Ranked(_text(a), "", _int(n)) for _, a, n in q["top_artists_matched"]],
        plays_by_level={str(k): (_int(p), _int(u)) for k, p, u in q["plays_by_level"]},
        users_by_level={str(k): _int(n) for k, n in q["users_by_level"]},
        top_locations=[
            Ranked(_text(loc), "", _int(n), _int(u)) for loc, n, u in q["top_locations"]
        ],
        top_listeners=[_listener(row) for row in q["top_listeners"]],
        user_activity=[(_int(p), _int(u)) for p, u in q["user_activity"]],
        runs=recent_runs(target, RUNS_SHOWN),
    )
