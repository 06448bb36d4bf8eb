"""Build the star schema from staging with the dialect's transform SQL."""

from __future__ import annotations

from sparkify.pipeline.progress import Reporter
from sparkify.sql import Statement, statements
from sparkify.targets.base import Target


def transform_statements(target: Target) -> list[Statement]:
    """The transform statements, rendered for ``target``'s dialect."""
    return statements("transform", target.renderer)


def run_transform(target: Target, reporter: Reporter) -> None:
    """Rebuild the five star tables from staging (inside the caller's transaction)."""
    stmts = transform_statements(target)
    target.prepare_transform()
    reporter.start("Transforming", len(stmts), "steps")
    for stmt in stmts:
        target.execute(stmt.sql)
        reporter.advance("Transforming")
    reporter.finish("Transforming")
