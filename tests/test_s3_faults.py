"""S3 faults and hostile S3 keys, through a fault-injecting proxy in front of
the local moto server (:mod:`tests.fault_proxy`): throttling, 500s, connection resets, bodies
cut off mid-transfer and slow answers are retried with backoff and leave exactly the rows of an
undisturbed run; a fault that persists ends in one clear error and commits nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sparkify.config import Settings, load_settings
from sparkify.errors import SourceError
from sparkify.pipeline.run import run
from sparkify.sources import open_source
from sparkify.targets import open_target
from tests.aws_helpers import client, make_bucket, put_objects
from tests.fault_proxy import Rule, fault_proxy
from tests.helpers import EVERY_TABLE, event, rows, snapshot, song
from tests.sample import ROOT

pytest_plugins = ["tests.moto_fixtures"]

BUCKET = "sparkify-faults"
TABLES = EVERY_TABLE


def _log(day: int) -> tuple[str, bytes]:
    records = [event(ts=1541000000000 + day * 86_400_000 + i, userId=str(i + 1)) for i in range(5)]
    return f"d/log_data/day{day}.json", "\n".join(json.dumps(r) for r in records).encode()


def _song(i: int) -> tuple[str, bytes]:
    return f"d/song_data/S{i}.json", json.dumps(song(song_id=f"SO{i}", title=f"T{i}")).encode()


@pytest.fixture
def bucket(aws: str) -> str:
    """Three log files and three song files under ``s3://BUCKET/d``."""
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    put_objects(s3, BUCKET, [_log(d) for d in range(3)] + [_song(i) for i in range(3)])
    return f"s3://{BUCKET}/d"


def _settings(url: str, endpoint: str) -> Settings:
    return load_settings(
        overrides={"source": f"s3://{BUCKET}/d", "target": url, "endpoint_url": endpoint}
    )


def _run(url: str, endpoint: str) -> None:
    settings = _settings(url, endpoint)
    with open_target(settings) as target:
        run(open_source(settings), target, settings)


def test_transient_faults_are_retried_and_leave_the_same_rows(
    bucket: str, aws: str, tmp_path: Path
) -> None:
    reference = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    _run(reference, aws)
    rules = [
        Rule("error", "list-type=2", "GET"),
        Rule("throttle", "/log_data/day0.json", "GET"),
        Rule("error", "/log_data/day1.json", "GET"),
        Rule("reset", "/log_data/day2.json", "GET"),
        Rule("truncate", "/song_data/S0.json", "GET"),
        Rule("slow", "/song_data/S1.json", "GET", delay=0.3),
        Rule("reset", "/song_data/S2.json", "GET", shots=2),
    ]
    url = f"duckdb:///{tmp_path / 'faulty.duckdb'}"
    with fault_proxy(aws, rules) as proxy:
        _run(url, proxy.url)
    assert [r.shots for r in rules] == [0] * len(rules)
    assert snapshot(url, TABLES) == snapshot(reference, TABLES)
    retried = {
        "day0.json": 2,
        "day1.json": 2,
        "day2.json": 2,
        "S0.json": 2,
        "S1.json": 1,
        "S2.json": 3,
    }
    assert {name: proxy.count(path_part=f"/{name}") for name in retried} == retried


FAULTS = ("throttle", "error", "reset", "truncate")


@pytest.mark.slow
def test_a_persistent_fault_is_a_clear_error_and_commits_nothing(
    bucket: str, aws: str, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(target_url, aws)
    put_objects(client("s3"), BUCKET, [_log(3), _log(4)])
    before = snapshot(target_url, TABLES)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    location = f"s3://{BUCKET}/d/log_data/day4.json"
    for fault in FAULTS:
        rule = Rule(fault, "/log_data/day4.json", "GET", shots=None)
        with fault_proxy(aws, [rule]) as proxy, pytest.raises(SourceError) as info:
            _run(target_url, proxy.url)
        expected = {
            "throttle": f"Could not read {location}: AWS throttled the requests (SlowDown: "
            "Please reduce your request rate).",
            "error": f"Could not read {location}: InternalError: We encountered an internal "
            "error. Please try again.",
            "reset": f"Could not read {location}: Connection was closed before we received a "
            f'valid response from endpoint URL: "{proxy.url}/{BUCKET}/d/log_data/day4.json".',
            "truncate": f"Could not read {location}: An error occurred while reading from "
            "response stream: (\"Connection broken: ConnectionResetError(104, 'Connection reset "
            "by peer')\", ConnectionResetError(104, 'Connection reset by peer')).",
        }
        assert info.value.message == expected[fault]
        # botocore: 2 attempts in all (AWS_MAX_ATTEMPTS); a cut-off body: 3 reads (BODY_ATTEMPTS)
        attempts = 3 if fault == "truncate" else 2
        assert proxy.count(fault, "/log_data/day4.json") == attempts, fault
        assert snapshot(target_url, TABLES) == before, fault
    _run(target_url, aws)
    assert rows(target_url, "SELECT COUNT(*) FROM staging_events") == [(25,)]


def test_the_command_line_shows_one_line_and_the_source_exit_code(
    bucket: str, aws: str, tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    env = {"AWS_MAX_ATTEMPTS": "2", "PYTHONPATH": str(ROOT / "src")}
    with fault_proxy(aws, [Rule("error", "/log_data/", "GET", shots=None)]) as proxy:
        done = subprocess.run(
            [sys.executable, "-m", "sparkify", "run", "--source", bucket, "--target", url, "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**_environment(), **env, "SPARKIFY_ENDPOINT_URL": proxy.url},
        )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"error: Could not read s3://{BUCKET}/d/log_data/day")
    assert lines[0].endswith("InternalError: We encountered an internal error. Please try again.")
    assert rows(url, "SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]


def _environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("SPARKIFY_")}


HOSTILE_KEYS = [
    "d/log_data/a day.json",
    "d/log_data/ünï cödé/日本.json",
    "d/log_data/../escape.json",
    "d/log_data/x/../../log_data/dot.json",
    "d/log_data/./dot.json",
    "d/log_data//double.json",
    "d/log_data/q?x=1&y=#h.json",
    "d/log_data/%41%2F.json",
    "d/log_data/+plus.json",
    'd/log_data/it\'s "quoted"; DROP TABLE users.json',
]


def test_hostile_keys_read_exactly_their_own_object(aws: str, target_url: str) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    objects: list[tuple[str, bytes]] = [
        (key, json.dumps(event(userId=str(i + 1), ts=1541000000000 + i)).encode())
        for i, key in enumerate(HOSTILE_KEYS)
    ]
    # what a path normalisation of the `..` keys would read instead
    objects += [("d/escape.json", b"WRONG"), ("d/log_data/dot.json.bak", b"WRONG"), _song(0)]
    put_objects(s3, BUCKET, objects)
    _run(target_url, aws)
    got = rows(target_url, "SELECT source_file, userid FROM staging_events")
    expected = [(k[len("d/") :], str(i + 1)) for i, k in enumerate(HOSTILE_KEYS)]
    assert sorted(got) == sorted(expected)
    assert rows(target_url, "SELECT COUNT(*) FROM load_errors") == [(0,)]
    manifest: Any = rows(target_url, "SELECT source_file FROM sparkify_manifest")
    assert sorted(m[0] for m in manifest) == sorted(
        [*(k[2:] for k in HOSTILE_KEYS), "song_data/S0.json"]
    )
