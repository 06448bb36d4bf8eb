"""The ``[cluster]`` settings of ``sparkify infra``: typed, frozen, with documented defaults.

Precedence: defaults < ``[cluster]`` in ``sparkify.toml`` < ``SPARKIFY_CLUSTER_<KEY>``
environment variables < flags typed on the command line (:meth:`ClusterSettings.with_overrides`).
Nothing is read at import time, and no secret is ever a setting: the admin password is generated
and kept by AWS Secrets Manager (``ManageMasterPassword``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sparkify.config import (
    REGION_PATTERN,
    config_file_named,
    did_you_mean,
    ignored_variables,
    looks_secret,
    read_config_file,
)
from sparkify.errors import ConfigError

ENV_PREFIX = "SPARKIFY_CLUSTER_"
DEFAULT_IP_LOOKUP_URL = "https://checkip.amazonaws.com"
_IDENTIFIER = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-)){0,62}$")
_ADMIN_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_DATABASE = re.compile(r"^[a-z_][a-z0-9_$]{0,63}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NAME = re.compile(r"^[A-Za-z0-9_+=,.@-]{1,64}$")


@dataclass(frozen=True)
class ClusterSettings:
    """Where and how the Redshift cluster, its IAM role and its security group are made.

    Defaults (every one can be set in ``[cluster]`` or as ``SPARKIFY_CLUSTER_<KEY>``):

    - ``identifier = "sparkify"``; ``node_type = "ra3.large"`` (the smallest current node type:
      AWS has stopped offering dc2.large for new clusters, and RA3 keeps data in managed
      storage, so a paused cluster bills storage only); ``number_of_nodes = 2`` (1 makes a
      single-node cluster); ``database = "sparkify"``; ``admin_user = "sparkify_admin"``;
      ``port = 5439``; ``region = "us-west-2"`` (where the public ``udacity-dend`` bucket lives).
    - ``source_buckets = ["udacity-dend"]``: S3 locations COPY may read, each ``bucket`` or
      ``bucket/prefix`` (an ``s3://`` scheme is allowed); ``staging_bucket`` (none) and
      ``staging_prefix = "sparkify-staging"`` for local sources uploaded before COPY.
    - ``allow_cidr``: the only address range let in on the cluster port. When unset, ``infra up``
      asks ``ip_lookup_url`` for the caller's public address and uses it as a /32.
    - ``publicly_accessible = false``; ``vpc_id`` (the default VPC when unset) and
      ``cluster_subnet_group`` (required for a non-default VPC).
    - ``role_name = "sparkify-redshift-s3-read"``; ``security_group_name = "sparkify-redshift"``;
      ``tags = {project = "sparkify"}`` plus ``owner`` (default: the caller's AWS identity ARN)
      and ``created-by = "sparkify"``, which marks what ``infra down`` may delete.
    - ``endpoint_url``: send every AWS call there (tests point it at a local moto server).
    - ``wait_timeout = 1800`` and ``poll_interval = 15`` seconds for waiting on the cluster.
    """

    identifier: str = "sparkify"
    node_type: str = "ra3.large"
    number_of_nodes: int = 2
    database: str = "sparkify"
    admin_user: str = "sparkify_admin"
    region: str = "us-west-2"
    port: int = 5439
    source_buckets: tuple[str, ...] = ("udacity-dend",)
    staging_bucket: str | None = None
    staging_prefix: str = "sparkify-staging"
    allow_cidr: str | None = None
    publicly_accessible: bool = False
    vpc_id: str | None = None
    cluster_subnet_group: str | None = None
    role_name: str = "sparkify-redshift-s3-read"
    security_group_name: str = "sparkify-redshift"
    owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: {"project": "sparkify"})
    endpoint_url: str | None = None
    wait_timeout: float = 1800.0
    poll_interval: float = 15.0
    ip_lookup_url: str = DEFAULT_IP_LOOKUP_URL
    ip_lookup_timeout: float = 3.0

    def __post_init__(self) -> None:
        _validate(self)
        if self.allow_cidr is not None:
            object.__setattr__(self, "allow_cidr", normalize_cidr(self.allow_cidr))
        object.__setattr__(self, "tags", dict(self.tags))

    @classmethod
    def from_mapping(cls, table: Mapping[str, object], env: Mapping[str, str]) -> ClusterSettings:
        """Settings from the ``[cluster]`` table of sparkify.toml and ``SPARKIFY_CLUSTER_*``
        variables of ``env`` (the environment wins). Unknown keys of the table raise
        :class:`ConfigError` with a suggestion; unknown variables are ignored (see
        :func:`env_warnings`)."""
        values: dict[str, object] = {}
        for key, raw in table.items():
            values[key] = _convert(key, raw, f"[cluster] {key}", from_env=False)
        for name, raw in env.items():
            if name.startswith(ENV_PREFIX):
                key = name[len(ENV_PREFIX) :].lower()
                if key in _KINDS or looks_secret(key):  # other unknown names: env_warnings
                    values[key] = _convert(key, raw, f"environment variable {name}", from_env=True)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, overrides: Mapping[str, object]) -> ClusterSettings:
        """A copy with the flags the user typed (``None`` values are ignored)."""
        typed = {key: value for key, value in overrides.items() if value is not None}
        for key in typed:
            if key not in _KINDS:
                raise ConfigError(f"unknown cluster setting '{key}'", did_you_mean(key, _KINDS))
        return replace(self, **typed)  # type: ignore[arg-type]

    @property
    def s3_locations(self) -> tuple[tuple[str, str], ...]:
        """``(bucket, prefix)`` pairs COPY may read: the sources, then the staging location."""
        found = [split_s3_location(entry) for entry in self.source_buckets]
        if self.staging_bucket:
            found.append((self.staging_bucket, self.staging_prefix.strip("/")))
        return tuple(found)


def load_cluster_settings(
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> ClusterSettings:
    """Defaults < ``[cluster]`` of the config file (``config``, ``$SPARKIFY_CONFIG`` or
    ./sparkify.toml) < ``SPARKIFY_CLUSTER_*`` < ``overrides`` (flags typed)."""
    environ = os.environ if env is None else env
    table = read_config_file(config_file_named(config, environ)).get("cluster", {})
    if not isinstance(table, Mapping):
        raise ConfigError("'cluster' in the config file must be a table", "Write it as [cluster].")
    settings = ClusterSettings.from_mapping(table, environ)
    return settings.with_overrides(overrides or {})


def normalize_cidr(text: str) -> str:
    """``"203.0.113.7"`` -> ``"203.0.113.7/32"``; a malformed or IPv6 range is a ConfigError."""
    value = text.strip()
    try:
        network = ipaddress.ip_network(value if "/" in value else f"{value}/32", strict=True)
    except ValueError as e:
        raise ConfigError(
            f"allow_cidr {text!r} is not an IPv4 address range: {e}",
            "Give one like 203.0.113.7/32 (one address) or 198.51.100.0/24.",
        ) from e
    if network.version != 4:
        raise ConfigError(
            f"allow_cidr {text!r} is IPv6; the cluster listens on IPv4 only",
            "Give the IPv4 address you connect from, e.g. 203.0.113.7/32.",
        )
    return str(network)


def split_s3_location(entry: str) -> tuple[str, str]:
    """``"s3://bucket/a/b/"`` or ``"bucket/a/b"`` -> ``("bucket", "a/b")``."""
    text = entry.strip()
    text = text[len("s3://") :] if text.startswith("s3://") else text
    bucket, _, prefix = text.partition("/")
    if not _BUCKET.match(bucket):
        raise ConfigError(
            f"source bucket {entry!r} is not an S3 bucket name",
            "Write it as bucket or bucket/prefix, e.g. udacity-dend or my-bucket/sparkify.",
        )
    return bucket, prefix.strip("/")


# -- conversion of raw values (TOML or environment text) ------------------------------------------

_Converter = Callable[[object, bool], object]


def _as_str(raw: object, from_env: bool) -> object:
    if not isinstance(raw, str):
        raise ValueError("must be text")
    return raw


def _as_optional_str(raw: object, from_env: bool) -> object:
    text = _as_str(raw, from_env)
    return text if text else None


def _as_int(raw: object, from_env: bool) -> object:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if from_env and isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw)
    raise ValueError("must be a whole number")


def _as_float(raw: object, from_env: bool) -> object:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if from_env and isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            pass
    raise ValueError("must be a number of seconds")


def _as_bool(raw: object, from_env: bool) -> object:
    if isinstance(raw, bool):
        return raw
    if from_env and isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    raise ValueError("must be true or false")


def _as_str_tuple(raw: object, from_env: bool) -> object:
    if isinstance(raw, str):
        items: list[object] = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise ValueError("must be a list of text")
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ValueError("must be a non-empty list of text")
    return tuple(str(item) for item in items)


def _as_tags(raw: object, from_env: bool) -> object:
    if from_env and isinstance(raw, str):
        pairs = [part.partition("=") for part in raw.split(",") if part.strip()]
        if any(not sep or not key.strip() for key, sep, _ in pairs):
            raise ValueError("must look like key=value,key2=value2")
        return {key.strip(): value.strip() for key, _, value in pairs}
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ValueError('must be a table of text values, e.g. {team = "data"}')
    return dict(raw)


_KINDS: dict[str, _Converter] = {
    "identifier": _as_str,
    "node_type": _as_str,
    "number_of_nodes": _as_int,
    "database": _as_str,
    "admin_user": _as_str,
    "region": _as_str,
    "port": _as_int,
    "source_buckets": _as_str_tuple,
    "staging_bucket": _as_optional_str,
    "staging_prefix": _as_str,
    "allow_cidr": _as_optional_str,
    "publicly_accessible": _as_bool,
    "vpc_id": _as_optional_str,
    "cluster_subnet_group": _as_optional_str,
    "role_name": _as_str,
    "security_group_name": _as_str,
    "owner": _as_optional_str,
    "tags": _as_tags,
    "endpoint_url": _as_optional_str,
    "wait_timeout": _as_float,
    "poll_interval": _as_float,
    "ip_lookup_url": _as_str,
    "ip_lookup_timeout": _as_float,
}
SETTING_KEYS = tuple(_KINDS)


def env_warnings(env: Mapping[str, str] | None = None) -> list[str]:
    """One line for each ``SPARKIFY_CLUSTER_*`` variable that is no cluster setting (see
    :func:`~sparkify.config.ignored_variables`); a secret's name is refused, not ignored."""
    environ = os.environ if env is None else env
    keys = {
        name: name[len(ENV_PREFIX) :].lower() for name in environ if name.startswith(ENV_PREFIX)
    }
    unknown = {n: k for n, k in keys.items() if k not in _KINDS and not looks_secret(k)}
    return ignored_variables(unknown, _KINDS, ENV_PREFIX, "cluster setting")


def _convert(key: str, raw: object, where: str, *, from_env: bool) -> object:
    if looks_secret(key):
        raise ConfigError(
            f"{where} looks like a secret; sparkify never reads secrets from settings",
            "The admin password is generated and kept by AWS Secrets Manager; remove this key.",
        )
    converter = _KINDS.get(key)
    if converter is None:
        raise ConfigError(f"unknown setting: {where}", did_you_mean(key, _KINDS))
    try:
        return converter(raw, from_env)
    except ValueError as e:
        raise ConfigError(f"{where} {e}, got {raw!r}") from e


# -- validation ----------------------------------------------------------------------------------


def _check(ok: bool, key: str, value: Any, hint: str) -> None:
    if not ok:
        raise ConfigError(f"cluster setting '{key}' has an unusable value {value!r}", hint)


def _validate(s: ClusterSettings) -> None:
    _check(
        bool(_IDENTIFIER.match(s.identifier)) and not s.identifier.endswith("-"),
        "identifier",
        s.identifier,
        "Use 1-63 lowercase letters, digits and single hyphens, starting with a letter.",
    )
    _check(
        bool(re.match(r"^[a-z0-9]+\.[a-z0-9]+$", s.node_type)),
        "node_type",
        s.node_type,
        "Use a Redshift node type such as ra3.large or ra3.xlplus.",
    )
    _check(1 <= s.number_of_nodes <= 128, "number_of_nodes", s.number_of_nodes, "Use 1 to 128.")
    _check(bool(_DATABASE.match(s.database)), "database", s.database, "Use lowercase a-z, 0-9, _.")
    _check(
        bool(_ADMIN_USER.match(s.admin_user)),
        "admin_user",
        s.admin_user,
        "Start with a letter; then letters, digits or underscores.",
    )
    _check(bool(REGION_PATTERN.match(s.region)), "region", s.region, "Use a region like us-west-2.")
    _check(1 <= s.port <= 65535, "port", s.port, "Use a TCP port; Redshift's default is 5439.")
    _check(bool(s.source_buckets), "source_buckets", s.source_buckets, "Name at least one.")
    for entry in s.source_buckets:
        split_s3_location(entry)
    if s.staging_bucket is not None:
        split_s3_location(s.staging_bucket)
    for key in ("role_name", "security_group_name"):
        value = getattr(s, key)
        _check(bool(_NAME.match(value)), key, value, "Use up to 64 letters, digits or _+=,.@-.")
    for key in ("endpoint_url", "ip_lookup_url"):
        value = getattr(s, key)
        ok = value is None or str(value).startswith(("http://", "https://"))
        _check(ok, key, value, "Give an http:// or https:// URL.")
    for key in ("wait_timeout", "poll_interval", "ip_lookup_timeout"):
        value = getattr(s, key)
        _check(value > 0, key, value, "Give a number of seconds greater than 0.")
    bad_tags = [key for key in s.tags if key.lower().startswith("aws:") or not key]
    _check(not bad_tags, "tags", bad_tags, "Tag keys may not be empty or start with 'aws:'.")
