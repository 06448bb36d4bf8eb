"""The ``diagram`` command: the star schema drawn from the schema model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sparkify.cli.options import quiet_debug
from sparkify.cli.render import stderr
from sparkify.errors import ConfigError
from sparkify.report.diagram import FORMATS
from sparkify.report.diagram import diagram as draw
from sparkify.schema.model import ALL_TABLES, STAR_TABLES


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="mermaid",
    show_default=True,
    help="Mermaid erDiagram text, Graphviz DOT, or SVG/PNG drawn by Graphviz's `dot`.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--physical",
    is_flag=True,
    help="Show Redshift distribution styles and keys, sort keys, text widths.",
)
@click.option("--all-tables", is_flag=True, help="Also draw the staging and bookkeeping tables.")
@quiet_debug
def diagram(fmt: str, output: Path | None, physical: bool, all_tables: bool, quiet: bool) -> None:
    """Draw the warehouse schema (tables, columns, types, keys, relationships).

    \b
    Examples:
      sparkify diagram                          # Mermaid, renders on GitHub/GitLab
      sparkify diagram --format svg -o schema.svg --physical
      sparkify diagram --format dot | dot -Tpdf -o schema.pdf
    """
    data = draw(fmt, physical=physical, tables=ALL_TABLES if all_tables else STAR_TABLES)
    if output is None:
        if fmt == "png" and sys.stdout.isatty():
            raise ConfigError(
                "PNG is binary and standard output is a terminal.", "Use -o FILE.png."
            )
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as e:
        raise ConfigError(f"Cannot write {output}: {e.strerror}.", "Check the -o path.") from e
    if not quiet:
        stderr.print(f"Wrote the {fmt} diagram to {output}.")
