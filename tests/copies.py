"""Warehouses loaded once per test process and copied for each test that needs one.

Many tests start from the same loaded warehouse and only read it, or change it in a way of
their own. Loading it costs far more than copying it: a DuckDB warehouse is one file, and
PostgreSQL copies a database with ``CREATE DATABASE ... TEMPLATE``. The copy holds what the
load left, row for row; only ``sparkify_runs`` names the warehouse it was loaded into, not
the copy. A test that is about the load itself, or about the runs recorded, loads its own.

The ``loaded_copies`` fixture of ``tests/conftest.py`` gives each test process one
:class:`Copies`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.pg import pg_database

#: Loads a warehouse: called with its URL and a folder of its own (for a source, say).
Load = Callable[[str, Path], None]


class Copies:
    """Loaded warehouses by name, each loaded at most once, and copies of them."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._templates = ExitStack()  # the PostgreSQL templates, dropped at the end
        self._postgres: dict[str, str] = {}

    def close(self) -> None:
        self._templates.close()

    def folder(self, name: str) -> Path:
        """The folder ``load`` is given for the warehouse ``name`` (its source, say)."""
        folder = self._folder / name
        folder.mkdir(exist_ok=True)
        return folder

    def own_source(self, name: str, dest: Path) -> Path:
        """For a warehouse ``name`` loaded from the link ``src`` (in its folder) to ``data``:
        a copy of ``data`` at ``dest`` (file times kept) for this test to change, the link
        pointed at it; returns the link, the source location the warehouse is bound to."""
        folder = self.folder(name)
        own = shutil.copytree(folder / "data", dest)
        link = folder / "src"
        link.unlink(missing_ok=True)
        link.symlink_to(own.absolute(), target_is_directory=True)
        return link

    def duckdb(self, name: str, load: Load, dest: Path) -> str:
        """A copy at ``dest`` of the DuckDB warehouse ``load`` made; its URL."""
        template = self._folder / f"{name}.duckdb"
        if not template.exists():
            loading = self._folder / f"{name}.loading.duckdb"
            load(f"duckdb:///{loading}", self.folder(name))
            assert not Path(f"{loading}.wal").exists(), "the load left its changes in the WAL"
            loading.rename(template)
        shutil.copyfile(template, dest)
        return f"duckdb:///{dest}"

    @contextmanager
    def postgres(self, name: str, load: Load, options: str = "") -> Iterator[str]:
        """A copy of the PostgreSQL database ``load`` filled (made with ``options`` appended to
        CREATE DATABASE); its URL. The copy is dropped afterwards."""
        if name not in self._postgres:
            with ExitStack() as made:
                url = made.enter_context(pg_database("sparkify_tpl", options))
                load(url, self.folder(name))
                self._templates.push(made.pop_all())
            self._postgres[name] = url.rsplit("/", 1)[1]
        with pg_database("sparkify_copy", f'TEMPLATE "{self._postgres[name]}"') as url:
            yield url
