"""The rejected records a dry run shows (first lines of one file)."""

from __future__ import annotations


def first_rejects(param: str, limit: int) -> str:
    """``source_line, reason`` of the first ``limit`` rejects of the file given as the one
    parameter (written ``param``, the target driver's marker), in line order."""
    return (
        "SELECT source_line, reason FROM load_errors "
        f"WHERE source_file = {param} ORDER BY source_line LIMIT {int(limit)}"
    )
