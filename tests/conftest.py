"""Shared fixtures: isolation, the real sample, and fixtures over every target: `target_url`
(a new warehouse), `warehouse_copy` and `sample_url` (copies of a warehouse loaded once per
test process, `tests/copies.py`).

`SPARKIFY_TEST_TARGETS` (comma list, default "duckdb,postgres") chooses the targets. Each
PostgreSQL test gets a database of its own, as CREATE DATABASE makes it (`tests/pg.py` empties
and checks one that an earlier test used); when the server cannot be reached the test is
skipped with the reason, except in CI (`CI=true`), where it fails.

The tests run on several processes (pytest-xdist, `-n auto` in pyproject.toml): each has its
own temporary folders, moto server, databases and loaded warehouses.

Markers follow from the fixtures a test uses (see `pytest_collection_modifyitems`): a test
that reaches PostgreSQL, the moto server or the real sample through a fixture is marked
`postgres`, `aws` or `sample` without saying so itself. A test that asks for such a fixture
only at run time (`request.getfixturevalue`) carries the marker by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.copies import Copies, Load
from tests.pg import close_databases, pg_database
from tests.sample import ROOT as ROOT  # re-exported: tests import it from here
from tests.sample import SAMPLE, SKIP_REASON

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"

# The main pytest process imports readline, which sets COLUMNS and LINES in its environment;
# pytest-xdist's workers inherit them, and the command line's consoles (made when sparkify.cli
# is imported) would then wrap output that goes to a pipe at 80 columns. Tests see the
# environment a shell gives a program instead.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite golden SQL files from the current output (review the diff).",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject's addopts): one test process more than the cores this process
    may use. A test spends a good part of its time waiting (for PostgreSQL, for the programs
    it starts, for a lock or a timeout); the extra process keeps the cores busy meanwhile."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    return (len(usable) or os.cpu_count() or 1) + 1


def pytest_sessionfinish() -> None:
    close_databases()


#: Fixture -> the markers of every test that uses it (directly or through another fixture).
FIXTURE_MARKERS = {
    "pg_url": ("postgres",),
    "pg_c": ("postgres",),
    "moto_endpoint": ("aws",),
    "moto_server": ("aws",),
    "sample": ("sample",),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test for the servers and data its fixtures need, so that ``-m "not
    postgres"`` and the like leave out exactly the tests that cannot run without them."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        wanted = {m for name in names & FIXTURE_MARKERS.keys() for m in FIXTURE_MARKERS[name]}
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        if "postgres" in (params.get("target_url"), params.get("warehouse_copy")):
            wanted.add("postgres")  # their PostgreSQL case reaches the server only at run time
        for marker in sorted(wanted - {m.name for m in item.iter_markers()}):
            item.add_marker(marker)


def _targets() -> list[str]:
    return [
        t.strip()
        for t in os.environ.get("SPARKIFY_TEST_TARGETS", "duckdb,postgres").split(",")
        if t.strip()
    ]


@pytest.fixture(autouse=True)
def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No SPARKIFY_* settings or sparkify.toml leak into a test; it runs in its own folder."""
    for name in list(os.environ):
        if name.startswith("SPARKIFY_") and not name.startswith("SPARKIFY_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sample() -> Path:
    """The real public sample (skips where it is absent, as on a user's machine)."""
    if not SAMPLE.is_dir():
        pytest.skip(SKIP_REASON)
    return SAMPLE


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty PostgreSQL database for this test alone, as CREATE DATABASE makes it."""
    with pg_database("sparkify_test", reuse=True) as url:
        yield url


def _needs_the_postgres_target() -> None:
    try:
        import sparkify.targets.postgres  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("the PostgreSQL target is not part of this build")


@pytest.fixture(params=_targets())
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh warehouse URL on each configured target."""
    kind = str(request.param)
    if kind == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    if kind == "postgres":
        _needs_the_postgres_target()
        url: str = request.getfixturevalue("pg_url")
        return url
    raise ValueError(f"unknown test target {kind!r}")


@pytest.fixture(scope="session")
def loaded_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    """Warehouses loaded once in this test process, copied for each test (tests/copies.py)."""
    copies = Copies(tmp_path_factory.mktemp("loaded"))
    yield copies
    copies.close()


@pytest.fixture(params=_targets())
def warehouse_copy(
    request: pytest.FixtureRequest, tmp_path: Path, loaded_copies: Copies
) -> Iterator[Callable[[str, Load], str]]:
    """On each configured target, ``copy(name, load)``: the URL of a copy, for this test, of
    the warehouse ``load(url, folder)`` fills the first time a test of this process asks for
    ``name`` (only its sparkify_runs rows name another warehouse; see tests/copies.py)."""
    kind = str(request.param)
    with ExitStack() as copies:

        def copy(name: str, load: Load) -> str:
            if kind == "duckdb":
                return loaded_copies.duckdb(name, load, tmp_path / "warehouse.duckdb")
            if kind == "postgres":
                _needs_the_postgres_target()
                return copies.enter_context(loaded_copies.postgres(name, load))
            raise ValueError(f"unknown test target {kind!r}")

        yield copy


def _load_sample(url: str, folder: Path) -> None:
    from tests.helpers import invoke

    loaded = invoke("run", "--source", str(SAMPLE), "--target", url, "-q")
    assert loaded.exit_code == 0, loaded.output


@pytest.fixture
def sample_url(sample: Path, warehouse_copy: Callable[[str, Load], str]) -> str:
    """A warehouse on each configured target holding what ``sparkify run --source SAMPLE``
    leaves in a new one (a copy of one such load per test process)."""
    return warehouse_copy("sample", _load_sample)
