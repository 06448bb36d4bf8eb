"""No secret set in the environment ever shows in any output, file or SQL sparkify writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRETS = {
    "PGPASSWORD": "pg-Secret-7f3a9",
    "AWS_SECRET_ACCESS_KEY": "aws-Secret-b41c2",
    "AWS_SESSION_TOKEN": "aws-Token-c93d1",
    "REDSHIFT_PASSWORD": "rs-Secret-e55f0",
}


def _sparkify(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **SECRETS, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}
    return subprocess.run(
        [sys.executable, "-m", "sparkify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
def test_no_secret_in_outputs_files_or_sql(tmp_path: Path, sample: Path, pg_url: str) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    runs = [
        ["run", "--source", str(sample), "--target", url],
        ["check", "--target", url, "--json"],
        ["report", "--target", url, "-o", str(tmp_path / "report.html")],
        ["sql", "--target", "redshift", "all"],
        ["sql", "--target", "postgres", "all"],
        ["run", "--source", str(sample), "--target", pg_url],
        ["check", "--target", "postgresql://nobody:pw-Typed-91@127.0.0.1:1/none"],
        ["run", "--source", str(tmp_path / "missing")],
        ["--debug", "check", "--target", "postgresql://nobody@127.0.0.1:1/none"],
    ]
    texts = []
    for args in runs:
        done = _sparkify(args, tmp_path)
        texts += [done.stdout, done.stderr]
    texts.append((tmp_path / "report.html").read_text(encoding="utf-8"))
    everything = "\n".join(texts)
    for name, secret in SECRETS.items():
        assert secret not in everything, f"{name} leaked"
    assert "pw-Typed-91" not in everything, "a password typed in a URL was echoed"


@pytest.mark.parametrize("section", ["ddl", "load", "transform", "check"])
def test_redshift_plan_never_carries_credentials(tmp_path: Path, section: str) -> None:
    done = _sparkify(["sql", "--target", "redshift", section], tmp_path)
    assert done.returncode == 0
    for word in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "CREDENTIALS", "SESSION_TOKEN"):
        assert word not in done.stdout.upper()
