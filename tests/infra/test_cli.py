"""`sparkify infra ...` end to end: real boto3 against the moto server, no mocks."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sparkify.cli.infra import infra
from sparkify.errors import ConfigError, InfraError

from .conftest import FAKE_KEY_ID, FAKE_SECRET, TEST_CIDR, UNREACHABLE_URL, Aws

pytestmark = pytest.mark.aws

INFRA_SRC = Path(__file__).resolve().parents[2] / "src" / "sparkify" / "infra"
SECRET_PATTERNS = [
    re.compile(re.escape(FAKE_SECRET)),
    re.compile(re.escape(FAKE_KEY_ID)),
    re.compile(r"MasterUserPassword"),
    re.compile(r"(?i)password\W{0,3}\s*[:=]\s*\S"),
]
# One planted leak per pattern, to prove the patterns catch what they are meant to.
_PLANTED = [FAKE_SECRET, FAKE_KEY_ID, "MasterUserPassword", '"password": "hunter2"']


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(infra, list(args), input=input)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.stderr, result.exception)
    return json.loads(result.stdout)


@pytest.mark.slow
def test_lifecycle_through_the_cli_shows_no_secret(moto: str, aws: Aws, tmp_path: Path) -> None:
    flags = ["--endpoint-url", moto]
    runs = [invoke("up", "--allow-cidr", TEST_CIDR, "--yes", "--json", *flags)]
    up = _json(runs[-1])
    assert up["allow_cidr"] == TEST_CIDR
    assert up["cluster"]["status"] == "available"
    assert up["cluster"]["paused"] is False
    assert up["next_command"].startswith("sparkify run --source s3://udacity-dend --target ")
    assert "cluster sparkify: created" in runs[-1].stderr

    runs.append(invoke("up", "--allow-cidr", TEST_CIDR, "--yes", *flags))
    assert runs[-1].exit_code == 0
    assert runs[-1].stdout.splitlines() == [
        f"endpoint: {up['cluster']['endpoint_address']}:5439",
        f"next: {up['next_command']}",
    ]

    runs.append(invoke("status", "--json", *flags))
    report = _json(runs[-1])
    assert report["role"]["trusted_service"] == "redshift.amazonaws.com"
    assert [r["cidr"] for r in report["security_group"]["ingress"]] == [TEST_CIDR]
    assert (report["cluster"]["node_type"], report["cluster"]["number_of_nodes"]) == (
        "ra3.large",
        2,
    )

    runs.append(invoke("pause", *flags))
    assert runs[-1].stdout == "cluster sparkify: paused\n"
    runs.append(invoke("status", *flags))
    assert re.search(r"cluster\s+.\s+sparkify\s+.\s+paused", runs[-1].stdout)
    assert f"tcp/5439 from {TEST_CIDR}" in runs[-1].stdout
    assert "trusted by redshift.amazonaws.com; s3:ListBucket on udacity-dend" in runs[-1].stdout
    runs.append(invoke("resume", "--json", *flags))
    assert _json(runs[-1])["cluster"]["status"] == "available"

    runs.append(invoke("down", "--yes", "--json", *flags))
    down = _json(runs[-1])
    assert re.fullmatch(r"sparkify-final-\d{8}-\d{6}", down["final_snapshot"])
    runs.append(invoke("down", "--yes", *flags))
    assert runs[-1].stdout.splitlines() == [
        "cluster sparkify: absent (already gone)",
        "security-group sparkify-redshift: absent (already gone)",
        "iam-role sparkify-redshift-s3-read: absent (already gone)",
    ]
    assert aws.redshift.describe_clusters()["Clusters"] == []

    assert all(p.search(s) for p, s in zip(SECRET_PATTERNS, _PLANTED, strict=True))
    for run in runs:
        for text in (run.stdout, run.stderr):
            for pattern in SECRET_PATTERNS:
                assert not pattern.search(text), (pattern.pattern, text)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [], "infra commands must write no files"


def test_up_without_a_range_refuses(moto: str, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARKIFY_CLUSTER_IP_LOOKUP_URL", UNREACHABLE_URL)
    result = invoke("up", "--yes", "--endpoint-url", moto)
    assert isinstance(result.exception, ConfigError)
    assert "--allow-cidr" in (result.exception.hint or "")
    assert aws.iam.list_roles()["Roles"] == []
    assert aws.redshift.describe_clusters()["Clusters"] == []


def test_down_asks_first(moto: str, aws: Aws) -> None:
    assert invoke("up", "--allow-cidr", TEST_CIDR, "--yes", "--endpoint-url", moto).exit_code == 0
    declined = invoke("down", "--endpoint-url", moto, input="n\n")
    assert declined.exit_code != 0
    assert "Delete cluster 'sparkify' in us-west-2 after a final snapshot" in declined.stderr
    assert len(aws.redshift.describe_clusters()["Clusters"]) == 1
    accepted = invoke("down", "--skip-final-snapshot", "--endpoint-url", moto, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "WITHOUT a final snapshot" in accepted.stderr
    assert aws.redshift.describe_clusters()["Clusters"] == []


def test_up_asks_before_creating_a_cluster(moto: str, aws: Aws) -> None:
    declined = invoke("up", "--allow-cidr", TEST_CIDR, "--endpoint-url", moto, input="n\n")
    assert declined.exit_code != 0
    assert "Create Redshift cluster 'sparkify' (2 x ra3.large)" in declined.stderr
    assert aws.iam.list_roles()["Roles"] == []


def test_settings_layers_file_env_flags(moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("sparkify.toml").write_text(
        f'[cluster]\nidentifier = "from-file"\nendpoint_url = "{moto}"\nregion = "us-west-2"\n'
    )
    assert _json(invoke("status", "--json"))["identifier"] == "from-file"
    monkeypatch.setenv("SPARKIFY_CLUSTER_IDENTIFIER", "from-env")
    assert _json(invoke("status", "--json"))["identifier"] == "from-env"
    flagged = invoke("status", "--json", "--identifier", "from-flag")
    assert _json(flagged)["identifier"] == "from-flag"
    other = Path("other.toml")
    other.write_text(f'[cluster]\nendpoint_url = "{moto}"\nregion = "eu-west-1"\n')
    monkeypatch.delenv("SPARKIFY_CLUSTER_IDENTIFIER")
    assert _json(invoke("status", "--json", "--config", str(other)))["region"] == "eu-west-1"


def test_unknown_setting_in_file_is_one_clear_error() -> None:
    Path("sparkify.toml").write_text('[cluster]\nnode_typ = "ra3.large"\n')
    result = invoke("status")
    assert isinstance(result.exception, ConfigError)
    assert result.exception.hint == "Did you mean 'node_type'?"


def test_aws_endpoint_url_env_is_honoured(
    moto: str, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    result = invoke("up", "--allow-cidr", TEST_CIDR, "--yes", "--identifier", "via-env")
    assert result.exit_code == 0, (result.stderr, result.exception)
    clusters = aws.redshift.describe_clusters()["Clusters"]
    assert [c["ClusterIdentifier"] for c in clusters] == ["via-env"]


def test_pausing_a_missing_cluster_is_an_infra_error(moto: str) -> None:
    result = invoke("pause", "--endpoint-url", moto)
    assert isinstance(result.exception, InfraError)
    assert result.exception.message == "there is no cluster 'sparkify' in us-west-2"


@pytest.mark.parametrize("command", ["up", "status", "pause", "resume", "down"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    for needle in ("Example:", "sparkify infra " + command, "--json", "--quiet", "--debug"):
        assert needle in result.stdout
    # each lists only options it uses: --yes where it asks, --timeout where it waits
    assert ("--yes" in result.stdout) == (command in ("up", "down"))
    assert ("--timeout" in result.stdout) == (command != "status")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )


def test_errors_through_main_are_one_line_and_exit_6(moto: str) -> None:
    if not hasattr(pytest.importorskip("sparkify.cli"), "main"):
        pytest.skip("sparkify.cli has no main() yet")
    argv = ["sparkify", "infra", "pause", "--endpoint-url", moto]
    code = f"import sys; sys.argv = {argv!r}; from sparkify.cli import main; main()"
    done = _python(code)
    assert done.returncode == 6, done.stderr
    assert "error: there is no cluster 'sparkify' in us-west-2" in done.stderr
    assert "Traceback" not in done.stderr and "botocore" not in done.stderr

    no_credentials = code.replace(
        "import sys;", "import os, sys; os.environ.pop('AWS_ACCESS_KEY_ID');"
    )
    done = _python(no_credentials)
    assert done.returncode == 6, done.stderr
    assert "no AWS credentials found" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_group_runs_standalone(moto: str) -> None:
    args = ["status", "--json", "--endpoint-url", moto]
    done = _python(f"from sparkify.cli.infra import infra; infra({args!r})")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cluster"] is None


def test_library_never_imports_the_cli_or_prints() -> None:
    for path in sorted(INFRA_SRC.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                for name in names:
                    top = name.split(".")[0]
                    assert top not in {"click", "rich"}, f"{path.name} imports {name}"
                    assert not name.startswith("sparkify.cli"), f"{path.name} imports {name}"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                raise AssertionError(f"{path.name}:{node.lineno} prints")


def test_importing_the_library_loads_no_aws_sdk() -> None:
    code = (
        "import sys, sparkify.infra; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_waiting_is_shown_once_per_state_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sparkify.cli.infra import _Progress
    from sparkify.infra import InfraEvent

    with _Progress() as progress:
        for event in [
            InfraEvent("wait", "waiting for cluster 'x' to be available: creating", 0.0),
            InfraEvent("wait", "waiting for cluster 'x' to be available: creating", 15.0),
            InfraEvent("wait", "waiting for cluster 'x' to be available: modifying", 75.0),
            InfraEvent("step", "cluster x: created"),
            InfraEvent("warning", "allow_cidr 0.0.0.0/0 lets the whole internet in"),
        ]:
            progress(event)
    assert capsys.readouterr().err.splitlines() == [
        "waiting for cluster 'x' to be available: creating (0s)",
        "waiting for cluster 'x' to be available: modifying (1m15s)",
        "✓ cluster x: created",
        "warning: allow_cidr 0.0.0.0/0 lets the whole internet in",
    ]
