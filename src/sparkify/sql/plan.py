"""The SQL a run sends, per dialect and section, for ``sparkify sql`` (nothing is executed)."""

from __future__ import annotations

from sparkify.dialects import Dialect
from sparkify.schema.model import LOAD_ERRORS, MANIFEST, STAGING_EVENTS, STAGING_SONGS
from sparkify.schema.render import renderer_for
from sparkify.sql import statements
from sparkify.sql.checks import check_queries
from sparkify.sql.redshift import load_plan
from sparkify.sql.staging import parse_sql

SECTIONS = ("ddl", "load", "transform", "check")


def _load(dialect: Dialect) -> list[str]:
    if dialect is Dialect.DUCKDB:
        return [
            "-- staging_events: typed from the raw lines of log files\n"
            + parse_sql(STAGING_EVENTS).strip(),
            "-- staging_songs: typed from the raw lines of song files\n"
            + parse_sql(STAGING_SONGS).strip(),
        ]
    r = renderer_for(dialect)
    if dialect is Dialect.REDSHIFT:
        return load_plan(r, (STAGING_EVENTS, STAGING_SONGS), (LOAD_ERRORS, MANIFEST))
    out = []
    for table in (STAGING_EVENTS, STAGING_SONGS):
        cols = ", ".join(r.quote(c) for c in table.column_names)
        out.append(f"COPY {r.quote(table.name)} ({cols}) FROM STDIN")
    return out


def plan_sql(dialect: Dialect, section: str = "all") -> list[str]:
    """The statements of ``section`` (ddl, load, transform, check or all) for ``dialect``."""
    if section != "all" and section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    r = renderer_for(dialect)
    parts: dict[str, list[str]] = {
        "ddl": r.ddl(),
        "load": _load(dialect),
        "transform": [s.sql for s in statements("transform", r)],
        "check": [f"-- {c.name}: {c.description}\n{c.sql}" for c in check_queries(r)],
    }
    names = SECTIONS if section == "all" else (section,)
    return [stmt for name in names for stmt in parts[name]]
