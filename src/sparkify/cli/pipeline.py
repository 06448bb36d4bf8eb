"""The pipeline commands: run, etl, create-tables, check."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

import sparkify.pipeline.run as pipeline
from sparkify.cli.interrupt import interrupted
from sparkify.cli.options import common, settings_from, source, target
from sparkify.cli.render import (
    RichReporter,
    check_json,
    check_table,
    etl_summary,
    rejected_files_warnings,
    rejects_table,
    stderr,
    stdout,
)
from sparkify.config import Settings
from sparkify.errors import ConfigError
from sparkify.pipeline.check import run_checks
from sparkify.pipeline.demo import demo_source, describe_demo
from sparkify.pipeline.result import EtlResult
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


dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    help="Do the whole run, print the summary and the rejected records, then roll back: "
    "nothing is committed.",
)


def _show_dry_run(result: EtlResult) -> None:
    """The rejects of a dry run, then its failure (too many rejects), if any."""
    table = rejects_table(result)
    if table is not None:
        stdout.print(table)
    if result.failure is not None:
        raise result.failure


@click.command()
@source
@dry_run_option
@click.option(
    "--check-all",
    is_flag=True,
    help="Check the whole warehouse even when the run only added files (by default such a "
    "run checks the rows it changed).",
)
@target
@common
def run(full_refresh: bool, dry_run: bool, check_all: bool, quiet: bool, **params: Any) -> None:
    """Create missing tables, load new files, rebuild the star schema, run the checks.

    \b
    Examples:
      sparkify run
      sparkify run --source ../data --target duckdb:///warehouse.duckdb
      sparkify run --source s3://udacity-dend --target postgresql://me@localhost/sparkify
      sparkify run --source ../data --dry-run     # what would load and what is rejected
      sparkify run --check-all                    # check every row, not only the new ones
    """
    reporter = RichReporter(quiet)
    settings = settings_from(params)
    with _with_source(settings, reporter) as src:
        files = src.list_files()
        with open_target(settings) as tgt:
            result = pipeline.run(
                src,
                tgt,
                settings,
                full_refresh=full_refresh,
                reporter=reporter,
                files=files,
                dry_run=dry_run,
                interrupted=interrupted,
                check_all=check_all,
            )
    stdout.print(etl_summary(result.etl, result.checks if result.checks.results else None))
    for line in rejected_files_warnings(result.etl):
        stderr.print(line)
    if dry_run:
        _show_dry_run(result.etl)
    if not result.checks.ok:
        stdout.print(check_table(result.checks))
    pipeline.require_checks(result.checks)


@click.command()
@source
@dry_run_option
@target
@common
def etl(full_refresh: bool, dry_run: bool, quiet: bool, **params: Any) -> None:
    """Load new and changed files and rebuild the star schema (tables must exist).

    \b
    Examples:
      sparkify etl --source ../data --max-errors 100
      sparkify etl --source ../data --dry-run
    """
    reporter = RichReporter(quiet)
    settings = settings_from(params)
    with _with_source(settings, reporter) as src:
        files = src.list_files()
        tgt = open_target(settings)
        tgt.connect(create=False)  # etl never makes a warehouse
        try:
            result = pipeline.etl(
                src,
                tgt,
                full_refresh=full_refresh,
                max_errors=settings.max_errors,
                batch_mb=settings.batch_mb,
                reporter=reporter,
                files=files,
                dry_run=dry_run,
                interrupted=interrupted,
            )
        finally:
            tgt.close()
    stdout.print(etl_summary(result))
    for line in rejected_files_warnings(result):
        stderr.print(line)
    if dry_run:
        _show_dry_run(result)


def _confirm_drop(where: str, tables: list[str]) -> None:
    """Ask on the terminal before dropping ``tables``; refuse when there is none to ask on."""
    if not sys.stdin.isatty():
        raise ConfigError(
            f"create-tables --drop would drop {len(tables)} tables of {where} with all their "
            "data, and there is no terminal to ask on.",
            "Add --yes to drop them without asking.",
        )
    click.confirm(
        f"Drop {len(tables)} tables of {where} ({', '.join(tables)}) with all their data?",
        default=False,
        abort=True,
        err=True,
    )


@click.command("create-tables")
@click.option(
    "--drop", is_flag=True, help="Drop every sparkify table first (destroys the data; asks first)."
)
@click.option("-y", "--yes", is_flag=True, help="With --drop: drop without asking.")
@target
@common
def create_tables(drop: bool, yes: bool, quiet: bool, **params: Any) -> None:
    """Create the staging, star and bookkeeping tables that are missing.

    \b
    Examples:
      sparkify create-tables --target postgresql://me@localhost/sparkify
      sparkify create-tables --drop --yes      # empty the warehouse without asking
    """
    settings = settings_from(params)
    with open_target(settings) as tgt:
        dropped = pipeline.existing_tables(tgt) if drop else []
        if dropped and not yes:
            _confirm_drop(tgt.describe(), dropped)
        created = pipeline.create_tables(tgt, drop=drop)
    if not quiet:
        if dropped:
            stdout.print(f"Tables dropped: {', '.join(dropped)}")
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
    with open_target(settings).reading() as tgt:
        report = run_checks(tgt)
    if as_json:
        click.echo(check_json(report))
    else:
        stdout.print(check_table(report))
    pipeline.require_checks(report)
