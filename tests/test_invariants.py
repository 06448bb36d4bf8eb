"""The warehouse invariants: idempotent, incremental = full, atomic, nothing lost."""

from __future__ import annotations

import collections
import hashlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkify.config import load_settings
from sparkify.generate import generate
from sparkify.schema.model import ALL_TABLES, FILE_TABLES
from sparkify.targets import open_target
from tests.helpers import DATA_TABLES, event, invoke, rows, snapshot, source_link, write_log

ALL = DATA_TABLES


def test_a_reloaded_file_is_deleted_from_every_table_that_names_it() -> None:
    # Target.delete_files empties FILE_TABLES of a changed file before it is staged again:
    # a table holding source_file left out of it would keep the old rows next to the new
    named = [t.name for t in ALL_TABLES if "source_file" in t.column_names]
    assert [t.name for t in FILE_TABLES] == named
    assert named == ["staging_events", "staging_songs", "load_errors", "sparkify_manifest"]


def _copy_days(sample: Path, dest: Path, days: list[Path]) -> None:
    (dest / "log_data").mkdir(parents=True, exist_ok=True)
    if not (dest / "song_data").exists():
        shutil.copytree(sample / "song_data", dest / "song_data")
    for f in days:
        rel = f.relative_to(sample / "log_data")
        (dest / "log_data" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest / "log_data" / rel)


def test_three_batches_equal_one_full_load(sample: Path, target_url: str, tmp_path: Path) -> None:
    days = sorted((sample / "log_data").rglob("*.json"))
    inc = tmp_path / "incremental"
    for i, chunk in enumerate((days[:7], days[7:19], days[19:])):
        _copy_days(sample, inc, chunk)
        command = "run" if i == 0 else "etl"
        assert invoke(command, "--source", str(inc), "--target", target_url, "-q").exit_code == 0
    incremental = snapshot(target_url, ALL)
    full_url = (
        target_url.replace("warehouse.duckdb", "full.duckdb")
        if target_url.startswith("duckdb")
        else None
    )
    if full_url is None:
        assert (
            invoke(
                "run", "--source", str(sample), "--target", target_url, "--full-refresh", "-q"
            ).exit_code
            == 0
        )
        assert snapshot(target_url, ALL) == incremental
        return
    assert invoke("run", "--source", str(sample), "--target", full_url, "-q").exit_code == 0
    assert snapshot(full_url, ALL) == incremental


def test_changed_file_is_reloaded_and_its_old_rows_replaced(
    tmp_path: Path, target_url: str
) -> None:
    day = tmp_path / "log_data" / "2018" / "11" / "d1.json"
    write_log(day, [event(userId="1", ts=1000, level="free"), event(userId="2", ts=1001)])
    write_log(
        tmp_path / "song_data" / "s.json",
        [
            '{"song_id": "SO1", "artist_id": "AR1", "title": "Song", "artist_name": "Artist", "duration": 200.0, "year": 1}'
        ],
    )
    assert invoke("run", "--source", str(tmp_path), "--target", target_url, "-q").exit_code == 0
    write_log(day, [event(userId="1", ts=1000, level="paid")])
    os.utime(day, (time.time() + 5, time.time() + 5))
    result = invoke("run", "--source", str(tmp_path), "--target", target_url, "-q")
    assert result.exit_code == 0
    assert "0 new, 1 changed" in result.output
    assert rows(target_url, "SELECT user_id, level FROM users") == [(1, "paid")]
    assert rows(target_url, "SELECT COUNT(*) FROM staging_events") == [(1,)]
    assert rows(
        target_url, "SELECT records FROM sparkify_manifest WHERE source_file LIKE 'log_data/%'"
    ) == [(1,)]
    # touched but identical: read, recognised by checksum, not reloaded
    os.utime(day, (time.time() + 9, time.time() + 9))
    again = invoke("etl", "--source", str(tmp_path), "--target", target_url, "-q")
    assert "0 new, 0 changed, 2 unchanged" in again.output


def _execute(url: str, sql: str, params: list[object]) -> None:
    """One write on the warehouse at ``url``, committed."""
    with open_target(load_settings(overrides={"target": url})) as target, target.transaction():
        target.execute(sql, params)


_SONG = (
    '{"song_id": "SO1", "artist_id": "AR1", "title": "Song", "artist_name": "Artist", '
    '"duration": 200.0, "year": 1}'
)


def test_a_manifest_of_an_earlier_version_still_recognises_unchanged_files(
    tmp_path: Path, target_url: str
) -> None:
    """Manifests written before BLAKE3 hold blake2b checksums: a file touched but identical
    is still skipped (its rows and ids kept), and its entry now holds the new checksum."""
    day = write_log(tmp_path / "log_data" / "d1.json", [event(userId="1", ts=1000)])
    song = write_log(tmp_path / "song_data" / "s.json", [_SONG])
    assert invoke("run", "--source", str(tmp_path), "--target", target_url, "-q").exit_code == 0
    before = snapshot(target_url, DATA_TABLES)
    for path in (day, song):
        legacy = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        _execute(
            target_url,
            "UPDATE sparkify_manifest SET checksum = ? WHERE source_file LIKE ?",
            [legacy, f"%/{path.name}"],
        )
    for path in (day, song):
        os.utime(path, (time.time() + 9, time.time() + 9))
    again = invoke("etl", "--source", str(tmp_path), "--target", target_url, "-q")
    assert again.exit_code == 0
    assert "0 new, 0 changed, 2 unchanged" in again.output
    assert snapshot(target_url, DATA_TABLES) == before
    for (checksum,) in rows(target_url, "SELECT checksum FROM sparkify_manifest"):
        assert checksum.startswith("blake3:") and len(checksum) == len("blake3:") + 32
    # a legacy checksum that does not match is a changed file
    _execute(
        target_url,
        "UPDATE sparkify_manifest SET checksum = ? WHERE source_file LIKE ?",
        ["0" * 32, "log_data/%"],
    )
    os.utime(day, (time.time() + 19, time.time() + 19))
    changed = invoke("etl", "--source", str(tmp_path), "--target", target_url, "-q")
    assert "0 new, 1 changed" in changed.output


@pytest.mark.slow
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    cuts=st.lists(st.integers(1, 5), min_size=1, max_size=3, unique=True),
)
def test_incremental_equals_full_property(
    tmp_path_factory: pytest.TempPathFactory, seed: int, cuts: list[int]
) -> None:
    base = tmp_path_factory.mktemp("prop")
    data = base / "data"
    generate(data, events=1500, songs=60, users=12, days=6, seed=seed, match_rate=0.6)
    days = sorted((data / "log_data").rglob("*.json"))
    inc = base / "inc"
    inc_url, full_url = f"duckdb:///{base / 'inc.duckdb'}", f"duckdb:///{base / 'full.duckdb'}"
    bounds = [0, *sorted(cuts), len(days)]
    for lo, hi in itertools.pairwise(bounds):
        _copy_days(data, inc, days[lo:hi])
        assert invoke("run", "--source", str(inc), "--target", inc_url, "-q").exit_code == 0
    assert invoke("run", "--source", str(data), "--target", full_url, "-q").exit_code == 0
    assert snapshot(inc_url, ALL) == snapshot(full_url, ALL)


def _etl_process(source: Path, url: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "sparkify", "etl", "--source", str(source), "--target", url, "-q"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_killed_run_leaves_previous_state(tmp_path: Path, sample: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    loaded = source_link(tmp_path / "src", sample)
    assert invoke("run", "--source", str(loaded), "--target", url, "-q").exit_code == 0
    before = snapshot(url, [*ALL, "sparkify_manifest"])
    big = tmp_path / "big"
    generate(big, events=300_000, songs=3_000, users=200, days=10, seed=7)
    big = source_link(loaded, big)  # the same source, a bigger day
    # kill at fractions of an uninterrupted run's time (measured on a copy): the warehouse
    # must then be exactly as before, or, had the run already committed, exactly as after it
    pristine, probe = tmp_path / "pristine.duckdb", tmp_path / "probe.duckdb"
    shutil.copy(tmp_path / "w.duckdb", pristine)
    shutil.copy(pristine, probe)
    started = time.monotonic()
    assert _etl_process(big, f"duckdb:///{probe}").wait() == 0
    duration = time.monotonic() - started
    after = snapshot(f"duckdb:///{probe}", [*ALL, "sparkify_manifest"])
    kills = 0
    for share in (0.2, 0.35, 0.5, 0.65):
        proc = _etl_process(big, url)
        time.sleep(share * duration)
        if proc.poll() is not None:
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = snapshot(url, [*ALL, "sparkify_manifest"])
        if state == after:  # killed after its COMMIT: atomic too; start again from before
            shutil.copy(pristine, tmp_path / "w.duckdb")
            (tmp_path / "w.duckdb.wal").unlink(missing_ok=True)
            continue
        kills += 1
        assert state == before
    assert kills >= 2, "the run finished before it could be killed; make the data bigger"
    assert _etl_process(big, url).wait() == 0
    # the generated days share the sample's file names: they replace them
    assert rows(url, "SELECT COUNT(*) FROM sparkify_manifest") == [(101 + 3000,)]


def test_late_songs_and_days_incremental_equals_full(tmp_path: Path, target_url: str) -> None:
    """Songs arriving after the plays that match them, including a smaller song_id for an
    existing match key, take the incremental path and still equal a full load."""
    from sparkify.config import load_settings
    from sparkify.pipeline.run import etl, run
    from sparkify.sources import open_source
    from sparkify.targets import open_target

    data = tmp_path / "data"
    generate(data, events=3000, songs=120, users=15, days=4, seed=3, match_rate=0.7)
    days = sorted((data / "log_data").rglob("*.json"))
    songs = sorted((data / "song_data").rglob("*.json"))
    inc = tmp_path / "inc"

    def copy(files: list[Path]) -> None:
        for f in files:
            dest = inc / f.relative_to(data)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)

    settings = load_settings(overrides={"source": str(inc), "target": target_url})
    copy(days[:2] + songs[::2])
    with open_target(settings) as target:
        run(open_source(settings), target, settings)
    # the same match key as an existing song, with a smaller song_id: it must win everywhere
    plays = collections.Counter(
        (r.get("song"), r.get("artist"))
        for day in days
        for r in map(json.loads, day.read_text().splitlines())
    )
    loaded = [json.loads(f.read_text()) for f in songs[::2]]
    twin = max(loaded, key=lambda rec: plays[(rec["title"], rec["artist_name"])])
    assert plays[(twin["title"], twin["artist_name"])] > 0
    twin["song_id"] = "SOAAAAAAAAAAAAAAAA"
    (inc / "song_data" / "A" / "twin.json").parent.mkdir(parents=True, exist_ok=True)
    (inc / "song_data" / "A" / "twin.json").write_text(json.dumps(twin))
    for batch in (songs[1::2], days[2:]):
        copy(batch)
        with open_target(settings) as target:
            result = etl(open_source(settings), target)
        assert result.incremental and result.transformed
    incremental = snapshot(target_url, ALL)
    with open_target(settings) as target:
        assert etl(open_source(settings), target, full_refresh=True).incremental is False
    assert snapshot(target_url, ALL) == incremental
    assert (
        rows(target_url, "SELECT COUNT(*) FROM songplays WHERE song_id = 'SOAAAAAAAAAAAAAAAA'")[0][
            0
        ]
        > 0
    )


def _wait_until_open(pid: int, path: Path, timeout: float = 30.0) -> None:
    """Wait until process ``pid`` has ``path`` open (Linux ``/proc``): the command has then
    finished starting up and opened the warehouse, whatever the machine's load."""
    deadline = time.monotonic() + timeout
    fds = Path(f"/proc/{pid}/fd")
    while time.monotonic() < deadline:
        try:
            if any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir()):
                return
        except (FileNotFoundError, PermissionError):
            pass  # a descriptor closed while listed, or the process is gone
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not open {path} within {timeout} s")


def test_ctrl_c_is_a_clean_message_and_commits_nothing(tmp_path: Path, sample: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    loaded = source_link(tmp_path / "src", sample)
    assert invoke("run", "--source", str(loaded), "--target", url, "-q").exit_code == 0
    before = snapshot(url, [*ALL, "sparkify_manifest"])
    big = tmp_path / "big"
    generate(big, events=300_000, songs=3_000, users=200, days=10, seed=11)
    big = source_link(loaded, big)  # the same source, a bigger day
    cmd = [sys.executable, "-m", "sparkify", "etl", "--source", str(big), "--target", url, "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_open(proc.pid, tmp_path / "w.duckdb")  # started: past imports, handler set
    time.sleep(0.3)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted: nothing was committed." in err
    assert "Traceback" not in err
    assert snapshot(url, [*ALL, "sparkify_manifest"]) == before
