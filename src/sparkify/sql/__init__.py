"""SQL templates: the only home of SQL text besides the schema renderers.

A template file holds statements separated by ``-- name: NAME`` lines; ``{{macro:arg}}``
markers are expanded per dialect by :meth:`sparkify.schema.render.Renderer.expand`;
``{{fragment:NAME}}`` includes the query NAME of ``fragments.sql`` (shared subqueries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sparkify.schema.render import Renderer

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
_FRAGMENT = re.compile(r"\{\{fragment:(\w+)\}\}")


@dataclass(frozen=True)
class Statement:
    """One named SQL statement, already rendered for a dialect."""

    name: str
    sql: str


@cache
def _template(name: str) -> str:
    return resources.files("sparkify.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _strip(body: str) -> str:
    lines = [ln for ln in body.strip().splitlines() if not ln.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";").strip()


def _named(template: str) -> dict[str, str]:
    parts = _NAME.split(_template(template))
    return {parts[i]: _strip(parts[i + 1]) for i in range(1, len(parts), 2)}


def _include(text: str) -> str:
    """Replace ``{{fragment:NAME}}`` with the query NAME of ``fragments.sql`` (fragments may
    include fragments)."""
    fragments = _named("fragments")
    while _FRAGMENT.search(text):
        text = _FRAGMENT.sub(lambda m: fragments[m.group(1)], text)
    return text


def statements(template: str, renderer: Renderer) -> list[Statement]:
    """The named statements of ``template`` (a file in this package), rendered."""
    return [
        Statement(name, renderer.expand(_include(body))) for name, body in _named(template).items()
    ]
