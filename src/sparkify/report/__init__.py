"""What the warehouse looks like: the schema diagram and the analytics report.

Library use::

    from sparkify.report import build_report, mermaid
    print(mermaid())                         # the star schema as a Mermaid erDiagram
    with open_target(settings) as target:    # any target: only target.query() is used
        html = build_report(target)          # one self-contained, offline HTML page
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sparkify.errors import ConfigError
from sparkify.report.data import ReportData, collect
from sparkify.report.diagram import FORMATS, diagram, dot, mermaid, render_graphviz
from sparkify.report.html import render_html
from sparkify.targets.base import Target


def build_report(target: Target, *, now: datetime | None = None) -> str:
    """The HTML report of a connected ``target``. Raises ``TargetError`` when the warehouse
    has not been loaded, ``QueryError`` when a query fails."""
    return render_html(collect(target, now=now))


def write_report(target: Target, path: Path, *, now: datetime | None = None) -> int:
    """Write the report of ``target`` to ``path``; returns the number of bytes written.
    Raises ``ConfigError`` when ``path`` cannot be written."""
    data = build_report(target, now=now).encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as e:
        raise ConfigError(f"Cannot write the report to {path}: {e.strerror}.", "Check -o.") from e
    return len(data)


__all__ = [
    "FORMATS",
    "ReportData",
    "build_report",
    "collect",
    "diagram",
    "dot",
    "mermaid",
    "render_graphviz",
    "render_html",
    "write_report",
]
