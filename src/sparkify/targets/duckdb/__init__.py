"""The embedded default target: a DuckDB database file."""

from __future__ import annotations

from sparkify.targets.duckdb.target import DuckDBTarget, duckdb_path

__all__ = ["DuckDBTarget", "duckdb_path"]
