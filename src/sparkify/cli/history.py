"""The ``history`` command: the runs recorded in ``sparkify_runs``, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from sparkify.cli.options import common, settings_from, target
from sparkify.cli.render import stdout
from sparkify.pipeline.history import recent_runs
from sparkify.targets import open_target

NO_RUNS = "no runs recorded yet"
_COLORS = {"committed": "green", "failed": "bold red", "rejected": "bold red"}


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def runs_table(runs: list[dict[str, Any]]) -> Table:
    """The runs as a terminal table: new files, records read and rejected, rows in songplays
    after the run (the errors are listed after it, see :func:`errors`)."""
    t = Table(
        title="sparkify: runs, newest first",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    t.add_column("started (UTC)", no_wrap=True)
    t.add_column("outcome", no_wrap=True)
    t.add_column("mode", no_wrap=True)
    for name in ("files", "records", "rejected", "plays"):
        t.add_column(name, justify="right")
    for r in runs:
        t.add_row(
            _when(r["started_at"]),
            Text(r["outcome"], style=_COLORS.get(r["outcome"], "yellow")),
            r["mode"] or "",
            _count(r["files_new"]),
            _count(r["records_read"]),
            _count(r["records_rejected"]),
            _count(r["songplays_rows"]),
        )
    return t


def errors(runs: list[dict[str, Any]]) -> list[str]:
    """One line per run that did not commit: when, the exit code and the error."""
    return [
        f"{_when(r['started_at'])} {r['command']}: exit {r['exit_code']}: {r['error']}"
        for r in runs
        if r["error"]
    ]


def runs_json(runs: list[dict[str, Any]]) -> str:
    """The runs as a JSON array (times in ISO 8601, UTC)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat(timespec="milliseconds") + "Z"
        return value

    return json.dumps([{k: plain(v) for k, v in r.items()} for r in runs], indent=2)


@click.command()
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many runs to show.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@target
@common
def history(count: int, as_json: bool, quiet: bool, **params: Any) -> None:
    """List the latest runs: when, what they loaded, their checks and outcome.

    Every `run` and `etl` leaves a row in the table sparkify_runs, also when it fails or is
    interrupted.

    \b
    Examples:
      sparkify history
      sparkify history -n 50 --json | jq '.[] | select(.outcome != "committed")'
    """
    settings = settings_from(params)
    with open_target(settings).reading() as tgt:
        runs = recent_runs(tgt, count)
    if as_json:
        click.echo(runs_json(runs))
    elif runs:
        stdout.print(runs_table(runs))
        for line in errors(runs):
            stdout.print(line, soft_wrap=True)
    else:
        stdout.print(NO_RUNS)
