"""Mistakes a user makes with the command line, through the real CLI in a subprocess where
its messages and exit code are what is checked: unknown settings, dropping tables,
generating nothing, options every command takes, output that is piped. (The warehouses a test
starts from, and the SQL that `sparkify sql` prints, are made and read in this process.)"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.dialects import Dialect
from sparkify.errors import ExitCode
from sparkify.schema.model import ALL_TABLES
from sparkify.sql.plan import plan_sql
from tests.helpers import invoke

TABLES = [t.name for t in ALL_TABLES]


def _sparkify(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sparkify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def _url(folder: Path) -> str:
    return f"duckdb:///{folder / 'w.duckdb'}"


def test_unknown_environment_variable_is_a_warning_and_the_run_goes_on(tmp_path: Path) -> None:
    env = {"SPARKIFY_TARGT": "duckdb:///other.duckdb", "SPARKIFY_TARGET": _url(tmp_path)}
    out = _sparkify(tmp_path, "create-tables", "-q", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stderr == (
        "warning: environment variable SPARKIFY_TARGT is not a sparkify setting; ignored. "
        "Did you mean 'target' (SPARKIFY_TARGET)?\n"
    )
    assert (tmp_path / "w.duckdb").exists() and not (tmp_path / "other.duckdb").exists()


def test_unknown_key_in_the_config_file_stays_an_error_with_its_case(tmp_path: Path) -> None:
    (tmp_path / "sparkify.toml").write_text('targt = "duckdb:///w.duckdb"\n')
    out = _sparkify(tmp_path, "create-tables", "-q")
    assert out.returncode == ExitCode.USAGE
    assert out.stderr == (
        f"error: {tmp_path / 'sparkify.toml'}: unknown key 'targt'.\n"
        "  hint: Did you mean 'target'?\n"
    )
    assert not (tmp_path / "w.duckdb").exists()


def _on_a_terminal(cwd: Path, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``sparkify ARGS`` with a terminal (a pseudo-terminal) as standard input, typing ``answer``."""
    main, child = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sparkify", *args],
            stdin=child,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=dict(os.environ),  # not the C environment, where readline may have set COLUMNS
        )
        os.write(main, answer.encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(main)
        os.close(child)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _warehouse_with_a_user(folder: Path) -> Path:
    assert invoke("create-tables", "--target", _url(folder), "-q").exit_code == 0
    db = folder / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO users VALUES (7, 'Ann', 'Lee', 'F', 'free')")
    return db


def _users(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT COUNT(*) FROM users").fetchone()
    assert found is not None
    return int(found[0])


def test_drop_without_a_terminal_or_yes_refuses_and_keeps_the_data(tmp_path: Path) -> None:
    db = _warehouse_with_a_user(tmp_path)
    out = _sparkify(tmp_path, "create-tables", "--drop", "--target", _url(tmp_path))
    assert out.returncode == ExitCode.USAGE
    assert out.stderr == (
        f"error: create-tables --drop would drop {len(TABLES)} tables of {_url(tmp_path)} with all their "
        "data, and there is no terminal to ask on.\n"
        "  hint: Add --yes to drop them without asking.\n"
    )
    assert _users(db) == 1


def test_drop_on_a_terminal_asks_first(tmp_path: Path) -> None:
    db = _warehouse_with_a_user(tmp_path)
    args = ("create-tables", "--drop", "--target", _url(tmp_path))
    declined = _on_a_terminal(tmp_path, "n\n", *args)
    assert declined.returncode == ExitCode.INTERRUPTED
    assert (
        f"Drop {len(TABLES)} tables of {_url(tmp_path)} ({', '.join(TABLES)}) with all"
        in declined.stderr
    )
    assert _users(db) == 1
    accepted = _on_a_terminal(tmp_path, "y\n", *args)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout == (
        f"Tables dropped: {', '.join(TABLES)}\nTables created: {', '.join(TABLES)}\n"
    )
    assert _users(db) == 0


def test_drop_with_yes_does_not_ask_and_says_what_it_dropped(tmp_path: Path) -> None:
    db = _warehouse_with_a_user(tmp_path)
    out = _sparkify(tmp_path, "create-tables", "--drop", "--yes", "--target", _url(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        f"Tables dropped: {', '.join(TABLES)}\nTables created: {', '.join(TABLES)}\n"
    )
    assert out.stderr == ""
    assert _users(db) == 0


def test_generate_no_events_refuses_and_writes_nothing(tmp_path: Path) -> None:
    out = _sparkify(tmp_path, "generate", "data", "--events", "0", "--songs", "3")
    assert out.returncode == ExitCode.USAGE
    assert out.stderr == (
        "error: generate --events 0 would write no log_data/ for `sparkify run` to load.\n"
        "  hint: Give --events 1 or more (the default is 10000).\n"
    )
    assert not (tmp_path / "data").exists()


def test_generate_draws_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    args = ("generate", "--events", "300", "--songs", "3", "--days", "2")
    piped = _sparkify(tmp_path, *args, "piped")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert piped.stdout.startswith("Wrote 2 log files (300 events) and 3 song files to piped in ")
    # the same command as on a terminal (rich told so) draws the bar, to its total
    shown = _sparkify(tmp_path, *args, "shown", env={"TTY_COMPATIBLE": "1"})
    assert shown.returncode == 0, shown.stderr
    assert "Generating" in shown.stderr and "303/303" in shown.stderr
    ran = _sparkify(tmp_path, "run", "--source", "piped", "--target", _url(tmp_path), "-q")
    assert ran.returncode == 0, ran.stderr


def _command_paths() -> list[list[str]]:
    paths = []
    for name, command in sorted(cli.commands.items()):
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in sorted(command.commands)]
        else:
            paths.append([name])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_takes_quiet_and_debug(path: list[str]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "-q, --quiet" in result.output and "--debug" in result.output


@pytest.mark.parametrize(
    ("given", "dialect"),
    [
        ("postgresql", Dialect.POSTGRES),
        ("redshift+iam", Dialect.REDSHIFT),
        ("postgresql://me@localhost:5432/sparkify", Dialect.POSTGRES),
        ("duckdb:///warehouse.duckdb", Dialect.DUCKDB),
    ],
)
def test_sql_target_takes_url_schemes_and_whole_urls(given: str, dialect: Dialect) -> None:
    out = CliRunner().invoke(cli, ["sql", "--target", given, "ddl", "-q", "--debug"])
    assert out.exit_code == 0, out.output
    assert out.stdout == "".join(s.rstrip() + ";\n\n" for s in plan_sql(dialect, "ddl"))


def test_sql_target_unknown_name_suggests(tmp_path: Path) -> None:
    out = _sparkify(tmp_path, "sql", "--target", "postgrs")
    assert out.returncode == ExitCode.USAGE
    assert out.stderr == "error: Unknown target 'postgrs'.\n  hint: Did you mean 'postgres'?\n"


def _whole(text: str) -> str:
    return " ".join(text.split())


def test_help_lists_every_command_with_its_whole_description(tmp_path: Path) -> None:
    for path, group in (([], cli), (["infra"], cli.commands["infra"])):
        out = _sparkify(tmp_path, *path, "--help")
        assert out.returncode == 0, out.stderr
        listed = out.stdout.partition("Commands:")[2]
        assert "..." not in listed
        assert isinstance(group, click.Group)
        for name, command in group.commands.items():
            first = command.get_short_help_str(limit=1_000)
            assert first.endswith(".") and f"{name} {first}" in _whole(listed), name


def _cells(table: str, check: str) -> list[str]:
    (line,) = [row for row in table.splitlines() if f" {check} " in row]
    return [cell.strip() for cell in line.split("│")[1:-1]]


def test_check_table_piped_is_whole_and_says_what_it_counts(tmp_path: Path) -> None:
    assert invoke("create-tables", "--target", _url(tmp_path), "-q").exit_code == 0
    out = _sparkify(tmp_path, "check", "--target", _url(tmp_path))
    assert out.returncode == ExitCode.CHECK_FAILED  # an empty warehouse
    header = [cell.strip() for cell in out.stdout.splitlines()[2].split("┃")[1:-1]]
    assert header == ["status", "check", "violations found", "what it verifies"]
    assert _cells(out.stdout, "songplays_not_empty") == [
        "fail",
        "songplays_not_empty",
        "1 table empty",
        "songplays has rows",
    ]
    assert _cells(out.stdout, "songplays_count_matches_staging") == [
        "pass",
        "songplays_count_matches_staging",
        "0 rows too many or missing",
        "songplays has one row per staged NextSong event with a user id",
    ]
    assert _cells(out.stdout, "songplays_artist_id_in_artists")[2] == "0 rows not in artists"
    assert _cells(out.stdout, "users_user_id_unique")[2] == "0 keys duplicate or null"
    assert _cells(out.stdout, "rejected_records")[2] == "0 records rejected"
    assert _cells(out.stdout, "songplays_matched_share")[2] == "0.00% (info)"
