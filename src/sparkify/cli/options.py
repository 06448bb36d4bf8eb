"""Options shared by several commands, and turning typed flags into settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sparkify.cli.render import warn
from sparkify.config import Settings, env_warnings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


class FullHelpGroup(click.Group):
    """A group whose --help lists each command with its whole first sentence (click cuts it
    to fit one line and ends it with '...'); long ones wrap."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def quiet_debug(f: F) -> F:
    """--quiet and --debug, which every command takes (``main`` reads --debug itself)."""
    f = click.option(
        "--debug", is_flag=True, expose_value=False, help="Show a traceback with an error."
    )(f)
    return click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes.")(f)


def common(f: F) -> F:
    """--config, --quiet and --debug."""
    f = quiet_debug(f)
    f = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file (default: ./sparkify.toml if present).",
    )(f)
    return f


def target(f: F) -> F:
    """--target, --schema, --lock-timeout."""
    f = click.option(
        "--lock-timeout",
        type=float,
        help="Seconds to wait for another run holding the warehouse (default 0: fail at once).",
    )(f)
    f = click.option(
        "--schema", help="Database schema for the tables (PostgreSQL; default public)."
    )(f)
    f = click.option(
        "--target",
        metavar="URL",
        help="Warehouse URL (default duckdb:///sparkify.duckdb; postgresql://user@host/db; redshift://…).",
    )(f)
    return f


def source(f: F) -> F:
    """--source, --log-data, --song-data, --max-errors, --full-refresh."""
    f = click.option(
        "--full-refresh", is_flag=True, help="Empty the warehouse and load everything again."
    )(f)
    f = click.option(
        "--max-errors",
        type=click.IntRange(min=0),
        help="Fail (commit nothing) when more than N records are rejected.",
    )(f)
    f = click.option(
        "--song-data", metavar="DIR|URI", help="Where song_data lives (overrides --source)."
    )(f)
    f = click.option(
        "--log-data", metavar="DIR|URI", help="Where log_data lives (overrides --source)."
    )(f)
    f = click.option(
        "--source",
        metavar="SRC",
        help="Folder or s3://bucket/prefix holding log_data/ and song_data/.",
    )(f)
    return f


SETTING_FLAGS = (
    "source",
    "log_data",
    "song_data",
    "target",
    "schema",
    "max_errors",
    "lock_timeout",
)


def settings_from(params: dict[str, Any]) -> Settings:
    """Settings from every layer, with the flags the user typed on top."""
    overrides = {k: params.get(k) for k in SETTING_FLAGS if params.get(k) is not None}
    settings = load_settings(params.get("config_file"), overrides)
    for line in env_warnings():
        warn(line)
    return settings
