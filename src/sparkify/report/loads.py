"""The Loads section: the latest runs (when, what they loaded, outcome) and the rows of
``songplays`` after each committed run, from ``sparkify_runs``."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from html import escape
from typing import Any

from sparkify.report.cards import card, section, table
from sparkify.report.charts import Bar, column_chart, fmt_int, plural
from sparkify.report.data import ReportData

Run = dict[str, Any]


def fmt_when(value: datetime) -> str:
    """``2025-01-01 12:00 UTC``."""
    return f"{value:%Y-%m-%d %H:%M} UTC"


def last_loaded(runs: list[Run]) -> str:
    """When the warehouse last committed a load (one sentence)."""
    committed = [r for r in runs if r["outcome"] == "committed"]
    if not committed:
        return "No load recorded yet." if not runs else "No committed load among the last runs."
    return f"Last loaded {fmt_when(committed[0]['finished_at'])}."


def _loaded(r: Run) -> str:
    if r["records_read"] is None:
        return "—"
    text = (
        f"{plural(r['files_new'], 'new file')}, {plural(r['files_changed'], 'changed file')}, "
        f"{plural(r['records_read'], 'record')} read, {fmt_int(r['records_rejected'])} rejected"
    )
    return escape(text)


def _outcome(r: Run) -> str:
    css = {"committed": "pass", "failed": "fail", "rejected": "fail"}.get(r["outcome"], "warn")
    badge = f'<span class="badge {css}">{escape(r["outcome"])}</span>'
    if r["error"]:
        badge += f'<br><span class="muted">exit {r["exit_code"]}: {escape(r["error"])}</span>'
    return badge


def _runs_card(runs: list[Run]) -> str:
    rows = [
        [
            escape(fmt_when(r["started_at"])),
            escape(f"{r['command']}, {r['mode'] or 'stopped before loading'}"),
            _loaded(r),
            "" if r["songplays_rows"] is None else fmt_int(r["songplays_rows"]),
            _outcome(r),
        ]
        for r in runs
    ]
    listing = table(
        ["Started", "Run", "Loaded", "Plays after", "Outcome"],
        rows,
        numeric=[3],
        caption="Latest runs, newest first",
    )
    lead = f"{plural(len(runs), 'run')} recorded here. {last_loaded(runs)}"
    return (
        f'<div class="card wide" id="loads-runs"><h3>Latest runs</h3><p>{lead}</p>{listing}</div>'
    )


def _rows_card(runs: list[Run]) -> str:
    committed = [r for r in reversed(runs) if r["songplays_rows"] is not None]
    labels = [f"{r['finished_at']:%d %b %H:%M}" for r in committed]
    values = [int(r["songplays_rows"]) for r in committed]
    bars = [
        Bar(
            label,
            v,
            f"{fmt_when(r['finished_at'])}: {plural(v, 'play')}",
            highlight=i == len(values) - 1,
        )
        for i, (label, v, r) in enumerate(zip(labels, values, committed, strict=True))
    ]
    every = 1 if len(bars) <= 8 else -(-len(bars) // 8)
    draw = partial(
        column_chart, bars=bars, x_title="Committed run (UTC)", y_title="Rows", label_every=every
    )
    reading = (
        f"Rows in songplays after each of the last {plural(len(values), 'committed run')}: "
        f"{fmt_int(values[0])} after the first shown, {fmt_int(values[-1])} now."
    )
    data_table = table(
        ["Run finished (UTC)", "Rows in songplays"],
        [
            [escape(fmt_when(r["finished_at"])), fmt_int(v)]
            for r, v in zip(committed, values, strict=True)
        ],
        numeric=[1],
    )
    return card("chart-loads", "Rows over time", reading, draw, data_table)


def loads(data: ReportData) -> str:
    """The runs recorded in the warehouse and its rows over time."""
    if not data.runs:
        empty = (
            '<div class="card"><h3>Latest runs</h3><p class="empty">No runs recorded yet.</p></div>'
        )
        return section("loads", "Loads", [empty])
    cards = [_runs_card(data.runs)]
    if any(r["songplays_rows"] is not None for r in data.runs):
        cards.append(_rows_card(data.runs))
    return section("loads", "Loads", cards)
