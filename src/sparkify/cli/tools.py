"""Helper commands: generate (synthetic data) and sql (print what a run would send)."""

from __future__ import annotations

from pathlib import Path

import click

from sparkify.cli.options import quiet_debug
from sparkify.cli.render import RichReporter, stdout
from sparkify.dialects import Dialect
from sparkify.errors import ConfigError
from sparkify.sql.plan import SECTIONS, plan_sql
from sparkify.targets import dialect_named


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--events", type=int, default=10_000, show_default=True, help="Log records (1 or more)."
)
@click.option(
    "--songs", type=click.IntRange(min=1), default=1_000, show_default=True, help="Song files."
)
@click.option(
    "--users", type=click.IntRange(min=1), default=100, show_default=True, help="Distinct users."
)
@click.option(
    "--days", type=click.IntRange(min=1), default=30, show_default=True, help="Daily log files."
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--match-rate",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Share of plays that match a catalogue song.",
)
@quiet_debug
def generate(
    out_dir: Path,
    events: int,
    songs: int,
    users: int,
    days: int,
    seed: int,
    match_rate: float,
    quiet: bool,
) -> None:
    """Write synthetic data in the real formats (log_data/ and song_data/) to OUT_DIR.

    \b
    Example:
      sparkify generate data/ --events 1000000 --songs 100000
      sparkify run --source data/
    """
    from sparkify.generate import generate as make

    if events < 1:
        raise ConfigError(
            f"generate --events {events} would write no log_data/ for `sparkify run` to load.",
            "Give --events 1 or more (the default is 10000).",
        )
    reporter = RichReporter(quiet)
    reporter.start("Generating", events + songs)
    done = [0]

    def progress(now: int, total: int) -> None:
        reporter.advance("Generating", now - done[0])
        done[0] = now

    result = make(
        out_dir,
        events=events,
        songs=songs,
        users=users,
        days=days,
        seed=seed,
        match_rate=match_rate,
        progress=progress,
    )
    reporter.finish("Generating")
    stdout.print(
        f"Wrote {result.log_files:,} log files ({result.events:,} events) and "
        f"{result.song_files:,} song files to {out_dir} in {result.seconds:.1f} s."
    )


@click.command()
@click.option(
    "--target",
    "dialect",
    metavar="NAME|URL",
    default=Dialect.DUCKDB.value,
    show_default=True,
    help="Dialect to render: duckdb, postgres (postgresql), redshift (redshift+iam), "
    "or a whole target URL.",
)
@click.argument("section", type=click.Choice([*SECTIONS, "all"]), default="all")
@quiet_debug
def sql(dialect: str, section: str, quiet: bool) -> None:
    """Print the SQL a run sends (DDL, load, transform, checks); nothing is executed.

    \b
    Examples:
      sparkify sql                       # everything, DuckDB dialect
      sparkify sql --target redshift ddl
      sparkify sql --target postgresql://me@localhost/sparkify transform
    """
    for stmt in plan_sql(dialect_named(dialect), section):
        click.echo(stmt.rstrip() + ";\n")
