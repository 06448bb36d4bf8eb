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
