"""The names of the warehouses sparkify can load: one enum for CLI choices, config and tests."""

from __future__ import annotations

import difflib
from enum import StrEnum

from sparkify.errors import ConfigError


class Dialect(StrEnum):
    """A warehouse engine, and so a SQL dialect."""

    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    REDSHIFT = "redshift"

    @classmethod
    def get_or_raise(cls, name: str) -> Dialect:
        """The dialect called ``name`` (``postgresql`` is accepted); a clear error otherwise."""
        key = name.strip().lower()
        if key in ("postgresql", "pg"):
            key = "postgres"
        for member in cls:
            if member.value == key:
                return member
        names = [m.value for m in cls]
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Known targets: {', '.join(names)}."
        raise ConfigError(f"Unknown target '{name}'.", hint)
