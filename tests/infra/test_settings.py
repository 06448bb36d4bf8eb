"""[cluster] settings: defaults, file < environment < flags, typed values, helpful errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sparkify.errors import ConfigError
from sparkify.infra.settings import (
    SETTING_KEYS,
    ClusterSettings,
    env_warnings,
    load_cluster_settings,
)


def test_defaults_need_no_configuration() -> None:
    s = ClusterSettings()
    assert (s.identifier, s.node_type, s.number_of_nodes) == ("sparkify", "ra3.large", 2)
    assert (s.database, s.admin_user, s.region, s.port) == (
        "sparkify",
        "sparkify_admin",
        "us-west-2",
        5439,
    )
    assert s.source_buckets == ("udacity-dend",)
    assert s.s3_locations == (("udacity-dend", ""),)
    assert s.allow_cidr is None
    assert s.publicly_accessible is False
    assert s.tags == {"project": "sparkify"}
    assert s.ip_lookup_url == "https://checkip.amazonaws.com"


def test_every_field_is_a_setting_key() -> None:
    assert set(SETTING_KEYS) == {f.name for f in dataclasses.fields(ClusterSettings)}


def test_environment_wins_over_file() -> None:
    table = {"identifier": "from-file", "number_of_nodes": 4, "region": "eu-west-1"}
    env = {
        "SPARKIFY_CLUSTER_IDENTIFIER": "from-env",
        "SPARKIFY_CLUSTER_PUBLICLY_ACCESSIBLE": "yes",
        "SPARKIFY_CLUSTER_SOURCE_BUCKETS": "s3://a-bucket/logs, b-bucket",
        "SPARKIFY_CLUSTER_TAGS": "team=data,cost-center=42",
        "SPARKIFY_OTHER": "ignored: not a cluster setting",
    }
    s = ClusterSettings.from_mapping(table, env)
    assert s.identifier == "from-env"
    assert s.number_of_nodes == 4
    assert s.region == "eu-west-1"
    assert s.publicly_accessible is True
    assert s.source_buckets == ("s3://a-bucket/logs", "b-bucket")
    assert s.s3_locations == (("a-bucket", "logs"), ("b-bucket", ""))
    assert s.tags == {"team": "data", "cost-center": "42"}


def test_flags_win_over_everything_and_none_means_not_typed() -> None:
    s = ClusterSettings.from_mapping({"identifier": "from-file"}, {})
    s = s.with_overrides({"identifier": "from-flag", "region": None})
    assert s.identifier == "from-flag"
    assert s.region == "us-west-2"


def test_unknown_file_key_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError) as info:
        ClusterSettings.from_mapping({"node_typ": "ra3.large"}, {})
    assert "node_typ" in info.value.message
    assert info.value.hint == "Did you mean 'node_type'?"


def test_unknown_env_key_is_ignored_with_a_warning_naming_the_variable() -> None:
    env = {"SPARKIFY_CLUSTER_ALLOW_CIRD": "203.0.113.7/32"}
    assert ClusterSettings.from_mapping({}, env).allow_cidr is None
    assert env_warnings(env) == [
        "environment variable SPARKIFY_CLUSTER_ALLOW_CIRD is not a cluster setting; ignored. "
        "Did you mean 'allow_cidr' (SPARKIFY_CLUSTER_ALLOW_CIDR)?"
    ]


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"number_of_nodes": "two"}, "whole number"),
        ({"number_of_nodes": True}, "whole number"),
        ({"publicly_accessible": "yes"}, "true or false"),
        ({"source_buckets": []}, "non-empty list"),
        ({"tags": ["a"]}, "table of text"),
        ({"wait_timeout": "soon"}, "number of seconds"),
    ],
)
def test_wrongly_typed_values_are_refused(table: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        ClusterSettings.from_mapping(table, {})


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"identifier": "Sparkify"}, "identifier"),
        ({"identifier": "a--b"}, "identifier"),
        ({"region": "mars"}, "region"),
        ({"number_of_nodes": 0}, "number_of_nodes"),
        ({"admin_user": "1admin"}, "admin_user"),
        ({"endpoint_url": "localhost:5000"}, "endpoint_url"),
        ({"wait_timeout": 0}, "wait_timeout"),
        ({"source_buckets": ("Not_A_Bucket",)}, "source bucket"),
        ({"tags": {"aws:secret": "x"}}, "tags"),
    ],
)
def test_unusable_values_name_the_setting(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        ClusterSettings(**kwargs)  # type: ignore[arg-type]


def test_secrets_are_never_settings() -> None:
    with pytest.raises(ConfigError, match="secret") as info:
        ClusterSettings.from_mapping({"admin_password": "hunter2"}, {})
    assert "hunter2" not in str(info.value)


def test_a_secret_is_recognised_whatever_the_case_of_its_name() -> None:
    with pytest.raises(ConfigError) as info:
        ClusterSettings.from_mapping({"Admin_Password": "hunter2"}, {})
    assert info.value.message == (
        "[cluster] Admin_Password looks like a secret; sparkify never reads secrets from settings"
    )
    with pytest.raises(ConfigError, match="secret"):
        ClusterSettings.from_mapping({}, {"SPARKIFY_CLUSTER_MASTER_PASSWORD": "hunter2"})


@pytest.mark.parametrize(
    ("given", "normalized"),
    [("203.0.113.7", "203.0.113.7/32"), (" 198.51.100.0/24 ", "198.51.100.0/24")],
)
def test_allow_cidr_is_normalized(given: str, normalized: str) -> None:
    assert ClusterSettings(allow_cidr=given).allow_cidr == normalized


@pytest.mark.parametrize("bad", ["203.0.113.7/24", "not-an-ip", "2001:db8::1/128", "10.0.0.300"])
def test_bad_allow_cidr_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="allow_cidr"):
        ClusterSettings(allow_cidr=bad)


def test_load_from_config_file_env_and_flags(tmp_path: Path) -> None:
    config = tmp_path / "sparkify.toml"
    config.write_text(
        '[cluster]\nidentifier = "from-file"\nnode_type = "ra3.xlplus"\n'
        'source_buckets = ["udacity-dend/log_data", "udacity-dend/song_data"]\n'
        'tags = { team = "data" }\n'
    )
    env = {"SPARKIFY_CLUSTER_NODE_TYPE": "ra3.4xlarge"}
    s = load_cluster_settings(None, env, {"identifier": "from-flag"})
    assert s.identifier == "from-flag"
    assert s.node_type == "ra3.4xlarge"
    assert s.s3_locations == (("udacity-dend", "log_data"), ("udacity-dend", "song_data"))
    assert s.tags == {"team": "data"}


def test_load_with_no_config_file_gives_defaults() -> None:
    assert load_cluster_settings(None, {}, {}) == ClusterSettings()


def test_load_honours_sparkify_config(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('[cluster]\nregion = "eu-central-1"\n')
    s = load_cluster_settings(None, {"SPARKIFY_CONFIG": str(other)}, {})
    assert s.region == "eu-central-1"


def test_cluster_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "sparkify.toml").write_text('cluster = "sparkify"\n')
    with pytest.raises(ConfigError, match="table"):
        load_cluster_settings(None, {}, {})
