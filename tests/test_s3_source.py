"""s3:// sources against a local moto server, through the real DuckDB and PostgreSQL targets.

The same exact-result assertions as for local files (the real Udacity sample), plus ``.json.gz``
objects, pagination past 1,000 keys, an object changed between runs, and bad inputs.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from sparkify.batch import FileKind
from sparkify.config import Settings, load_settings
from sparkify.errors import SourceError, TooManyErrorsError
from sparkify.pipeline.result import EtlResult
from sparkify.pipeline.run import RunResult, etl, run
from sparkify.sources import open_source
from sparkify.targets import open_target
from tests.aws_helpers import client, make_bucket, moto_api, put_objects, upload_tree
from tests.helpers import event, rows, snapshot, song

pytest_plugins = ["tests.moto_fixtures"]

BUCKET = "sparkify-input"
STAR = ("songplays", "users", "songs", "artists", "time")


def _settings(target_url: str, endpoint: str, **values: Any) -> Settings:
    return load_settings(overrides={"target": target_url, "endpoint_url": endpoint, **values})


def _run(settings: Settings, **kwargs: Any) -> RunResult:
    with open_target(settings) as target:
        return run(open_source(settings), target, settings, **kwargs)


def _etl(settings: Settings) -> EtlResult:
    with open_target(settings) as target:
        return etl(open_source(settings), target)


def _gzip_some(rel: str) -> bool:
    """Days 01-09 of the logs and the song_data/A/B/B files are stored gzipped."""
    return rel.startswith(("log_data/2018/11/2018-11-0", "song_data/A/B/B/")) and rel.endswith(
        ".json"
    )


@pytest.fixture
def sample_bucket(aws: str, sample: Path) -> dict[str, str]:
    """The real sample in moto under ``s3://sparkify-input/udacity/``, partly gzipped."""
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    uploaded = {}
    for part in ("log_data", "song_data"):
        keys = upload_tree(
            s3,
            sample / part,
            BUCKET,
            f"udacity/{part}",
            gzip_if=lambda r, p=part: _gzip_some(f"{p}/{r}"),
        )
        uploaded.update(keys)
    return uploaded


def test_s3_sample_gives_exact_star_schema(
    aws: str, sample_bucket: dict[str, str], target_url: str
) -> None:
    settings = _settings(target_url, aws, source=f"s3://{BUCKET}/udacity")
    result = _run(settings)
    assert result.checks.ok
    assert result.etl.files_total == 101
    assert result.etl.source == f"s3://{BUCKET}/udacity"
    assert {t: result.etl.table_counts[t] for t in STAR} == {
        "songplays": 6820,
        "users": 96,
        "songs": 71,
        "artists": 69,
        "time": 6813,
    }
    assert result.etl.table_counts["staging_events"] == 8056
    assert result.etl.table_counts["load_errors"] == 0
    matched = rows(
        target_url,
        "SELECT user_id, start_time, song_id, artist_id FROM songplays WHERE song_id IS NOT NULL",
    )
    assert matched == [
        (
            15,
            dt.datetime(2018, 11, 21, 21, 56, 47, 796000),
            "SOZCTXZ12AB0182364",
            "AR5KOSW1187FB35FF4",
        )
    ]
    gz = rows(target_url, "SELECT COUNT(*) FROM sparkify_manifest WHERE source_file LIKE '%.gz'")
    assert gz == [(21,)]


def test_manifest_holds_the_etag_of_every_object(
    aws: str, sample_bucket: dict[str, str], target_url: str
) -> None:
    settings = _settings(target_url, aws, source=f"s3://{BUCKET}/udacity")
    _run(settings)
    s3 = client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="udacity/log_data/2018/11/2018-11-30")
    (obj,) = listed["Contents"]
    got = rows(
        target_url,
        "SELECT checksum, size FROM sparkify_manifest "
        "WHERE source_file = 'log_data/2018/11/2018-11-30-events.json'",
    )
    assert got == [(obj["ETag"].strip('"'), obj["Size"])]


def test_same_rows_as_the_local_folder(
    aws: str, sample: Path, target_url: str, tmp_path: Path
) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    upload_tree(s3, sample / "log_data", BUCKET, "raw/logs")
    upload_tree(s3, sample / "song_data", BUCKET, "catalogue/songs")
    settings = _settings(
        target_url,
        aws,
        log_data=f"s3://{BUCKET}/raw/logs/",
        song_data=f"s3://{BUCKET}/catalogue/songs",
    )
    from_s3 = _run(settings)
    assert from_s3.etl.source == f"s3://{BUCKET}/raw/logs/ + s3://{BUCKET}/catalogue/songs/"
    s3_rows = snapshot(target_url, [*STAR, "staging_events", "staging_songs"])
    local = _settings(target_url, aws, source=str(sample))
    _run(local, full_refresh=True)
    assert snapshot(target_url, [*STAR, "staging_events", "staging_songs"]) == s3_rows


@pytest.mark.slow
def test_pagination_past_1000_keys(aws: str, target_url: str) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    songs = [
        (
            f"many/song_data/{i % 7}/S{i:05d}.json",
            json.dumps(song(song_id=f"SO{i:05d}", artist_id=f"AR{i % 50:03d}")).encode(),
        )
        for i in range(1001)
    ]
    logs = [
        (
            "many/log_data/day1.json",
            "\n".join(
                json.dumps(event(song="Song", ts=1541000000000 + i)) for i in range(5)
            ).encode(),
        )
    ]
    put_objects(s3, BUCKET, songs + logs)
    settings = _settings(target_url, aws, source=f"s3://{BUCKET}/many")
    source = open_source(settings)
    files = source.list_files()
    assert len(files) == 1002
    assert sum(f.kind is FileKind.SONG for f in files) == 1001
    assert files[0].path == "log_data/day1.json"
    result = _run(settings)
    assert result.etl.songs_staged == 1001
    assert result.etl.table_counts["songs"] == 1001
    assert result.etl.table_counts["artists"] == 50
    # every play matches: title, artist name and duration equal; SO00000 is the smallest id
    assert rows(target_url, "SELECT DISTINCT song_id FROM songplays") == [("SO00000",)]


@pytest.mark.slow
def test_changed_object_is_reloaded(
    aws: str, sample_bucket: dict[str, str], target_url: str
) -> None:
    settings = _settings(target_url, aws, source=f"s3://{BUCKET}/udacity")
    _run(settings)
    s3 = client("s3")
    key = "udacity/log_data/2018/11/2018-11-30-events.json"
    lines = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().split("\n")
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines[:10]).encode())
    again = _etl(settings)
    assert (again.files_new, again.files_changed, again.files_skipped) == (0, 1, 100)
    assert again.table_counts["staging_events"] == 8056 - len(lines) + 10
    incremental = snapshot(target_url, [*STAR, "staging_events"])
    third = _etl(settings)
    assert (third.files_changed, third.files_skipped, third.transformed) == (0, 101, False)
    _run(settings, full_refresh=True)
    assert snapshot(target_url, [*STAR, "staging_events"]) == incremental


def test_malformed_objects_are_rejected_with_reasons(aws: str, target_url: str) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    good = json.dumps(event())
    put_objects(
        s3,
        BUCKET,
        [
            ("bad/log_data/a.json", f"{good}\n{{not json\n".encode()),
            ("bad/log_data/b.json.gz", b"this is not gzip"),
            ("bad/song_data/s.json.gz", gzip.compress(json.dumps(song()).encode())),
        ],
    )
    settings = _settings(target_url, aws, source=f"s3://{BUCKET}/bad")
    result = _run(settings)
    assert (result.etl.events_staged, result.etl.songs_staged, result.etl.rejected) == (1, 1, 2)
    errors = rows(target_url, "SELECT source_file, source_line, reason FROM load_errors ORDER BY 1")
    assert errors[0] == ("log_data/a.json", 2, "not valid JSON")
    assert errors[1][0] == "log_data/b.json.gz"
    assert errors[1][2].startswith("corrupt gzip file")
    strict = _settings(target_url, aws, source=f"s3://{BUCKET}/bad", max_errors=0)
    with open_target(strict) as target, pytest.raises(TooManyErrorsError):
        etl(open_source(strict), target, full_refresh=True, max_errors=0)


def test_missing_bucket_is_a_clear_error(aws: str, target_url: str) -> None:
    settings = _settings(target_url, aws, source="s3://no-such-bucket/data")
    with pytest.raises(SourceError) as info:
        open_source(settings).list_files()
    assert (
        info.value.message
        == "S3 bucket 'no-such-bucket' does not exist (s3://no-such-bucket/data/log_data/)."
    )
    assert "bucket name" in str(info.value.hint)


def test_empty_prefix_is_a_clear_error(aws: str, target_url: str) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    put_objects(
        s3,
        BUCKET,
        [("p/log_data/x.json", json.dumps(event()).encode()), ("p/song_data/README.md", b"x")],
    )
    with pytest.raises(SourceError) as info:
        open_source(_settings(target_url, aws, source=f"s3://{BUCKET}/typo")).list_files()
    assert info.value.message == (
        f"s3://{BUCKET}/typo/log_data/ holds no objects: no log_data files "
        "(*.json, *.jsonl, *.ndjson, each also .gz) to load."
    )
    with pytest.raises(SourceError) as info:
        open_source(_settings(target_url, aws, source=f"s3://{BUCKET}/p")).list_files()
    assert "holds only other files (*.md: 1)" in info.value.message


def _listing_error_with_auth_on(aws: str, target_url: str) -> SourceError:
    """The error listing s3://BUCKET/data meets while moto checks credentials and IAM."""
    moto_api(aws, "reset-auth", b"0")
    try:
        with pytest.raises(SourceError) as info:
            open_source(_settings(target_url, aws, source=f"s3://{BUCKET}/data")).list_files()
    finally:
        moto_api(aws, "reset-auth", b"inf")
    return info.value


def test_access_denied_is_a_clear_error(
    aws: str, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    iam = client("iam")
    iam.create_user(UserName="no-s3")
    key = iam.create_access_key(UserName="no-s3")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    error = _listing_error_with_auth_on(aws, target_url)
    assert error.message == (
        "Could not list s3://sparkify-input/data/log_data/: access denied "
        "(AccessDenied: Access Denied)."
    )
    assert error.hint == (
        "Your AWS identity needs s3:ListBucket on arn:aws:s3:::sparkify-input and s3:GetObject "
        "on arn:aws:s3:::sparkify-input/data/log_data/*."
    )


def test_rejected_credentials_are_a_clear_error(
    aws: str, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_bucket(client("s3"), BUCKET)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    error = _listing_error_with_auth_on(aws, target_url)
    assert error.message == (
        "Could not list s3://sparkify-input/data/log_data/: AWS rejected the credentials "
        "(InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records)."
    )
    assert error.hint == (
        "The credentials are wrong or expired. Configure AWS credentials: `aws configure`, "
        "`aws sso login`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
    )


def test_unreachable_endpoint_is_a_clear_error(
    aws: str, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    settings = _settings(target_url, "http://127.0.0.1:9", source=f"s3://{BUCKET}/data")
    with pytest.raises(SourceError) as info:
        open_source(settings).list_files()
    assert "cannot reach the AWS endpoint" in info.value.message
    assert "endpoint_url" in str(info.value.hint)


def test_public_bucket_is_read_without_credentials(
    aws: str, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    put_objects(
        s3,
        BUCKET,
        [
            ("pub/log_data/x.json", json.dumps(event()).encode()),
            ("pub/song_data/s.json", json.dumps(song()).encode()),
        ],
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    source = open_source(_settings(target_url, aws, source=f"s3://{BUCKET}/pub"))
    assert [f.path for f in source.list_files()] == ["log_data/x.json", "song_data/s.json"]


def test_mixed_local_and_s3_is_refused(aws: str, target_url: str, tmp_path: Path) -> None:
    from sparkify.errors import ConfigError

    settings = _settings(target_url, aws, log_data=str(tmp_path), song_data=f"s3://{BUCKET}/s")
    with pytest.raises(ConfigError, match="must both be in S3 or both local"):
        open_source(settings)
