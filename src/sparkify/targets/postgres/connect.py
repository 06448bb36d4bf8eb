"""PostgreSQL connection helpers: URL checks, password masking and connection-error advice.

Pure functions (no driver import), so they are testable without a server. The password
itself is never handled here: libpq reads it from the URL, ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from sparkify.errors import TargetError

SCHEMES = ("postgresql", "postgres")
MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)(^|&)(password|sslpassword)=[^&]*")


def mask_url(url: str) -> str:
    """``url`` with any password (in the user part or the query) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{hostport}"
    query = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def check_url(url: str) -> str:
    """``url`` if it is a ``postgresql://`` (or ``postgres://``) URL; ``TargetError`` if not."""
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise TargetError(
            f"Not a PostgreSQL URL: {mask_url(url)}",
            "Use postgresql://user@host:port/database (password from PGPASSWORD or ~/.pgpass).",
        )
    return url


@dataclass(frozen=True)
class Where:
    """The server, database and user a URL names, with libpq's defaults filled in."""

    host: str
    port: str
    database: str
    user: str

    def __str__(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"


def where(url: str) -> Where:
    """Where ``url`` points (``PGHOST``/``PGPORT``/``PGDATABASE``/``PGUSER`` as defaults)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    env = os.environ
    try:
        port = parts.port
    except ValueError:
        port = None
    user = unquote(parts.username or "") or query.get("user") or env.get("PGUSER")
    user = user or getpass.getuser()
    host = parts.hostname or query.get("host") or env.get("PGHOST") or "localhost"
    database = unquote(parts.path.lstrip("/")) or query.get("dbname") or env.get("PGDATABASE")
    return Where(
        host=host,
        port=str(port or query.get("port") or env.get("PGPORT") or 5432),
        database=database or user,
        user=user,
    )


def _advice(raw: str, w: Where) -> tuple[str, str]:
    """(message, hint) for the libpq connection failure ``raw``."""
    text = raw.lower()
    if "database" in text and "does not exist" in text:
        return (
            f"Database '{w.database}' does not exist on the PostgreSQL server {w.host}:{w.port}.",
            f"Create it with `createdb -h {w.host} -p {w.port} -U {w.user} {w.database}`, "
            "or fix the database name in --target.",
        )
    if "role" in text and "does not exist" in text:
        return (
            f"PostgreSQL user '{w.user}' does not exist on {w.host}:{w.port}.",
            "Fix the user in --target (postgresql://USER@host/db) or create the role.",
        )
    if "password" in text or "authentication failed" in text:
        return (
            f"PostgreSQL refused the login of user '{w.user}' to {w}: authentication failed.",
            "Set PGPASSWORD or add host:port:database:user:password to ~/.pgpass "
            "(never in sparkify.toml).",
        )
    if "resolve host" in text or "translate host name" in text or "not known" in text:
        return (
            f"Cannot connect to PostgreSQL: unknown host '{w.host}'.",
            "Check the host name in --target.",
        )
    if "refused" in text:
        return (
            f"Cannot connect to PostgreSQL at {w.host}:{w.port}: connection refused.",
            "Is the server running and accepting TCP/IP connections on that port? "
            "Check host and port in --target.",
        )
    if "timeout" in text or "timed out" in text:
        return (
            f"Cannot connect to PostgreSQL at {w.host}:{w.port}: no answer (timed out).",
            "Check the host, port and any firewall between here and the server.",
        )
    if "pg_hba.conf" in text:
        return (
            f"PostgreSQL at {w.host}:{w.port} does not accept user '{w.user}' "
            f"for database '{w.database}' from this machine (pg_hba.conf).",
            "Ask the administrator to allow it, or try ?sslmode=require in --target.",
        )
    first = next((ln.strip() for ln in raw.splitlines() if ln.strip()), "unknown error")
    return (f"Cannot connect to PostgreSQL at {w}: {first}", "Check --target.")


def connect_error(error: Exception, url: str) -> TargetError:
    """One clear ``TargetError`` (message and fix) for a failed connection to ``url``."""
    message, hint = _advice(str(error), where(url))
    return TargetError(message, hint)
