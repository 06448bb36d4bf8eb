"""Settings: defaults < sparkify.toml < SPARKIFY_* environment < flags typed on the command line.

Nothing is read at import time. No secret is ever read from the config file: a password in a
target URL there, or a key that looks like a secret, is refused with a hint.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sparkify.errors import ConfigError

CONFIG_FILE = "sparkify.toml"
ENV_PREFIX = "SPARKIFY_"
DEFAULT_TARGET = "duckdb:///sparkify.duckdb"
SECTIONS = ("cluster",)
# SPARKIFY_* variables that belong to other parts (tests, the sample's location, infra), not to
# these settings.
_FOREIGN_ENV_PREFIXES = ("SPARKIFY_CLUSTER_", "SPARKIFY_TEST_", "SPARKIFY_SAMPLE_DIR")
SECRET_WORDS = ("password", "secret", "token", "access_key")
# An AWS region name: us-west-2, eu-central-1, us-gov-west-1.
REGION_PATTERN = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class Settings:
    """Everything a pipeline command needs to know, already merged from every layer."""

    source: str | None = None
    log_data: str | None = None
    song_data: str | None = None
    target: str = DEFAULT_TARGET
    schema: str = "public"
    max_errors: int | None = None
    memory_limit: str = "1GB"
    threads: int | None = None
    batch_mb: int = 256
    lock_timeout: float = 0.0
    endpoint_url: str | None = None
    region: str | None = None
    iam_role: str | None = None
    s3_staging: str | None = None
    config_file: str | None = None

    @property
    def has_source(self) -> bool:
        """Whether any input location was configured."""
        return bool(self.source or self.log_data or self.song_data)


_FIELDS = {f.name: f for f in fields(Settings) if f.name != "config_file"}
_INT_KEYS = {"max_errors", "threads", "batch_mb"}
_FLOAT_KEYS = {"lock_timeout"}


def looks_secret(key: str) -> bool:
    """Whether a setting's name says it holds a secret; no secret is ever a setting."""
    return any(word in key.lower() for word in SECRET_WORDS)


def did_you_mean(name: str, known: Collection[str], what: str = "keys") -> str:
    """The hint for an unknown name: the closest known one, else every known one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"Did you mean '{close[0]}'?" if close else f"Known {what}: {', '.join(sorted(known))}."


def ignored_variables(
    keys: Mapping[str, str], known: Collection[str], prefix: str, what: str
) -> list[str]:
    """One line for each environment variable of ``keys`` (variable -> the key it names, no
    known one), naming the closest known key. Such a variable is ignored, not an error:
    other tools and scripts share the prefix."""
    lines = []
    for name in sorted(keys):
        close = difflib.get_close_matches(keys[name], list(known), n=1)
        guess = f" Did you mean '{close[0]}' ({prefix}{close[0].upper()})?" if close else ""
        lines.append(f"environment variable {name} is not a {what}; ignored.{guess}")
    return lines


def config_file_named(path: Path | None, env: Mapping[str, str]) -> Path | None:
    """The config file the user named: ``path`` (``--config``), else ``$SPARKIFY_CONFIG``;
    None when neither (then ./sparkify.toml is used if present)."""
    if path is None and env.get("SPARKIFY_CONFIG"):
        return Path(env["SPARKIFY_CONFIG"])
    return path


def find_config_file(path: Path | None) -> Path | None:
    """The config file to use: ``path`` (must exist) or ./sparkify.toml if present."""
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"Config file {path} not found.", "Check the --config path.")
        return path
    default = Path.cwd() / CONFIG_FILE
    return default if default.is_file() else None


def read_config_file(path: Path | None) -> dict[str, Any]:
    """The parsed TOML of the config file (see :func:`find_config_file`); {} when none."""
    found = find_config_file(path)
    if found is None:
        return {}
    try:
        with found.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Cannot read config file {found}: {e}", "Fix the TOML syntax.") from e


def _coerce(key: str, value: object, where: str) -> object:
    if value is None:
        return None
    try:
        if key in _INT_KEYS:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(str(value))
        if key in _FLOAT_KEYS:
            return float(str(value))
    except ValueError as e:
        raise ConfigError(f"{where}: '{key}' must be a number, got {value!r}.") from e
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string, got {value!r}.")
    return value


def _refuse_secrets(key: str, value: object, where: str) -> None:
    if looks_secret(key):
        raise ConfigError(
            f"{where}: '{key}' looks like a secret; secrets are never read from the config file.",
            "Use environment variables, ~/.pgpass, IAM authentication or AWS Secrets Manager.",
        )
    if key == "target" and isinstance(value, str) and urlsplit(value).password:
        raise ConfigError(
            f"{where}: the target URL carries a password.",
            "Remove it; use PGPASSWORD, ~/.pgpass or IAM authentication instead.",
        )


def _from_file(table: Mapping[str, Any], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if key in SECTIONS:
            continue
        if key not in _FIELDS:
            raise ConfigError(f"{where}: unknown key '{key}'.", did_you_mean(key, _FIELDS))
        _refuse_secrets(key, value, where)
        out[key] = _coerce(key, value, where)
    return out


def _env_key(name: str) -> str | None:
    """The setting a ``SPARKIFY_*`` variable names (known or not); None for other variables."""
    if not name.startswith(ENV_PREFIX) or name.startswith(_FOREIGN_ENV_PREFIXES):
        return None
    key = name[len(ENV_PREFIX) :].lower()
    return None if key == "config" else key


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in env.items():
        key = _env_key(name)
        if key in _FIELDS:
            out[key] = _coerce(key, value, f"environment variable {name}")
    return out


def env_warnings(env: Mapping[str, str] | None = None) -> list[str]:
    """One line for each ``SPARKIFY_*`` variable that is no setting (see
    :func:`ignored_variables`)."""
    keys = {name: _env_key(name) for name in (os.environ if env is None else env)}
    unknown = {name: key for name, key in keys.items() if key is not None and key not in _FIELDS}
    return ignored_variables(unknown, _FIELDS, ENV_PREFIX, "sparkify setting")


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults, the config file, ``SPARKIFY_*`` variables and ``overrides`` (flags the
    user typed; ``None`` values are ignored)."""
    environ = os.environ if env is None else env
    found = find_config_file(config_file_named(config_file, environ))
    values: dict[str, object] = {}
    if found is not None:
        values.update(_from_file(read_config_file(found), str(found)))
    values.update(_from_env(environ))
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(key, value, "command line")
    settings = Settings(**values, config_file=str(found) if found else None)  # type: ignore[arg-type]
    if settings.max_errors is not None and settings.max_errors < 0:
        raise ConfigError("--max-errors must be 0 or more.")
    return replace(settings)
