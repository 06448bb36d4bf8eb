"""Warehouse targets behind one interface; drivers are imported only by the target using them."""

from __future__ import annotations

from urllib.parse import urlsplit

from sparkify.config import Settings
from sparkify.dialects import Dialect
from sparkify.errors import ConfigError, TargetError
from sparkify.targets.base import Target, Tracer

_SCHEMES = {
    "duckdb": Dialect.DUCKDB,
    "postgresql": Dialect.POSTGRES,
    "postgres": Dialect.POSTGRES,
    "redshift": Dialect.REDSHIFT,
    "redshift+iam": Dialect.REDSHIFT,
}


def dialect_of(url: str) -> Dialect:
    """The dialect a target URL names, or a clear error."""
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if not scheme:
        raise TargetError(
            f"'{url}' is not a target URL.",
            "Examples: duckdb:///sparkify.duckdb, postgresql://user@localhost:5432/db.",
        )
    if scheme in _SCHEMES:
        return _SCHEMES[scheme]
    try:
        return Dialect.get_or_raise(scheme)
    except ConfigError as e:
        raise TargetError(f"Unknown target '{scheme}' in {url}.", e.hint) from e


def dialect_named(text: str) -> Dialect:
    """The dialect of a target URL (``postgresql://me@db/x``) or of a URL scheme or dialect
    name (``postgresql``, ``redshift+iam``, ``duckdb``); a clear error otherwise."""
    if "://" in text:
        return dialect_of(text)
    return _SCHEMES.get(text.strip().lower()) or Dialect.get_or_raise(text)


def open_target(settings: Settings, tracer: Tracer | None = None) -> Target:
    """The (not yet connected) target that ``settings.target`` names."""
    dialect = dialect_of(settings.target)
    if dialect is Dialect.DUCKDB:
        from sparkify.targets.duckdb import DuckDBTarget

        return DuckDBTarget(
            settings.target,
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            lock_timeout=settings.lock_timeout,
            tracer=tracer,
        )
    if dialect is Dialect.REDSHIFT:
        from sparkify.targets.redshift import RedshiftTarget

        return RedshiftTarget(settings.target, settings, tracer=tracer)
    if dialect is Dialect.POSTGRES:
        try:
            from sparkify.targets.postgres import PostgresTarget
        except ModuleNotFoundError as e:
            if not (e.name or "").startswith("psycopg"):
                raise
            raise TargetError(
                f"The PostgreSQL target needs psycopg 3 ({e}).",
                "Install it: pip install 'sparkify[postgres]'.",
            ) from e

        return PostgresTarget(
            settings.target,
            schema=settings.schema,
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            lock_timeout=settings.lock_timeout,
            tracer=tracer,
        )
    raise TargetError(
        f"The {dialect.value} target is not available in this version.",
        "Use a duckdb:/// target.",
    )


__all__ = ["Target", "Tracer", "dialect_of", "open_target"]
