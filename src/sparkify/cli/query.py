"""The ``query`` command: one read-only statement on any target, printed as a table, CSV or
JSON."""

from __future__ import annotations

from typing import Any

import click

from sparkify.cli.options import common, settings_from, target
from sparkify.cli.render import json_keys, query_csv, query_json, query_table, stderr, stdout
from sparkify.errors import ConfigError
from sparkify.targets import open_target


@click.command()
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="How to print the result (csv and json for pipes and files).",
)
@target
@common
def query(sql: str, fmt: str, quiet: bool, **params: Any) -> None:
    """Run one read-only SQL statement on the warehouse and print the result.

    The connection (DuckDB) or transaction (PostgreSQL, Redshift) is read-only: a statement
    that writes is refused (exit 8) and the warehouse stays as it was.

    \b
    Examples:
      sparkify query "SELECT level, COUNT(*) FROM songplays GROUP BY level"
      sparkify query "SELECT * FROM songs" --format csv > songs.csv
      sparkify query "SELECT * FROM users" --format json --target postgresql://me@localhost/dw
    """
    if not sql.strip():
        raise ConfigError("No SQL given to `sparkify query`.", 'Example: sparkify query "SELECT 1"')
    settings = settings_from(params)
    with open_target(settings).reading() as tgt:
        result = tgt.read_only_query(sql)
    if fmt == "csv":
        click.echo(query_csv(result), nl=False)
    elif fmt == "json":
        click.echo(query_json(result))
        keys = json_keys(list(result.columns))
        renamed = [f"{c} -> {k}" for c, k in zip(result.columns, keys, strict=True) if c != k]
        if renamed and not quiet:
            stderr.print(f"note: repeated column names renamed in the JSON: {', '.join(renamed)}")
    else:
        stdout.print(query_table(result))
    if not quiet:
        count = len(result.rows)
        stderr.print(f"({count:,} row{'' if count == 1 else 's'})")
