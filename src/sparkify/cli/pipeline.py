"""The pipeline commands: run, etl, create-tables, check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

import sparkify.pipeline.run as pipeline
from sparkify.cli.options import common, settings_from, source, target
from sparkify.cli.render import RichReporter, check_json, check_table, etl_summary, stdout
from sparkify.config import Settings
from sparkify.pipeline.check import run_checks
from sparkify.pipeline.demo import demo_source, describe_demo
from sparkify.sources import Source, open_source
from sparkify.targets import open_target


@contextmanager
def _with_source(settings: Settings, reporter: RichReporter) -> Iterator[Source]:
    if settings.has_source:
        yield open_source(settings)
        return
    reporter.note(
        f"No source configured (--source, sparkify.toml or SPARKIFY_SOURCE): loading a "
        f"generated demo data set ({describe_demo()})."
    )
    with demo_source() as demo:
        yield demo


@click.command()
@source
@target
@common
def run(full_refresh: bool, quiet: bool, **params: Any) -> None:
    """Create missing tables, load new files, rebuild the star schema, run the checks.

    \b
    Examples:
      sparkify run
      sparkify run --source ../data --target duckdb:///warehouse.duckdb
      sparkify run --source s3://udacity-dend --target postgresql://me@localhost/sparkify
    """
    reporter = RichReporter(quiet)
    settings = settings_from(params)
    with _with_source(settings, reporter) as src:
        files = src.list_files()
        with open_target(settings) as tgt:
            result = pipeline.run(
                src, tgt, settings, full_refresh=full_refresh, reporter=reporter, files=files
            )
    stdout.print(etl_summary(result.etl, result.checks))
    if not result.checks.ok:
        stdout.print(check_table(result.checks))
    pipeline.require_checks(result.checks)


@click.command()
@source
@target
@common
def etl(full_refresh: bool, quiet: bool, **params: Any) -> None:
    """Load new and changed files and rebuild the star schema (tables must exist).

    \b
    Example:
      sparkify etl --source ../data --max-errors 100
    """
    reporter = RichReporter(quiet)
    settings = settings_from(params)
    with _with_source(settings, reporter) as src:
        files = src.list_files()
        with open_target(settings) as tgt:
            result = pipeline.etl(
                src,
                tgt,
                full_refresh=full_refresh,
                max_errors=settings.max_errors,
                batch_mb=settings.batch_mb,
                reporter=reporter,
                files=files,
            )
    stdout.print(etl_summary(result))


@click.command("create-tables")
@click.option("--drop", is_flag=True, help="Drop every sparkify table first (destroys the data).")
@target
@common
def create_tables(drop: bool, quiet: bool, **params: Any) -> None:
    """Create the staging, star and bookkeeping tables that are missing.

    \b
    Example:
      sparkify create-tables --target postgresql://me@localhost/sparkify
    """
    settings = settings_from(params)
    with open_target(settings) as tgt:
        created = pipeline.create_tables(tgt, drop=drop)
    if not quiet:
        what = ", ".join(created) if created else "none (all tables exist)"
        stdout.print(f"Tables created: {what}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@target
@common
def check(as_json: bool, quiet: bool, **params: Any) -> None:
    """Run the data-quality checks; exit 1 if one fails.

    \b
    Examples:
      sparkify check
      sparkify check --json | jq '.checks[] | select(.status == "fail")'
    """
    settings = settings_from(params)
    tgt = open_target(settings)
    tgt.connect(read_only=True)
    try:
        report = run_checks(tgt)
    finally:
        tgt.close()
    if as_json:
        click.echo(check_json(report))
    else:
        stdout.print(check_table(report))
    pipeline.require_checks(report)
