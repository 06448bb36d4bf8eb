"""A warehouse is bound to the source it was loaded from, through the real command line.

On DuckDB and PostgreSQL (``target_url``), with local folders and S3 prefixes (moto server):
the README's order (demo, then the sample), a run from another source (exit 2, nothing
changed, nothing read), ``--full-refresh`` switching sources, and a warehouse written before
sources were recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode, SourceMismatchError
from sparkify.pipeline.binding import DEMO
from sparkify.targets import open_target
from tests.aws_helpers import client, make_bucket, upload_tree
from tests.fault_proxy import fault_proxy
from tests.helpers import (
    EVERY_TABLE,
    Outcome,
    event,
    invoke,
    rows,
    snapshot,
    song,
    write_log,
    write_song,
)
from tests.pg import pg_database

pytest_plugins = ["tests.moto_fixtures"]

HINT = (
    "`--full-refresh` replaces the warehouse's contents with the new source; "
    "or choose another `--target`."
)
BUCKET = "sparkify-binding"
#: What a run may change, and the recorded source (sparkify_runs gains a row for every run,
#: refused ones included).
TABLES = [*EVERY_TABLE, "sparkify_source"]


def _source(root: Path, tag: str, *, bad: bool = False) -> Path:
    """A small source whose every file name and value carries ``tag``; ``bad`` adds a line
    that is rejected (a row in load_errors)."""
    write_song(root, song(song_id=f"SO{tag}", artist_id=f"AR{tag}", title=f"Song {tag}"))
    records: list[dict[str, Any] | str] = [
        event(song=f"Song {tag}", userId="7", ts=1541000000000),
        event(song="Other", userId="8", ts=1541000001000),
    ]
    write_log(root / "log_data" / f"{tag}.json", [*records, *(["not json"] if bad else [])])
    return root


def _recorded(url: str) -> list[tuple[Any, ...]]:
    return rows(url, "SELECT log_data, song_data FROM sparkify_source")


def _one_line(outcome: Outcome) -> str:
    return " ".join(outcome.output.split())


@contextmanager
def _other_warehouse(target_url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A second, empty warehouse on the same kind of target."""
    if target_url.startswith("duckdb"):
        yield f"duckdb:///{tmp_path / f'{name}.duckdb'}"
    else:
        with pg_database(f"sparkify_{name}") as url:
            yield url


def _refused(outcome: Outcome, held: str, wanted: str) -> None:
    assert outcome.exit_code == ExitCode.USAGE == 2, outcome.output
    assert isinstance(outcome.exception, SourceMismatchError)
    assert outcome.exception.message.endswith(
        f" was loaded from {held}; this run's source is {wanted}."
    )
    assert outcome.exception.hint == HINT


def test_readme_order_demo_then_sample_equals_a_fresh_load(
    sample: Path, target_url: str, tmp_path: Path
) -> None:
    assert invoke("run", "--target", target_url, "-q").exit_code == 0
    assert _recorded(target_url) == [(DEMO, DEMO)]
    again = invoke("run", "--target", target_url)  # a new temporary folder, the same demo
    assert again.exit_code == 0, again.output
    assert "0 new, 0 changed, 2,030 unchanged" in _one_line(again)

    replaced = invoke("run", "--source", str(sample), "--target", target_url)
    assert replaced.exit_code == 0, replaced.output
    assert f"held only the generated demo data: replacing it with {sample}." in _one_line(replaced)
    assert _recorded(target_url) == [(f"{sample}/log_data", f"{sample}/song_data")]
    assert rows(target_url, "SELECT COUNT(*) FROM songs") == [(71,)]
    assert rows(target_url, "SELECT COUNT(*) FROM artists") == [(69,)]
    with _other_warehouse(target_url, tmp_path, "fresh") as fresh:
        assert invoke("run", "--source", str(sample), "--target", fresh, "-q").exit_code == 0
        assert snapshot(target_url, TABLES) == snapshot(fresh, TABLES)


def test_another_source_stops_with_exit_2_and_changes_nothing(
    target_url: str, tmp_path: Path
) -> None:
    first = _source(tmp_path / "first", "a")
    other = _source(tmp_path / "other", "b")
    assert invoke("run", "--source", str(first), "--target", target_url, "-q").exit_code == 0
    before = snapshot(target_url, TABLES)
    assert before["sparkify_source"] == [(f"{first}/log_data", f"{first}/song_data")]
    for command in ("run", "etl"):
        refused = invoke(command, "--source", str(other), "--target", target_url, "-q")
        _refused(refused, str(first), str(other))
        assert snapshot(target_url, TABLES) == before
    # one part moved is another source too; so is the demo (no source configured)
    moved = invoke(
        "etl",
        "--log-data",
        str(first / "log_data"),
        "--song-data",
        str(other / "song_data"),
        "--target",
        target_url,
    )
    _refused(moved, str(first), f"log_data {first}/log_data and song_data {other}/song_data")
    demo = invoke("run", "--target", target_url, "-q")
    _refused(demo, str(first), "the generated demo data")
    assert snapshot(target_url, TABLES) == before
    # the same folder named another way (relative, from elsewhere) is the same source
    same = invoke("etl", "--source", "first/../first", "--target", target_url, "-q")
    assert same.exit_code == 0, same.output
    assert snapshot(target_url, TABLES) == before


def test_full_refresh_switches_source_and_keeps_no_row_of_the_old_one(
    target_url: str, tmp_path: Path
) -> None:
    first = _source(tmp_path / "first", "a", bad=True)
    other = _source(tmp_path / "other", "b", bad=True)
    assert invoke("run", "--source", str(first), "--target", target_url, "-q").exit_code == 0
    assert rows(target_url, "SELECT source_file FROM load_errors") == [("log_data/a.json",)]
    switched = invoke("run", "--source", str(other), "--target", target_url, "--full-refresh", "-q")
    assert switched.exit_code == 0, switched.output
    assert _recorded(target_url) == [(f"{other}/log_data", f"{other}/song_data")]
    kept = {
        "staging_events": [("log_data/b.json",)],
        "staging_songs": [("song_data/A/B/SOb.json",)],
        "load_errors": [("log_data/b.json",)],
        "sparkify_manifest": [("log_data/b.json",), ("song_data/A/B/SOb.json",)],
    }
    for table, files in kept.items():
        assert rows(target_url, f"SELECT DISTINCT source_file FROM {table} ORDER BY 1") == files
    assert rows(target_url, "SELECT song_id, artist_id FROM songs") == [("SOb", "ARb")]
    assert rows(target_url, "SELECT DISTINCT song_id FROM songplays ORDER BY 1") == [
        ("SOb",),
        (None,),
    ]
    with _other_warehouse(target_url, tmp_path, "fresh") as fresh:
        assert invoke("run", "--source", str(other), "--target", fresh, "-q").exit_code == 0
        assert snapshot(target_url, TABLES) == snapshot(fresh, TABLES)
    # bound to the new source now: the old one is refused
    _refused(
        invoke("etl", "--source", str(first), "--target", target_url, "-q"), str(other), str(first)
    )


def _drop_recorded_source(url: str) -> None:
    """Make the warehouse one written by the release before sources were recorded."""
    target = open_target(load_settings(overrides={"target": url}))
    with target, target.transaction():
        target.execute("DROP TABLE sparkify_source")


@pytest.mark.parametrize("command", ["etl", "run"])
def test_a_warehouse_without_a_recorded_source_records_it_on_the_next_run(
    target_url: str, tmp_path: Path, command: str
) -> None:
    first = _source(tmp_path / "first", "a")
    assert invoke("run", "--source", str(first), "--target", target_url, "-q").exit_code == 0
    _drop_recorded_source(target_url)
    before = snapshot(target_url, EVERY_TABLE)
    assert invoke("check", "--target", target_url).exit_code == 0
    _source(first, "c")  # a new day and a new song arrive
    done = invoke(command, "--source", str(first), "--target", target_url, "-q")
    assert done.exit_code == 0, done.output
    assert _recorded(target_url) == [(f"{first}/log_data", f"{first}/song_data")]
    assert rows(target_url, "SELECT COUNT(*) FROM sparkify_manifest") == [(4,)]
    assert snapshot(target_url, ["songs"])["songs"] == sorted(
        [*before["songs"], ("SOc", "Song c", "ARc", 2000, 200.0)], key=repr
    )
    other = _source(tmp_path / "other", "b")
    _refused(
        invoke("etl", "--source", str(other), "--target", target_url, "-q"), str(first), str(other)
    )


def test_s3_source_is_bound_to_bucket_and_prefix_not_to_the_endpoint(
    aws: str, target_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = client("s3")
    make_bucket(s3, BUCKET)
    upload_tree(s3, _source(tmp_path / "one", "a"), BUCKET, "one")
    upload_tree(s3, _source(tmp_path / "two", "b"), BUCKET, "two")
    one, two = f"s3://{BUCKET}/one", f"s3://{BUCKET}/two"
    monkeypatch.setenv("SPARKIFY_ENDPOINT_URL", aws)
    assert invoke("run", "--source", one, "--target", target_url, "-q").exit_code == 0
    before = snapshot(target_url, TABLES)
    assert before["sparkify_source"] == [(f"{one}/log_data", f"{one}/song_data")]
    with fault_proxy(aws, []) as proxy:  # another endpoint URL for the same S3
        monkeypatch.setenv("SPARKIFY_ENDPOINT_URL", proxy.url)
        same = invoke("etl", "--source", f"{one}/", "--target", target_url)
        assert same.exit_code == 0, same.output
        assert "0 new, 0 changed, 2 unchanged" in _one_line(same)
        proxy.log.clear()
        _refused(invoke("etl", "--source", two, "--target", target_url, "-q"), one, two)
        # the listing only: no object was read
        assert proxy.log and all("list-type=2" in path for _, path, _ in proxy.log), proxy.log
    assert snapshot(target_url, TABLES) == before
    local = tmp_path / "one"
    _refused(invoke("run", "--source", str(local), "--target", target_url, "-q"), one, str(local))
    assert snapshot(target_url, TABLES) == before
