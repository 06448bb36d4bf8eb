"""Terminal rendering for the command line: progress bars, summaries, check tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
from decimal import Decimal
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from sparkify.pipeline.check import CheckReport
from sparkify.pipeline.result import EtlResult
from sparkify.sql.checks import ALL_ROWS
from sparkify.targets.base import QueryResult

#: Columns of output that is not a terminal (a file, a pipe): wide enough never to cut a line.
UNCUT_WIDTH = 10_000


class UncutConsole(Console):
    """A console that fits a terminal's width, and cuts no line of output that goes to a file
    or a program (rich would wrap it at 80 columns); ``COLUMNS`` still sets the width."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal and "COLUMNS" not in os.environ:
            return ConsoleDimensions(UNCUT_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


# markup off: messages, paths and hints are printed as text ('sparkify[postgres]' keeps its
# brackets); styles are given as rich Text
stdout = UncutConsole(highlight=False, markup=False)
stderr = UncutConsole(stderr=True, highlight=False, markup=False)


def warn(message: str) -> None:
    """A warning on stderr (shown even with --quiet)."""
    stderr.print(Text.assemble(("warning:", "bold yellow"), " ", message), soft_wrap=True)


class RichReporter:
    """Draws a progress bar per task on stderr when it is a terminal (never when ``quiet``)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def _bar(self, unit: str) -> Progress:
        if self._progress is None:
            amount = (
                (DownloadColumn(), TransferSpeedColumn())
                if unit == "bytes"
                else (MofNCompleteColumn(),)
            )
            self._progress = Progress(
                TextColumn("{task.description:<13}"),
                BarColumn(),
                *amount,
                TimeElapsedColumn(),
                console=stderr,
                transient=False,
            )
            self._progress.start()
        return self._progress

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        if self.quiet or total == 0:  # nothing to do (a re-run with no new files): no bar
            return
        if not stderr.is_terminal:  # a file or a program: a bar would be noise in it
            return
        self._tasks[task] = self._bar(unit).add_task(task, total=total)

    def advance(self, task: str, amount: float = 1) -> None:
        if self._progress is not None and task in self._tasks:
            self._progress.advance(self._tasks[task], amount)

    def finish(self, task: str) -> None:
        if self._progress is not None and task in self._tasks:
            t = self._tasks.pop(task)
            total = self._progress.tasks[t].total
            if total is not None:
                self._progress.update(t, completed=total)
            self._progress.stop()
            self._progress = None

    def note(self, message: str) -> None:
        if not self.quiet:
            stderr.print(message)


def _n(value: int | float) -> str:
    return f"{value:,}"


def etl_summary(result: EtlResult, checks: CheckReport | None = None) -> Table:
    """The one-screen summary of a load."""
    title = "sparkify: load summary"
    if result.dry_run:
        title = "sparkify: dry run (rolled back, nothing was committed)"
    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column("what", style="bold")
    t.add_column("value", justify="right")
    if result.dry_run:
        t.add_row("dry run", Text("rolled back: the warehouse is unchanged", style="bold yellow"))
    t.add_row("source", result.source)
    t.add_row("target", result.target)
    files = (
        f"{_n(result.files_total)} ({_n(result.files_new)} new, "
        f"{_n(result.files_changed)} changed, {_n(result.files_skipped)} unchanged)"
    )
    t.add_row("files", files)
    t.add_row("records read", _n(result.records))
    t.add_row("events staged", _n(result.events_staged))
    t.add_row("songs staged", _n(result.songs_staged))
    t.add_row("records rejected", _n(result.rejected))
    if result.transformed:
        t.add_row("star schema", "updated incrementally" if result.incremental else "rebuilt")
    for name in ("songplays", "users", "songs", "artists", "time"):
        t.add_row(f"rows in {name}", _n(result.table_counts.get(name, 0)))
    if checks is not None:
        share = next((r.value for r in checks.results if r.name == "songplays_matched_share"), 0.0)
        new = checks.scope != ALL_ROWS.label
        t.add_row(f"{'new ' if new else ''}plays matched to a song", f"{share:.2%}")
        t.add_row(f"checks ({checks.scope})" if new else "checks", check_counts(checks))
    t.add_row("seconds", f"{result.seconds:.2f}")
    return t


def check_counts(report: CheckReport) -> str:
    """Every check counted by outcome: ``16 passed, 1 warned, 0 failed`` (and ``N reported``
    for checks that only report a value)."""
    n = {s: sum(1 for r in report.results if r.status == s) for s in ("pass", "warn", "fail")}
    line = f"{n['pass']} passed, {n['warn']} warned, {n['fail']} failed"
    info = sum(1 for r in report.results if r.status == "info")
    return line + (f", {info} reported" if info else "")


def rejected_files_warnings(result: EtlResult, shown: int = 10) -> list[str]:
    """One warning per file all of whose records were rejected (the first ``shown``)."""
    files = sorted(result.all_rejected.items())
    lines = [
        f"warning: {path}: all {n:,} records were rejected (see load_errors)"
        for path, n in files[:shown]
    ]
    if len(files) > shown:
        lines.append(f"warning: and {len(files) - shown:,} more files with every record rejected")
    return lines


def _count(n: int, counts: str) -> str:
    """``3 rows not in time``, ``1 row not in time``."""
    noun, _, rest = counts.partition(" ")
    return f"{_n(n)} {noun.removesuffix('s') if n == 1 else noun} {rest}".rstrip()


def rejects_table(result: EtlResult) -> Table | None:
    """A dry run's first rejected records (file, line, reason), saying how many more; None
    when nothing was rejected."""
    if not result.rejected:
        return None
    more = result.rejected - len(result.rejects)
    t = Table(
        title=f"rejected records: the first {len(result.rejects):,} of {result.rejected:,}",
        caption=f"… and {more:,} more" if more else None,
        title_justify="left",
        caption_justify="left",
    )
    t.add_column("file")
    t.add_column("line", justify="right")
    t.add_column("reason")
    for r in result.rejects:
        line = "" if r.source_line is None else str(r.source_line)
        t.add_row(r.source_file, line, r.reason)
    return t


def check_table(report: CheckReport) -> Table:
    """The checks as a table."""
    colors = {"pass": "green", "fail": "bold red", "warn": "yellow", "info": "cyan"}
    title = "sparkify: data-quality checks"
    if report.scope != ALL_ROWS.label:
        title += f" ({report.scope})"
    t = Table(title=title, title_justify="left")
    t.add_column("status")
    t.add_column("check")
    t.add_column("violations found", justify="right")
    t.add_column("what it verifies")
    for r in report.results:
        found = _count(int(r.value), r.counts) if r.counts else f"{r.value:.2%} (info)"
        t.add_row(Text(r.status, style=colors[r.status]), r.name, found, r.description)
    return t


def check_json(report: CheckReport) -> str:
    """The checks as JSON."""
    payload: dict[str, Any] = {
        "ok": report.ok,
        "scope": report.scope,
        "checks": [
            {
                "name": r.name,
                "description": r.description,
                "severity": r.severity.value,
                "status": r.status,
                "value": r.value,
                "counts": r.counts,
            }
            for r in report.results
        ],
    }
    return json.dumps(payload, indent=2)


def query_table(result: QueryResult) -> Table:
    """A query's result as a table (NULL shown dim)."""
    t = Table(*result.columns) if result.columns else Table("(no result set)")
    for row in result.rows:
        t.add_row(*(Text("NULL", style="dim") if v is None else str(v) for v in row))
    return t


def query_csv(result: QueryResult) -> str:
    """A query's result as CSV with a header line (NULL as an empty field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def json_keys(columns: list[str]) -> list[str]:
    """The columns as keys of one JSON object: a name seen before gets the first ``_2``,
    ``_3``, ... suffix that no column has, so no column is lost."""
    taken = set(columns)
    seen: set[str] = set()
    keys: list[str] = []
    for name in columns:
        key = name
        if key in seen:
            k = 2
            while f"{name}_{k}" in seen or f"{name}_{k}" in taken:
                k += 1
            key = f"{name}_{k}"
        seen.add(key)
        keys.append(key)
    return keys


def query_json(result: QueryResult) -> str:
    """A query's result as a JSON array of objects, one per row (see :func:`json_keys`)."""
    keys = json_keys(list(result.columns))
    rows = [{c: _json_value(v) for c, v in zip(keys, row, strict=True)} for row in result.rows]
    return json.dumps(rows, indent=2, ensure_ascii=False)
