"""The SQL a run sends, per dialect and section, for ``sparkify sql`` (nothing is executed)."""

from __future__ import annotations

from sparkify.dialects import Dialect
from sparkify.schema.model import (
    LOAD_ERRORS,
    MANIFEST,
    STAGING_EVENTS,
    STAGING_SONGS,
    STAGING_TABLES,
)
from sparkify.schema.render import PostgresRenderer, Renderer, renderer_for
from sparkify.sql import postgres, statements
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
    if dialect is Dialect.REDSHIFT:
        r = renderer_for(dialect)
        return load_plan(r, (STAGING_EVENTS, STAGING_SONGS), (LOAD_ERRORS, MANIFEST))
    pg = PostgresRenderer()
    copies: list[postgres.Step] = [postgres.CopyIn(t) for t in STAGING_TABLES]
    first = postgres.render(pg, [*postgres.clear_staging(), *copies])
    first[0] = (
        "-- a first load or --full-refresh: staging (empty) truncated, loaded frozen\n" + first[0]
    )
    later = postgres.render(pg, copies)
    later[0] = "-- runs into a loaded warehouse:\n" + later[0]
    return first + later


def _transform(r: Renderer) -> list[str]:
    rebuild = [s.sql for s in statements("transform", r)]
    if not isinstance(r, PostgresRenderer) or r.dialect is not Dialect.POSTGRES:
        return rebuild
    first_load = postgres.render(r, postgres.load_star(r))
    first_load[0] = (
        "-- a first load or --full-refresh: the star is built in the client's DuckDB\n"
        "-- (`sparkify sql --target duckdb transform`), then copied in:\n" + first_load[0]
    )
    rebuild[0] = (
        "-- a run that reloads a changed file: rebuilt in PostgreSQL between the same\n"
        "-- primary-key drops and adds (runs that only add files use incremental.sql):\n"
        + rebuild[0]
    )
    return first_load + rebuild


def plan_sql(dialect: Dialect, section: str = "all") -> list[str]:
    """The statements of ``section`` (ddl, load, transform, check or all) for ``dialect``."""
    if section != "all" and section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    r = renderer_for(dialect)
    parts: dict[str, list[str]] = {
        "ddl": r.ddl(),
        "load": _load(dialect),
        "transform": _transform(r),
        "check": [f"-- {c.name}: {c.description}\n{c.sql}" for c in check_queries(r)],
    }
    names = SECTIONS if section == "all" else (section,)
    return [stmt for name in names for stmt in parts[name]]
