"""Every row of the README's exit-code table, through the real command line in a subprocess,
with and without ``--debug``: the same exit code and the same error line and hint; ``--debug``
only adds the traceback before them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from sparkify.errors import ExitCode
from tests.helpers import event, invoke, song, write_log, write_song
from tests.sample import ROOT

TRACEBACK = "Traceback (most recent call last):"

# A case prepares its folder and returns the command (after `sparkify`) and extra environment.
Case = Callable[[Path, pytest.FixtureRequest], tuple[list[str], dict[str, str]]]


def _url(folder: Path) -> str:
    return f"duckdb:///{folder / 'w.duckdb'}"


def _source(folder: Path, *records: dict[str, object] | str) -> Path:
    write_log(folder / "src" / "log_data" / "day.json", list(records))
    write_song(folder / "src", song())
    return folder / "src"


def _ok(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    return ["create-tables", "--target", _url(folder), "-q"], {}


def _check_failed(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    src = _source(folder, event(page="Home"))  # no play: songplays, users and time stay empty
    return ["run", "--source", str(src), "--target", _url(folder), "-q"], {}


def _usage(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    (folder / "sparkify.toml").write_text('sorce = "data"\n')
    return ["run", "--target", _url(folder), "-q"], {}


def _source_missing(
    folder: Path, request: pytest.FixtureRequest
) -> tuple[list[str], dict[str, str]]:
    return ["run", "--source", str(folder / "nope"), "--target", _url(folder), "-q"], {}


def _target(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    return ["check", "--target", "mysql://me@db/sparkify"], {}


def _too_many(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    src = _source(folder, event(), "not json")
    return ["run", "--source", str(src), "--target", _url(folder), "--max-errors", "0", "-q"], {}


def _infra(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    endpoint = request.getfixturevalue("aws")  # fake credentials, AWS_ENDPOINT_URL: moto
    return ["infra", "pause", "--endpoint-url", endpoint, "-q"], {}


def _busy(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    request.getfixturevalue("held_warehouse")
    src = _source(folder, event())
    return ["run", "--source", str(src), "--target", _url(folder), "-q"], {}


def _query(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    assert invoke("create-tables", "--target", _url(folder), "-q").exit_code == 0
    with duckdb.connect(str(folder / "w.duckdb")) as con:
        con.execute("ALTER TABLE staging_events DROP COLUMN page")  # a check query now fails
    return ["check", "--target", _url(folder)], {}


def _interrupted(folder: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    # tests.cli_driver sends itself SIGINT (Ctrl-C) before the first CREATE statement runs
    return ["create-tables", "--target", _url(folder), "-q"], {"SPARKIFY_TEST_SIGNAL_AT": "CREATE"}


CASES: dict[ExitCode, Case] = {
    ExitCode.OK: _ok,
    ExitCode.CHECK_FAILED: _check_failed,
    ExitCode.USAGE: _usage,
    ExitCode.SOURCE: _source_missing,
    ExitCode.TARGET: _target,
    ExitCode.TOO_MANY_ERRORS: _too_many,
    ExitCode.INFRA: _infra,
    ExitCode.BUSY: _busy,
    ExitCode.QUERY: _query,
    ExitCode.INTERRUPTED: _interrupted,
}


def _sparkify(
    folder: Path, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    module = "tests.cli_driver" if "SPARKIFY_TEST_SIGNAL_AT" in env else "sparkify"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": path, **env},
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


@pytest.fixture
def held_warehouse(tmp_path: Path) -> Iterator[None]:
    """Another process holds tmp_path/w.duckdb open (DuckDB's file lock)."""
    with _holding(tmp_path / "w.duckdb"):
        yield


@contextmanager
def _holding(db: Path) -> Iterator[None]:
    code = f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        yield
    finally:
        holder.kill()
        holder.wait()


def _needs(code: ExitCode) -> list[pytest.MarkDecorator]:
    return [pytest.mark.aws] if code is ExitCode.INFRA else []


@pytest.mark.parametrize("code", [pytest.param(c, id=str(int(c)), marks=_needs(c)) for c in CASES])
def test_debug_adds_the_traceback_and_keeps_the_exit_code_and_message(
    code: ExitCode, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    args, env = CASES[code](tmp_path, request)
    plain = _sparkify(tmp_path, args, env)
    debug = _sparkify(tmp_path, [*args, "--debug"], env)

    assert (plain.returncode, debug.returncode) == (code, code), (plain.stderr, debug.stderr)
    assert TRACEBACK not in plain.stderr
    if code is ExitCode.OK:
        assert plain.stderr == debug.stderr == ""
        return
    if code is ExitCode.INTERRUPTED:
        assert plain.stderr.lstrip("\n") == "interrupted: nothing was committed.\n"
    else:  # one error line, then one hint line
        error, hint = plain.stderr.rstrip("\n").split("\n")
        assert error.startswith("error: ") and hint.startswith("  hint: "), plain.stderr
    # the same error line and hint, after the traceback
    assert debug.stderr.endswith(plain.stderr), debug.stderr
    assert TRACEBACK in debug.stderr[: -len(plain.stderr)], debug.stderr
