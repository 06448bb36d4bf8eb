"""Settings precedence, unknown keys and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkify.config import env_warnings, load_settings
from sparkify.errors import ConfigError


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    (tmp_path / "sparkify.toml").write_text(
        'source = "from-file"\ntarget = "duckdb:///file.duckdb"\nmax_errors = 3\n'
    )
    env = {"SPARKIFY_TARGET": "duckdb:///env.duckdb", "SPARKIFY_MAX_ERRORS": "7"}
    s = load_settings(env=env, overrides={"max_errors": 9, "source": None})
    assert (s.source, s.target, s.max_errors, s.memory_limit) == (
        "from-file",
        "duckdb:///env.duckdb",
        9,
        "1GB",
    )
    assert load_settings(env={}).target == "duckdb:///file.duckdb"


def test_defaults_without_file(tmp_path: Path) -> None:
    s = load_settings(env={})
    assert s.target == "duckdb:///sparkify.duckdb" and s.source is None and not s.has_source


def test_unknown_file_key_suggests(tmp_path: Path) -> None:
    (tmp_path / "sparkify.toml").write_text('sorce = "x"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(env={})
    assert "unknown key 'sorce'" in e.value.message and e.value.hint == "Did you mean 'source'?"


def test_unknown_env_var_is_ignored_with_a_warning_naming_the_closest_key() -> None:
    env = {"SPARKIFY_TARGT": "x", "SPARKIFY_QWXZ": "1", "SPARKIFY_SOURCE": "data"}
    assert load_settings(env=env).source == "data"
    assert env_warnings(env) == [
        "environment variable SPARKIFY_QWXZ is not a sparkify setting; ignored.",
        "environment variable SPARKIFY_TARGT is not a sparkify setting; ignored. "
        "Did you mean 'target' (SPARKIFY_TARGET)?",
    ]


@pytest.mark.parametrize(
    "line",
    [
        'password = "hunter2"',
        'target = "postgresql://me:hunter2@db/x"',
        'aws_secret_access_key = "k"',
    ],
)
def test_secrets_are_refused_in_the_file(tmp_path: Path, line: str) -> None:
    (tmp_path / "sparkify.toml").write_text(line + "\n")
    with pytest.raises(ConfigError) as e:
        load_settings(env={})
    assert "hunter2" not in str(e.value)


def test_bad_number() -> None:
    with pytest.raises(ConfigError, match="must be a number"):
        load_settings(env={"SPARKIFY_MAX_ERRORS": "many"})


def test_cluster_section_is_left_to_infra(tmp_path: Path) -> None:
    (tmp_path / "sparkify.toml").write_text(
        'target = "duckdb:///a.duckdb"\n[cluster]\nidentifier = "x"\n'
    )
    assert load_settings(env={}).target == "duckdb:///a.duckdb"
