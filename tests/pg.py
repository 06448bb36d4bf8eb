"""A throw-away PostgreSQL database for one test; a missing server fails in CI, skips elsewhere.

CREATE DATABASE and DROP DATABASE cost a good part of a second on a busy machine, so they
run on a thread of their own: the database a test gets was created (empty, from its
template) while the previous test ran, and the one it used is dropped while the next runs.
Each test process (each pytest-xdist worker) has its own thread and its own databases.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

PG_DSN = os.environ.get("SPARKIFY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_unavailable(reason: str) -> None:
    """Fail (CI) or skip (elsewhere) because PostgreSQL cannot be used."""
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


class _Databases:
    """Creates and drops the test databases of this process on one worker thread, through
    one administrative connection (opened again if it was lost)."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-databases")
        self._admin: Any = None
        #: (prefix, options) -> the database created ahead for the next test that asks.
        self._ahead: dict[tuple[str, str], Future[str]] = {}
        self._drops: list[Future[None]] = []

    def _execute(self, sql: str) -> None:
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5)
        self._admin.execute(sql)

    def _create(self, prefix: str, options: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" {options}')
        return name

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def take(self, prefix: str, options: str, *, ahead: bool) -> str:
        """A new database; with ``ahead``, start creating the next one of the same kind."""
        key = (prefix, options)
        ready = self._ahead.pop(key, None) or self._thread.submit(self._create, *key)
        name = ready.result()
        if ahead:
            self._ahead[key] = self._thread.submit(self._create, *key)
        return name

    def give_back(self, name: str) -> None:
        """Drop ``name`` on the worker thread (its connections are closed by force)."""
        self._drops.append(self._thread.submit(self._drop, name))

    def close(self) -> None:
        """Drop the databases created ahead and wait for every drop to finish."""
        for ready in self._ahead.values():
            self._thread.submit(self._drop_when_created, ready)
        self._ahead.clear()
        self._thread.shutdown(wait=True)
        if self._admin is not None:
            self._admin.close()
        failed = [str(d.exception()) for d in self._drops if d.exception() is not None]
        if failed:  # the tests are over; say so rather than lose it
            print(
                f"tests.pg: {len(failed)} test database(s) not dropped: {failed[0]}",
                file=sys.stderr,
            )

    def _drop_when_created(self, ready: Future[str]) -> None:
        if ready.exception() is None:
            self._drop(ready.result())


_databases: _Databases | None = None


def close_databases() -> None:
    """End of the session: drop what is left and stop the worker thread."""
    global _databases
    if _databases is not None:
        _databases.close()
        _databases = None


@contextmanager
def pg_database(prefix: str, options: str = "", *, ahead: bool = False) -> Iterator[str]:
    """Create a database named ``prefix_<random>`` (``options`` appended to CREATE DATABASE),
    yield its URL, drop it afterwards. ``ahead``: a fixture that many tests use, worth
    creating the next database of the same kind while this one is in use."""
    global _databases
    try:
        import psycopg
    except ImportError as e:
        pg_unavailable(f"psycopg is not installed ({e})")
    if _databases is None:
        _databases = _Databases()
    try:
        name = _databases.take(prefix, options, ahead=ahead)
    except psycopg.OperationalError as e:
        pg_unavailable(str(e).strip())
    try:
        yield f"{PG_DSN}/{name}"
    finally:
        _databases.give_back(name)
