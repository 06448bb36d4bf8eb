"""The names of the warehouses sparkify can load: one enum for CLI choices, config and tests."""

from __future__ import annotations

from enum import StrEnum

from sparkify.config import did_you_mean
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
        hint = did_you_mean(key, [m.value for m in cls], "targets")
        raise ConfigError(f"Unknown target '{name}'.", hint)
