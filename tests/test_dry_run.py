"""`run --dry-run` and `etl --dry-run`: the whole run inside its transaction, the summary and
the first rejected records, then a rollback. Every table stays row for row as it was (on a
new warehouse: no table, no DuckDB file, no schema is left), and the exit code is the one a
real run would have had."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sparkify.errors import ExitCode
from sparkify.targets import Target
from tests.aws_helpers import client
from tests.copies import Copies, Load
from tests.helpers import (
    EVERY_TABLE,
    event,
    invoke,
    snapshot,
    song,
    source_link,
    write_log,
    write_song,
)
from tests.redshift_fixtures import STAGING
from tests.redshift_helpers import redshift_settings, redshift_target

pytest_plugins = ["tests.moto_fixtures", "tests.redshift_fixtures"]

LOCAL = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
BAD_LINES = ["not json", '{"ts": "bad"}']
REJECT_ROWS = [
    "│ log_data/bad.json │ 1 │ not valid JSON │",
    '│ log_data/bad.json │ 2 │ field ts: expected an integer, got "bad" │',
]


def _day(root: Path, day: int) -> None:
    write_log(
        root / "log_data" / f"day{day}.json",
        [
            event(ts=1541000000000 + day * 86_400_000 + i, userId=str(i % 3 + 1), song=f"T{i % 2}")
            for i in range(6)
        ],
    )


def _at(folder: Path, beside: Path | None = None) -> str:
    """The one source location (a link beside ``folder``, or beside ``beside``), holding
    ``folder``'s state now."""
    return str(source_link((beside or folder).parent / "src", folder))


def _first(root: Path) -> Path:
    """Two days of plays and two songs."""
    for day in (1, 2):
        _day(root, day)
    for i in (0, 1):
        write_song(root, song(song_id=f"SO{i}", title=f"T{i}", artist_id=f"AR{i}"))
    return root


def _more(first: Path, root: Path, bad: list[str] = BAD_LINES) -> Path:
    """``first``, plus a new day, a new song and a file of bad records."""
    shutil.copytree(first, root)
    _day(root, 3)
    write_song(root, song(song_id="SO9", title="T9", artist_id="AR9"))
    write_log(root / "log_data" / "bad.json", list(bad))
    return root


def _lines(output: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in output.splitlines()]


def _reject_rows(output: str) -> list[str]:
    """The rows of the printed rejects table."""
    return [ln for ln in _lines(output) if ln.startswith("│ log_data/bad.json │")]


def _value(output: str, what: str) -> str:
    """The value of one row of the printed summary."""
    for line in _lines(output):
        if line.startswith(f"│ {what} │"):
            return line.split("│")[2].strip()
    raise AssertionError(f"no '{what}' row in:\n{output}")


def _load_first(url: str, folder: Path) -> None:
    assert (
        invoke("run", "--source", _at(_first(folder / "first")), "--target", url, "-q").exit_code
        == 0
    )


@pytest.fixture
def loaded(warehouse_copy: Callable[[str, Load], str], loaded_copies: Copies) -> tuple[str, Path]:
    """A warehouse that loaded :func:`_first` from the one source location (a copy of one
    load per test process), and the folder of that first state (not to be changed)."""
    url = warehouse_copy("dry-run-first", _load_first)
    return url, loaded_copies.folder("dry-run-first") / "first"


@pytest.fixture(params=LOCAL)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def _table_names(url: str) -> set[str]:
    out = invoke(
        "query",
        "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('main', 'public')",
        "--target",
        url,
        "--format",
        "csv",
        "-q",
    )
    assert out.exit_code == 0, out.output
    return set(out.output.split()[1:])


@pytest.mark.parametrize("command", ["run", "etl"])
def test_dry_run_on_a_loaded_warehouse_changes_no_row(
    loaded: tuple[str, Path], tmp_path: Path, command: str
) -> None:
    url, first = loaded
    before = snapshot(url, EVERY_TABLE)
    names = _table_names(url)
    more = _more(first, tmp_path / "more")

    out = invoke(command, "--source", _at(more, first), "--target", url, "--dry-run", "-q")

    assert out.exit_code == 0, out.output
    assert snapshot(url, EVERY_TABLE) == before
    assert _table_names(url) == names
    assert "sparkify: dry run (rolled back, nothing was committed)" in out.output
    assert _value(out.output, "dry run") == "rolled back: the warehouse is unchanged"
    assert _value(out.output, "files") == "7 (3 new, 0 changed, 4 unchanged)"
    assert _value(out.output, "records rejected") == "2"
    assert _value(out.output, "rows in songplays") == "18"  # as the run would leave it
    assert "rejected records: the first 2 of 2" in _lines(out.output)
    assert _reject_rows(out.output) == REJECT_ROWS


def test_dry_run_of_run_on_a_new_warehouse_leaves_nothing(url: str, tmp_path: Path) -> None:
    source = _more(_first(tmp_path / "first"), tmp_path / "more")

    out = invoke("run", "--source", str(source), "--target", url, "--dry-run", "-q")

    assert out.exit_code == 0, out.output
    assert _value(out.output, "rows in songplays") == "18"
    assert _value(out.output, "checks") == "17 passed, 1 warned, 0 failed, 1 reported"
    assert _reject_rows(out.output) == REJECT_ROWS
    if url.startswith("duckdb"):
        file = Path(url[len("duckdb:///") :])
        assert not file.exists()
        assert not Path(f"{file}.wal").exists()
    else:
        assert _table_names(url) == set()
    # the real run gives what the dry run showed
    real = invoke("run", "--source", str(source), "--target", url, "-q")
    assert real.exit_code == 0
    assert _value(real.output, "rows in songplays") == "18"


@pytest.mark.postgres
def test_dry_run_leaves_no_new_postgres_schema(pg_url: str, tmp_path: Path) -> None:
    source = _first(tmp_path / "first")
    out = invoke(
        "run", "--source", str(source), "--target", pg_url, "--schema", "fresh", "--dry-run", "-q"
    )
    assert out.exit_code == 0, out.output
    found = invoke(
        "query",
        "SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'fresh'",
        "--target",
        pg_url,
        "--format",
        "csv",
        "-q",
    )
    assert found.output.split()[1:] == ["0"]


@pytest.mark.parametrize("command", ["run", "etl"])
def test_dry_run_over_max_errors_shows_the_rejects_and_exits_5(
    loaded: tuple[str, Path], tmp_path: Path, command: str
) -> None:
    url, first = loaded
    before = snapshot(url, EVERY_TABLE)
    more = _more(first, tmp_path / "more")

    out = invoke(
        command,
        "--source",
        _at(more, first),
        "--target",
        url,
        "--dry-run",
        "--max-errors",
        "1",
        "-q",
    )

    assert out.exit_code == ExitCode.TOO_MANY_ERRORS
    assert "2 records were rejected, more than --max-errors 1" in str(out.exception)
    assert _reject_rows(out.output) == REJECT_ROWS
    assert snapshot(url, EVERY_TABLE) == before


def test_dry_run_lists_the_first_20_rejects_and_says_how_many_more(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    source = _more(_first(tmp_path / "first"), tmp_path / "more", [f"bad {i}" for i in range(25)])

    out = invoke("run", "--source", str(source), "--target", url, "--dry-run", "-q")

    assert out.exit_code == 0, out.output
    lines = _lines(out.output)
    assert "rejected records: the first 20 of 25" in lines
    shown = _reject_rows(out.output)
    assert shown == [f"│ log_data/bad.json │ {n} │ not valid JSON │" for n in range(1, 21)]
    assert "… and 5 more" in lines


def test_dry_run_exits_1_when_a_check_fails_as_the_run_would(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    source = _first(tmp_path / "first")
    assert invoke("run", "--source", str(source), "--target", url, "-q").exit_code == 0
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:  # user 1 twice
        con.execute("INSERT INTO users VALUES ('1', 'X', 'Y', 'F', 'free')")
    before = snapshot(url, EVERY_TABLE)

    dry = invoke("run", "--source", str(source), "--target", url, "--dry-run", "-q")
    assert dry.exit_code == ExitCode.CHECK_FAILED
    assert "users_user_id_unique" in str(dry.exception)
    assert snapshot(url, EVERY_TABLE) == before
    real = invoke("run", "--source", str(source), "--target", url, "-q")
    assert real.exit_code == ExitCode.CHECK_FAILED


# -- Redshift, on the stand-in cluster -----------------------------------------------------------


def _stand_in(cluster: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI's targets become the stand-in cluster; returns a function giving every row."""

    def opened(_: Any, tracer: Any = None) -> Target:
        return redshift_target(cluster, redshift_settings(cluster))[0]

    monkeypatch.setattr("sparkify.cli.pipeline.open_target", opened)
    monkeypatch.setattr("sparkify.cli.query.open_target", opened)
    for key in ("endpoint_url", "s3_staging", "iam_role"):
        monkeypatch.setenv(f"SPARKIFY_{key.upper()}", cluster[key])

    def rows() -> dict[str, list[tuple[Any, ...]]]:
        with redshift_target(cluster, redshift_settings(cluster))[0] as target:
            names = sorted(target.table_names() - {"sparkify_runs"})  # a dry run is recorded
            return {t: sorted(target.query(f'SELECT * FROM "{t}"'), key=repr) for t in names}

    return rows


@pytest.mark.postgres
@pytest.mark.aws
def test_dry_run_on_redshift_changes_no_row(
    cluster: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _stand_in(cluster, monkeypatch)
    target = cluster["target"]
    first = _first(tmp_path / "first")
    more = _more(first, tmp_path / "more")

    new = invoke("run", "--source", _at(more), "--target", target, "--dry-run", "-q")
    assert new.exit_code == 0, new.output
    assert rows() == {}  # not even the manifest table made before the transaction
    assert invoke("run", "--source", _at(first), "--target", target, "-q").exit_code == 0
    before = rows()

    out = invoke("etl", "--source", _at(more), "--target", target, "--dry-run", "-q")

    assert out.exit_code == 0, out.output
    assert rows() == before
    assert _value(out.output, "rows in songplays") == "18"
    assert _value(out.output, "records rejected") == "2"
    assert len(_reject_rows(out.output)) == 2
    assert client("s3").list_objects_v2(Bucket=STAGING).get("KeyCount") == 0
