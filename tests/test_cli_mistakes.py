"""Mistakes a user makes with the command line, through the real CLI in a subprocess:
unknown settings, dropping tables, generating nothing, options every command takes, output
that is piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sparkify.errors import ExitCode


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
