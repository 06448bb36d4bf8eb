"""The ``report`` command: one self-contained HTML analytics report of the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sparkify.cli.options import common, settings_from, target
from sparkify.cli.render import stderr
from sparkify.report import write_report
from sparkify.targets import open_target


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@target
@common
def report(output: Path, quiet: bool, **params: Any) -> None:
    """Write an HTML report of the warehouse: plays by day, hour and weekday, top songs,
    artists and locations, free vs paid, listener activity, load summary and checks.

    The file opens offline (no scripts, fonts or images to fetch) and works on every target.

    \b
    Examples:
      sparkify report && open report.html
      sparkify report --target postgresql://me@localhost/sparkify -o november.html
    """
    settings = settings_from(params)
    with open_target(settings).reading() as tgt:
        size = write_report(tgt, output)
    if not quiet:
        stderr.print(f"Wrote the report of {tgt.describe()} to {output} ({size / 1000:,.0f} KB).")
