"""Throw-away PostgreSQL databases for tests; a missing server fails in CI, skips elsewhere.

CREATE DATABASE copies the template and DROP DATABASE makes the server write and sync much of
it again: a tenth of a second of the server's time each, more than many tests take. So a
database of the fixtures most tests use (``pg_url``, ``pg_c``: ``reuse=True``) is emptied for
the next test instead, on a thread of its own while the next test runs: its connections are ended, its settings reset, every schema dropped
and ``public`` made again as CREATE DATABASE makes it; then its catalogs are compared with
those of the database when it was new. Only a database that matches is used again, by a test
that asks for the same kind (prefix and CREATE DATABASE options); any other is dropped. While
it waits it accepts no connection, so nothing a test left running can reach it.

Each test process (each pytest-xdist worker) has its own databases and its own thread. A
database's name carries the process id of the test process that made it, so one a killed test
session left behind (Ctrl-C, a killed worker) is dropped by the next session that starts.
"""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

PG_DSN = os.environ.get("SPARKIFY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() == "true"

#: Objects CREATE DATABASE copies from the template have smaller OIDs (initdb made them).
FIRST_USER_OID = 16384
#: The database-wide catalogs with an OID column: every object a test can create in a
#: database (relations, types, functions, extensions, casts, policies, large objects, ...)
#: is a row in one of them.
_CATALOGS_SQL = """
SELECT c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'oid' AND NOT a.attisdropped
WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r' AND NOT c.relisshared
ORDER BY 1
"""
#: The database's own row, its settings, and the ``public`` schema as CREATE DATABASE makes it.
_DATABASE_SQL = """
SELECT d.datconnlimit, d.datistemplate, d.datacl::text, d.datdba::regrole::text,
       pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       (SELECT count(*) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid),
       (SELECT n.nspowner::regrole::text || ' ' || coalesce(n.nspacl::text, '') || ' '
               || coalesce(obj_description(n.oid, 'pg_namespace'), '')
        FROM pg_namespace n WHERE n.nspname = 'public')
FROM pg_database d WHERE d.datname = current_database()
"""
#: Schemas CREATE DATABASE makes; the temporary schemas of sessions are reused, not kept.
_SCHEMAS_SQL = """
SELECT nspname FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
"""
_NEW_PUBLIC = (
    "CREATE SCHEMA public AUTHORIZATION pg_database_owner",
    "GRANT USAGE ON SCHEMA public TO PUBLIC",
    "COMMENT ON SCHEMA public IS 'standard public schema'",
)


def pg_unavailable(reason: str) -> None:
    """Fail (CI) or skip (elsewhere) because PostgreSQL cannot be used."""
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


Kind = tuple[str, str]  # (name prefix, CREATE DATABASE options)

#: A test database's name: ``<prefix>_p<pid of the test process>_<random hex>``.
_NAME = re.compile(r"^sparkify_\w*_p(\d+)_[0-9a-f]{8}$")


def database_name(prefix: str) -> str:
    """A new test database's name, owned by this process (see :func:`owner_is_gone`)."""
    return f"{prefix}_p{os.getpid()}_{uuid.uuid4().hex[:8]}"


def owner_is_gone(name: str) -> bool:
    """Whether ``name`` is a test database whose test process no longer runs on this machine."""
    match = _NAME.match(name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user has that id
        return False
    return False


def drop_orphaned_databases(admin: Any) -> list[str]:
    """Drop, through the autocommit connection ``admin``, every test database whose test
    process is gone (a killed session's); the problems met, if any."""
    problems: list[str] = []
    for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall():
        if owner_is_gone(name):
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as e:
                problems.append(f"dropping {name}: {e}")
    return problems


class _Databases:
    """The test databases of this process, made, emptied and dropped on one worker thread
    through one administrative connection (opened again if it was lost)."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-databases")
        self._admin: Any = None
        self._objects_sql = ""
        #: kind -> databases emptied, checked and closed to connections, ready for a test
        self._emptied: dict[Kind, list[str]] = {}
        #: kind -> what a new database of that kind looks like (see _fingerprint)
        self._new: dict[Kind, Any] = {}
        self._kind: dict[str, Kind] = {}
        self._problems: list[str] = []
        self._thread.submit(self._drop_orphans)

    # -- on the worker thread ------------------------------------------------------------

    def _execute(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5)
        cursor = self._admin.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    def _connect(self, name: str) -> Any:
        import psycopg

        return psycopg.connect(f"{PG_DSN}/{name}", autocommit=True, connect_timeout=5)

    def _fingerprint(self, con: Any) -> Any:
        if not self._objects_sql:
            catalogs = [r[0] for r in con.execute(_CATALOGS_SQL).fetchall()]
            self._objects_sql = " UNION ALL ".join(
                f"SELECT '{c}', count(*) FROM pg_catalog.{c} WHERE oid >= {FIRST_USER_OID}"
                + (
                    " AND nspname <> 'public' AND nspname NOT LIKE 'pg\\_%'"
                    if c == "pg_namespace"
                    else ""
                )
                for c in catalogs
            )
        return (
            con.execute(_DATABASE_SQL).fetchall(),
            sorted(r[0] for r in con.execute(_SCHEMAS_SQL).fetchall()),
            [r for r in con.execute(self._objects_sql).fetchall() if r[1]],
        )

    def _drop_orphans(self) -> None:
        try:
            self._execute("SELECT 1")
        except Exception:  # no server: the first test that needs one says so
            return
        self._problems.extend(drop_orphaned_databases(self._admin))

    def _take(self, kind: Kind, reuse: bool) -> str:
        emptied = self._emptied.get(kind, [])
        while reuse and emptied:
            name = emptied.pop()
            try:
                self._execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
                return name
            except Exception as e:  # gone or unusable: make another
                self._problems.append(f"reusing {name}: {e}")
        prefix, options = kind
        name = database_name(prefix)
        self._execute(f'CREATE DATABASE "{name}" {options}')
        self._kind[name] = kind
        if reuse and kind not in self._new:
            with self._connect(name) as con:
                self._new[kind] = self._fingerprint(con)
        return name

    def _end_connections(self, name: str, keep: int | None = None) -> bool:
        """End every other session on ``name``; whether they are gone (within 5 s)."""
        others = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        if keep is not None:
            others += f" AND pid <> {int(keep)}"
        deadline = time.monotonic() + 5
        while pids := self._execute(others, [name]):
            if time.monotonic() > deadline:
                return False
            for (pid,) in pids:
                self._execute("SELECT pg_terminate_backend(%s)", [pid])
            time.sleep(0.005)
        return True

    def _empty(self, name: str) -> bool:
        """Make ``name`` as CREATE DATABASE made it; whether that worked and checked out."""
        kind = self._kind[name]
        if kind not in self._new or not self._end_connections(name):
            return False
        self._execute(f'ALTER DATABASE "{name}" RESET ALL')
        self._execute(f'ALTER ROLE ALL IN DATABASE "{name}" RESET ALL')
        self._execute(f'ALTER DATABASE "{name}" WITH CONNECTION LIMIT -1')
        with self._connect(name) as con:
            own = con.info.backend_pid
            self._execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            if not self._end_connections(name, keep=own):  # any that came in meanwhile
                return False
            for (schema,) in con.execute(_SCHEMAS_SQL).fetchall():
                con.execute(f'DROP SCHEMA "{schema}" CASCADE')
            for sql in _NEW_PUBLIC:
                con.execute(sql)
            return bool(self._fingerprint(con) == self._new[kind])

    def _give_back(self, name: str, reuse: bool) -> None:
        try:
            if reuse and self._empty(name):
                self._emptied.setdefault(self._kind[name], []).append(name)
                return
        except Exception as e:  # dropped below, as if it had never been reusable
            if not self._gone(name):  # a test that drops its own database is no problem
                self._problems.append(f"emptying {name}: {e}")
        self._drop(name)

    def _gone(self, name: str) -> bool:
        try:
            return not self._execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        except Exception:
            return False

    def _drop(self, name: str) -> None:
        try:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as e:
            self._problems.append(f"dropping {name}: {e}")

    # -- from the tests --------------------------------------------------------------------

    def take(self, prefix: str, options: str, *, reuse: bool) -> str:
        """A database that is new or, with ``reuse``, as new."""
        return self._thread.submit(self._take, (prefix, options), reuse).result()

    def give_back(self, name: str, *, reuse: bool) -> None:
        """Empty ``name`` for reuse, or drop it, on the worker thread."""
        self._thread.submit(self._give_back, name, reuse)

    def close(self) -> None:
        """Drop every database still kept and stop the worker thread."""
        done: Future[None] = self._thread.submit(self._drop_all)
        self._thread.shutdown(wait=True)
        done.result()
        if self._admin is not None:
            self._admin.close()
        if self._problems:  # the tests are over: say so rather than lose it
            print(f"tests.pg: {'; '.join(self._problems)}", file=sys.stderr)

    def _drop_all(self) -> None:
        for names in self._emptied.values():
            for name in names:
                self._drop(name)
        self._emptied.clear()


_databases: _Databases | None = None


def close_databases() -> None:
    """End of the session: drop what is left and stop the worker thread."""
    global _databases
    if _databases is not None:
        _databases.close()
        _databases = None


@contextmanager
def pg_database(prefix: str, options: str = "", *, reuse: bool = False) -> Iterator[str]:
    """A database as CREATE DATABASE makes it (``options`` appended), named ``prefix_...``;
    yield its URL. It is dropped afterwards, or with ``reuse`` (for the fixtures most tests
    use) emptied for the next test that asks for the same kind."""
    global _databases
    try:
        import psycopg
    except ImportError as e:
        pg_unavailable(f"psycopg is not installed ({e})")
    if _databases is None:
        _databases = _Databases()
    try:
        name = _databases.take(prefix, options, reuse=reuse)
    except psycopg.OperationalError as e:
        pg_unavailable(str(e).strip())
    try:
        yield f"{PG_DSN}/{name}"
    finally:
        _databases.give_back(name, reuse=reuse)
