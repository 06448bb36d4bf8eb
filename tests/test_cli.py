"""The command line: help, errors and exit codes, nothing written on bad input, boundaries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.errors import ExitCode
from tests.helpers import invoke
from tests.sample import ROOT

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_example_and_is_documented(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"sparkify {name}" in (ROOT / "README.md").read_text()


def test_missing_source_is_one_error_and_writes_nothing(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sparkify", "run", "--source", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == ExitCode.SOURCE
    assert out.stderr.startswith("error: Source folder")
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "sparkify.duckdb").exists()


def test_error_text_is_printed_as_is_not_as_markup(tmp_path: Path) -> None:
    # brackets in a path (or in a hint such as pip install 'sparkify[postgres]') are text
    folder = tmp_path / "exports [data]"
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "sparkify", "run", "--source", str(folder)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == ExitCode.SOURCE
    assert f"{folder / 'log_data'} not found" in out.stderr.replace("\n", "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "Unknown target 'mysql'"),
        ("postgrs://x/y", "Did you mean 'postgres'"),
        ("sparkify.duckdb", "is not a target URL"),
        ("duckdb:////no/such/folder/w.duckdb", "does not exist"),
    ],
)
def test_bad_target_url(tmp_path: Path, sample: Path, url: str, message: str) -> None:
    result = invoke("run", "--source", str(sample), "--target", url, "-q")
    assert result.exit_code == ExitCode.TARGET
    assert message in str(result.exception)


def test_check_on_missing_warehouse(tmp_path: Path) -> None:
    result = invoke("check", "--target", f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert result.exit_code == ExitCode.TARGET
    assert not (tmp_path / "none.duckdb").exists()


def test_etl_without_tables_says_what_to_do(tmp_path: Path, sample: Path) -> None:
    result = invoke(
        "etl", "--source", str(sample), "--target", f"duckdb:///{tmp_path / 'w.duckdb'}"
    )
    assert result.exit_code == ExitCode.TARGET
    assert "create-tables" in str(result.exception.hint)  # type: ignore[union-attr]


def test_duckdb_file_locked_by_another_process(tmp_path: Path, sample: Path) -> None:
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sparkify",
                "run",
                "--source",
                str(sample),
                "--target",
                f"duckdb:///{db}",
            ],
            capture_output=True,
            text=True,
        )
    finally:
        holder.kill()
    assert out.returncode == ExitCode.BUSY
    assert "in use by another process" in out.stderr and "Traceback" not in out.stderr


def test_library_does_not_import_cli_packages() -> None:
    code = (
        "import sys, sparkify, sparkify.pipeline.run, sparkify.targets.duckdb, sparkify.generate\n"
        "bad = [m for m in ('click', 'rich', 'sparkify.cli', 'psycopg', 'boto3') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sql_command_prints_every_section() -> None:
    result = CliRunner().invoke(cli, ["sql", "--target", "duckdb", "all"])
    assert result.exit_code == 0
    for needle in (
        'CREATE TABLE IF NOT EXISTS "songplays"',
        "json_transform",
        "INSERT INTO songplays",
        "COUNT(DISTINCT",
    ):
        assert needle in result.output


def test_generate_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["generate", str(tmp_path / "g [demo]"), "--events", "500", "--songs", "20", "--days", "3"],
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "g [demo]" / "log_data").rglob("*.json"))) == 3
    assert len(list((tmp_path / "g [demo]" / "song_data").rglob("*.json"))) == 20
    assert f"song files to {tmp_path / 'g [demo]'} in" in result.output.replace("\n", "")


def test_progress_bars_only_for_work_to_do(tmp_path: Path, sample: Path) -> None:
    cmd = [sys.executable, "-m", "sparkify", "run", "--source", str(sample)]
    env = {**os.environ, "TTY_COMPATIBLE": "1"}  # rich draws bars as on a terminal
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=True, env=env)
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=True, env=env)
    assert "Staging" in first.stderr and "Transforming" in first.stderr
    assert "Staging" not in again.stderr  # every file unchanged: nothing to stage, no bar
    assert "101 unchanged" in again.stdout
