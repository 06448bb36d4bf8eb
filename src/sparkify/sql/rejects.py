"""Queries on the records a run rejected (``load_errors``), for messages about them."""

from __future__ import annotations

FIRST_REJECTS = """
SELECT source_file, source_line, reason FROM (
    SELECT source_file, source_line, reason,
           ROW_NUMBER() OVER (PARTITION BY source_file ORDER BY source_line, reason) AS n
    FROM load_errors
) ranked
WHERE n = 1
"""
"""The first rejected record of every file in ``load_errors``: file, line, reason (the same
SQL on every target)."""


def file_rejects(limit: int) -> str:
    """``source_line, reason`` of the first ``limit`` rejects of the file given as the one
    parameter, in line order (a dry run lists them)."""
    return (
        "SELECT source_line, reason FROM load_errors "
        f"WHERE source_file = ? ORDER BY source_line, reason LIMIT {int(limit)}"
    )
