"""Tests for the synthetic data generator: real files, no mocks."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from sparkify.errors import ConfigError
from sparkify.generate import GenerateResult, generate
from tests.sample import SAMPLE, SKIP_REASON

LOG_KEYS = [
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
    "location", "method", "page", "registration", "sessionId", "song", "status", "ts",
    "userAgent", "userId",
]  # fmt: skip
SONG_KEYS = [
    "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
    "artist_name", "song_id", "title", "duration", "year",
]  # fmt: skip
USER_FIELDS = ["firstName", "lastName", "gender", "location", "userAgent", "registration"]
SMALL = {"events": 4000, "songs": 90, "users": 25, "days": 5, "seed": 7}

Data = tuple[GenerateResult, list[dict[str, Any]], list[dict[str, Any]]]


def _read(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events = [
        json.loads(line)
        for path in sorted((out / "log_data").rglob("*.json"))
        for line in path.read_text(encoding="utf-8").split("\n")
    ]
    songs = [json.loads(p.read_text(encoding="utf-8")) for p in (out / "song_data").rglob("*")
             if p.is_file()]  # fmt: skip
    return events, songs


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    out = tmp_path_factory.mktemp("gen")
    result = generate(out, **SMALL)  # type: ignore[arg-type]
    return (result, *_read(out))


def test_layout_and_file_names(data: Data) -> None:
    result, _, _ = data
    out = result.out_dir
    logs = sorted(str(p.relative_to(out)) for p in (out / "log_data").rglob("*.json"))
    assert logs == [f"log_data/2018/11/2018-11-0{d}-events.json" for d in range(1, 6)]
    assert result.log_files == 5
    songs = [p.relative_to(out / "song_data") for p in (out / "song_data").rglob("*.json")]
    assert len(songs) == result.song_files == SMALL["songs"]
    for rel in songs:
        track = rel.stem
        assert re.fullmatch(r"TR[A-Z]{3}[A-Z0-9]{13}", track), track
        assert rel.parts[:3] == (track[2], track[3], track[4])


def test_lines_parse_with_real_keys_in_real_order(data: Data) -> None:
    result, events, songs = data
    for path in (result.out_dir / "log_data").rglob("*.json"):
        raw = path.read_bytes()
        assert raw.isascii() and not raw.endswith(b"\n")  # like the real files
        for line in raw.decode().split("\n"):  # compact, "\/" and "\uXXXX" like the real files
            assert line == json.dumps(json.loads(line), separators=(",", ":")).replace("/", "\\/")
    for path in (result.out_dir / "song_data").rglob("*.json"):
        raw = path.read_bytes()  # one record, spaced separators, no newline: like the real files
        assert raw.decode() == json.dumps(json.loads(raw))
    for e in events:
        assert list(e) == LOG_KEYS
        assert isinstance(e["ts"], int) and isinstance(e["userId"], str)
        assert isinstance(e["sessionId"], int) and isinstance(e["itemInSession"], int)
        assert e["registration"] is None or isinstance(e["registration"], float)
        assert e["length"] is None or isinstance(e["length"], float)
    for s in songs:
        assert list(s) == SONG_KEYS
        assert s["num_songs"] == 1 and isinstance(s["duration"], float)
        assert isinstance(s["year"], int) and len(s["song_id"]) == len(s["artist_id"]) == 18


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=SKIP_REASON)
def test_key_order_matches_the_real_sample() -> None:
    log = next((SAMPLE / "log_data").rglob("*.json")).read_text(encoding="utf-8")
    assert list(json.loads(log.split("\n")[0])) == LOG_KEYS
    song = next((SAMPLE / "song_data").rglob("*.json")).read_text(encoding="utf-8")
    assert list(json.loads(song)) == SONG_KEYS


def test_counts_are_exact(data: Data) -> None:
    result, events, songs = data
    assert len(events) == result.events == SMALL["events"]
    assert len(songs) == result.songs == SMALL["songs"]
    assert result.nextsong_events == sum(e["page"] == "NextSong" for e in events)
    assert 0.7 < result.nextsong_events / len(events) < 0.9
    assert result.bytes_written == sum(len(b) for b in _files(result.out_dir).values())


def test_matched_plays_computed_independently(data: Data) -> None:
    result, events, songs = data
    catalogue = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    plays = [e for e in events if e["page"] == "NextSong"]
    matched = sum((e["song"], e["artist"], e["length"]) in catalogue for e in plays)
    assert matched == result.matched_plays
    assert abs(matched / len(plays) - 0.5) < 0.05
    near = {(t, a) for t, a, _ in catalogue}
    assert any((e["song"], e["artist"]) in near for e in plays if e["length"] is not None)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_match_rate_extremes(tmp_path: Path, rate: float) -> None:
    r = generate(tmp_path, events=500, songs=30, users=5, days=2, match_rate=rate)
    assert r.matched_plays == (r.nextsong_events if rate else 0)


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    args: dict[str, Any] = {"events": 1500, "songs": 40, "users": 10, "days": 3}
    generate(tmp_path / "a", seed=3, **args)
    generate(tmp_path / "b", seed=3, **args)
    generate(tmp_path / "c", seed=4, **args)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_logged_out_visitors(data: Data) -> None:
    _, events, _ = data
    out = [e for e in events if e["auth"] == "Logged Out"]
    assert out and all(e["userId"] == "" for e in out)
    assert all(e["auth"] == "Logged Out" for e in events if e["userId"] == "")
    assert all(e[f] is None for e in out for f in USER_FIELDS)
    assert {e["page"] for e in out} <= {"Home", "Login", "About", "Help"}


def test_pages_methods_and_song_fields(data: Data) -> None:
    _, events, _ = data
    pages = Counter(e["page"] for e in events)
    assert {"Home", "Logout", "Login", "Settings", "Upgrade", "Downgrade", "Help"} <= set(pages)
    for e in events:
        plays = e["page"] == "NextSong"
        assert (e["artist"] is not None) == (e["song"] is not None) == plays
        assert (e["length"] is not None) == plays
        if plays:
            assert (e["method"], e["status"], e["auth"]) == ("PUT", 200, "Logged In")
    assert {e["status"] for e in events} >= {200, 307}


def test_sessions_increase_and_users_are_stable(data: Data) -> None:
    _, events, _ = data
    sessions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        sessions[e["sessionId"]].append(e)
    for evs in sessions.values():
        evs.sort(key=lambda e: e["ts"])
        assert [e["itemInSession"] for e in evs] == list(range(len(evs)))
        assert all(a["ts"] < b["ts"] for a, b in itertools.pairwise(evs))
        assert len({e["userId"] for e in evs}) == 1
    attrs = defaultdict(set)
    for e in events:
        if e["userId"]:
            attrs[e["userId"]].add(tuple(e[f] for f in USER_FIELDS))
    assert all(len(v) == 1 for v in attrs.values())


def test_levels_change_over_time(data: Data) -> None:
    _, events, _ = data
    levels = defaultdict(list)
    for e in sorted(events, key=lambda e: e["ts"]):
        if e["userId"]:
            levels[e["userId"]].append(e["level"])
    changes = [u for u, lv in levels.items() if len(set(lv)) > 1]
    assert changes and all(set(lv) <= {"free", "paid"} for lv in levels.values())


def test_timestamps_in_their_day(data: Data) -> None:
    result, _, _ = data
    for path in (result.out_dir / "log_data").rglob("*.json"):
        day = date.fromisoformat(path.name[:10])
        for line in path.read_text(encoding="utf-8").split("\n"):
            ts = datetime.fromtimestamp(json.loads(line)["ts"] / 1000, UTC)
            assert ts.date() == day


def test_catalogue_quirks(data: Data) -> None:
    _, _, songs = data
    assert any(s["year"] == 0 for s in songs) and any(s["year"] > 0 for s in songs)
    no_place = [s for s in songs if s["artist_latitude"] is None]
    assert no_place and all(s["artist_longitude"] is None for s in no_place)
    assert any(s["artist_location"] == "" for s in songs)
    assert any(not s["artist_name"].isascii() for s in songs)
    assert {"Björk", "Sigur Rós", "坂本龍一"} <= {s["artist_name"] for s in songs}
    per_artist = Counter(s["artist_id"] for s in songs)
    assert max(per_artist.values()) > 1
    for aid in per_artist:
        rows = {tuple(s[k] for k in SONG_KEYS[1:6]) for s in songs if s["artist_id"] == aid}
        assert len(rows) == 1
    dups = Counter((s["title"], s["artist_name"], s["duration"]) for s in songs)
    dup_keys = [k for k, n in dups.items() if n > 1]
    assert dup_keys
    for key in dup_keys:
        ids = {s["song_id"] for s in songs if (s["title"], s["artist_name"], s["duration"]) == key}
        assert len(ids) == dups[key]
    assert len({s["song_id"] for s in songs}) == len(songs)


def test_progress_reaches_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(
        tmp_path, events=800, songs=20, users=5, days=2, progress=lambda d, t: calls.append((d, t))
    )
    assert calls and calls[-1] == (820, 820)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))


def test_empty_sizes(tmp_path: Path) -> None:
    r = generate(tmp_path / "x", events=0, songs=0, users=1, days=1)
    assert (r.log_files, r.song_files, r.nextsong_events, r.matched_plays) == (0, 0, 0, 0)
    r = generate(tmp_path / "y", events=300, songs=0, users=3, days=2)
    assert r.events == 300 and r.matched_plays == 0 and r.nextsong_events > 0


@pytest.mark.parametrize(
    "bad",
    [{"events": -1}, {"songs": -1}, {"users": 0}, {"days": 0}, {"match_rate": 1.5}],
)
def test_bad_arguments(tmp_path: Path, bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        generate(tmp_path, **bad)


def test_refuses_to_mix_with_old_files(tmp_path: Path) -> None:
    generate(tmp_path, events=100, songs=5, users=2, days=1)
    with pytest.raises(ConfigError, match="already holds files"):
        generate(tmp_path, events=100, songs=5, users=2, days=1)


def test_days_cross_month_folders(tmp_path: Path) -> None:
    r = generate(tmp_path, events=600, songs=10, users=4, days=3, start=date(2018, 12, 31))
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*-events.json"))
    assert names == [
        "log_data/2018/12/2018-12-31-events.json",
        "log_data/2019/01/2019-01-01-events.json",
        "log_data/2019/01/2019-01-02-events.json",
    ]
    assert r.log_files == 3
