"""The star schema as data, and its per-dialect renderers."""

from sparkify.schema.model import (
    ALL_TABLES,
    META_TABLES,
    STAGING_TABLES,
    STAR_TABLES,
    Column,
    ColumnType,
    Table,
    TableKind,
    table,
)
from sparkify.schema.render import Renderer, renderer_for

__all__ = [
    "ALL_TABLES",
    "META_TABLES",
    "STAGING_TABLES",
    "STAR_TABLES",
    "Column",
    "ColumnType",
    "Renderer",
    "Table",
    "TableKind",
    "renderer_for",
    "table",
]
