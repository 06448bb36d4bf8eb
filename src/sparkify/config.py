"""Settings: defaults < sparkify.toml < SPARKIFY_* environment < flags typed on the command line.

Nothing is read at import time. No secret is ever read from the config file: a password in a
target URL there, or a key that looks like a secret, is refused with a hint.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
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
_SECRET_WORDS = ("password", "secret", "token", "access_key")


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


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"Did you mean '{close[0]}'?" if close else f"Known keys: {', '.join(sorted(known))}."


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
    if any(word in key.lower() for word in _SECRET_WORDS):
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
            raise ConfigError(f"{where}: unknown key '{key}'.", _suggest(key, list(_FIELDS)))
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
    """One line for each ``SPARKIFY_*`` variable that is no setting. Such a variable is
    ignored, not an error: other tools and scripts share the prefix."""
    environ = os.environ if env is None else env
    lines = []
    for name in sorted(environ):
        key = _env_key(name)
        if key is None or key in _FIELDS:
            continue
        close = difflib.get_close_matches(key, list(_FIELDS), n=1)
        guess = f" Did you mean '{close[0]}' ({ENV_PREFIX}{close[0].upper()})?" if close else ""
        lines.append(f"environment variable {name} is not a sparkify setting; ignored.{guess}")
    return lines


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults, the config file, ``SPARKIFY_*`` variables and ``overrides`` (flags the
    user typed; ``None`` values are ignored)."""
    environ = os.environ if env is None else env
    if config_file is None and environ.get("SPARKIFY_CONFIG"):
        config_file = Path(environ["SPARKIFY_CONFIG"])
    found = find_config_file(config_file)
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
