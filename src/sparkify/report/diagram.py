"""The schema diagram, drawn from the schema model (never a hand-drawn copy).

Mermaid ``erDiagram`` text renders on code hosts (the README embeds it); DOT is Graphviz's
language; SVG and PNG come from Graphviz's ``dot`` program when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from html import escape

from sparkify.errors import ConfigError
from sparkify.schema.model import STAR_TABLES, Column, Table, TableKind

FORMATS = ("mermaid", "dot", "svg", "png")
TEXT_FORMATS = ("mermaid", "dot")
TITLE = "Sparkify star schema"
DESCRIPTION = (
    "The songplays fact table and its users, time, songs and artists dimension tables, with "
    "columns, types, primary keys and relationships."
)
_HEADER = {
    TableKind.FACT: ("#1d4aa8", "#ffffff"),
    TableKind.DIMENSION: ("#dbe5f8", "#1b2330"),
    TableKind.STAGING: ("#fbe3bd", "#1b2330"),
    TableKind.META: ("#e4e7ec", "#1b2330"),
}
_FONT = "Helvetica,Arial,sans-serif"


@dataclass(frozen=True)
class Relationship:
    """A foreign key: ``child.column`` references ``parent.parent_column``."""

    child: str
    column: Column
    parent: str
    parent_column: str

    @property
    def optional(self) -> bool:
        """Whether a child row may have no parent (the foreign key is nullable)."""
        return self.column.nullable


def relationships(tables: tuple[Table, ...] = STAR_TABLES) -> list[Relationship]:
    """Every foreign key among ``tables``, in model order."""
    names = {t.name for t in tables}
    return [
        Relationship(t.name, c, c.references[0], c.references[1])
        for t in tables
        for c in t.columns
        if c.references and c.references[0] in names
    ]


def physical_notes(table: Table, column: Column) -> list[str]:
    """Redshift notes for one column: ``DISTKEY``, ``SORTKEY`` (with its position)."""
    notes = []
    if table.distkey == column.name:
        notes.append("DISTKEY")
    if column.name in table.sortkey:
        pos = table.sortkey.index(column.name) + 1
        notes.append("SORTKEY" if len(table.sortkey) == 1 else f"SORTKEY {pos}")
    return notes


def distribution(table: Table) -> str:
    """The table's Redshift distribution, e.g. ``DISTSTYLE KEY``."""
    return f"DISTSTYLE {table.diststyle}"


def column_type(column: Column, physical: bool) -> str:
    """The column's type: logical, or with ``physical`` Redshift's ``varchar(width)`` for text
    (the width in UTF-8 bytes, from the model)."""
    if physical and column.width is not None:
        return f"varchar({column.width})"
    return column.type.value


def _keys(table: Table, column: Column) -> list[str]:
    keys = ["PK"] if column.primary_key else []
    return keys + (["FK"] if column.references else [])


def _mermaid_attribute(table: Table, column: Column, physical: bool) -> str:
    line = f"{column_type(column, physical)} {column.name}"
    keys = _keys(table, column)
    if keys:
        line += " " + ", ".join(keys)
    notes = (physical_notes(table, column) if physical else []) + (
        [column.doc] if column.doc else []
    )
    if notes:
        line += ' "' + "; ".join(notes).replace('"', "'") + '"'
    return line


def mermaid(*, physical: bool = False, tables: tuple[Table, ...] = STAR_TABLES) -> str:
    """The schema as a Mermaid ``erDiagram``; ``physical`` adds Redshift distribution and sort
    keys and text widths."""
    lines = ["erDiagram", f"    accTitle: {TITLE}", f"    accDescr: {DESCRIPTION}"]
    for rel in relationships(tables):
        parent_side = "|o" if rel.optional else "||"
        lines.append(f'    {rel.parent} {parent_side}--o{{ {rel.child} : "{rel.column.name}"')
    for table in tables:
        name = table.name
        if physical:
            name += f'["{table.name} ({distribution(table)})"]'
        lines.append(f"    %% {table.doc}" if table.doc else "    %%")
        lines.append(f"    {name} {{")
        lines += [f"        {_mermaid_attribute(table, c, physical)}" for c in table.columns]
        lines.append("    }")
    return "\n".join(lines) + "\n"


def _dot_row(table: Table, column: Column, physical: bool) -> str:
    keys = _keys(table, column) + (
        [n.replace("SORTKEY", "SK").replace("DISTKEY", "DK") for n in physical_notes(table, column)]
        if physical
        else []
    )
    name = f"<b>{column.name}</b>" if column.primary_key else column.name
    marks = f'<font color="#1d4aa8">{" ".join(keys)}</font>' if keys else " "
    return (
        f'<tr><td port="{column.name}_in" align="left">{name}</td>'
        f'<td align="left"><font color="#566070">{column_type(column, physical)}</font></td>'
        f'<td port="{column.name}_out" align="left">{marks}</td></tr>'
    )


def _dot_node(table: Table, physical: bool) -> str:
    fill, ink = _HEADER[table.kind]
    header = (
        f'<tr><td colspan="3" bgcolor="{fill}" align="left"><font color="{ink}">'
        f"<b>{table.name}</b>  <i>{table.kind.value}</i></font></td></tr>"
    )
    if physical:
        header += (
            f'<tr><td colspan="3" align="left"><font color="#566070" point-size="9">'
            f"{distribution(table)}</font></td></tr>"
        )
    rows = "".join(_dot_row(table, c, physical) for c in table.columns)
    label = (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="4" color="#9aa3b0">'
        f"{header}{rows}</table>>"
    )
    return f'    "{table.name}" [label={label}, tooltip="{escape(table.doc)}"];'


def dot(*, physical: bool = False, tables: tuple[Table, ...] = STAR_TABLES) -> str:
    """The schema in Graphviz's DOT language: one node per table, one crow's-foot edge per
    foreign key (from the referencing column to the referenced key)."""
    legend = "PK primary key · FK foreign key" + (
        " · DK Redshift distribution key · SK sort key" if physical else ""
    )
    lines = [
        "digraph sparkify {",
        f'    graph [rankdir=LR, label=<<b>{TITLE}</b><br/><font point-size="10">{legend}</font>>, '
        f'labelloc=t, fontname="{_FONT}", '
        'fontsize=16, pad=0.3, nodesep=0.5, ranksep=1.2, bgcolor="white"];',
        f'    node [shape=plain, fontname="{_FONT}", fontsize=11];',
        f'    edge [dir=both, color="#6b7585", penwidth=1.2, arrowsize=0.9, fontname="{_FONT}"];',
    ]
    lines += [_dot_node(t, physical) for t in tables]
    for rel in relationships(tables):
        head = "teeodot" if rel.optional else "teetee"
        lines.append(
            f'    "{rel.child}":"{rel.column.name}_out":e -> '
            f'"{rel.parent}":"{rel.parent_column}_in":w '
            f"[arrowtail=crowodot, arrowhead={head}, "
            f'tooltip="{rel.child}.{rel.column.name} -> {rel.parent}.{rel.parent_column}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graphviz(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` drawn by Graphviz as ``svg`` or ``png``. Raises ``ConfigError`` when the
    ``dot`` program is missing or fails."""
    if fmt not in ("svg", "png"):
        raise ConfigError(f"Graphviz output format must be svg or png, not {fmt!r}.")
    exe = shutil.which("dot")
    if exe is None:
        raise ConfigError(
            f"Drawing the diagram as {fmt.upper()} needs Graphviz's `dot` program, which is not "
            "installed.",
            "Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz), or use --format mermaid or --format dot.",
        )
    args = [exe, f"-T{fmt}"] + (["-Gdpi=144"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=dot_text.encode(), capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"Graphviz ({exe}) could not run: {e}") from e
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        detail = next((ln for ln in lines if ln.startswith("Error")), lines[-1] if lines else "")
        raise ConfigError(
            f"Graphviz ({exe}) failed with exit code {done.returncode}: {detail}",
            "Check the Graphviz installation (dot -V).",
        )
    return done.stdout


def diagram(
    fmt: str = "mermaid", *, physical: bool = False, tables: tuple[Table, ...] = STAR_TABLES
) -> bytes:
    """The diagram in ``fmt`` (one of :data:`FORMATS`) as bytes (UTF-8 for text formats)."""
    if fmt == "mermaid":
        return mermaid(physical=physical, tables=tables).encode()
    text = dot(physical=physical, tables=tables)
    if fmt == "dot":
        return text.encode()
    if fmt in ("svg", "png"):
        return render_graphviz(text, fmt)
    raise ConfigError(f"Unknown diagram format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
