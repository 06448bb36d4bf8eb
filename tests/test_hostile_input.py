"""Property: hostile input never crashes a run, every record is staged or rejected, and every
valid record is staged (nothing lost)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkify.config import load_settings
from sparkify.pipeline.run import run
from sparkify.sources import open_source
from sparkify.targets import open_target
from tests.helpers import event, song

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = list(event())


@st.composite
def hostile_line(draw: st.DrawFn) -> bytes:
    base = json.dumps(event(sessionId=draw(st.integers(0, 999)), ts=draw(st.integers(0, 2**40))))
    kind = draw(
        st.sampled_from(
            [
                "truncated",
                "wrong_type",
                "huge",
                "deep",
                "control",
                "bad_utf8",
                "dup_keys",
                "nan",
                "array",
                "scalar",
            ]
        )
    )
    if kind == "truncated":
        return base[: draw(st.integers(1, len(base) - 1))].encode()
    if kind == "wrong_type":
        rec = json.loads(base)
        rec[draw(st.sampled_from(FIELDS))] = draw(JSON_VALUES)
        return json.dumps(rec).encode()
    if kind == "huge":
        return json.dumps(event(song="x" * draw(st.integers(10_000, 200_000)))).encode()
    if kind == "deep":
        depth = draw(st.integers(50, 400))
        return ('{"ts": 1, "a": ' + "[" * depth + "]" * depth + "}").encode()
    if kind == "control":
        return base.replace('"Song"', '"So\x01\x07ng"').encode()
    if kind == "bad_utf8":
        return base.encode().replace(b"Artist", b"Art\xff\xfeist")
    if kind == "dup_keys":
        return base.replace('"ts": ', '"ts": "soon", "ts": ', 1).encode()
    if kind == "nan":
        return base.replace('"length": 200.0', '"length": NaN').encode()
    if kind == "array":
        return ("[" + base + ", " + base + "]").encode()
    return draw(st.sampled_from([b"3", b'"text"', b"null", b"true"]))


def _valid(marker: int) -> bytes:
    return json.dumps(event(sessionId=1_000_000 + marker, userId=str(marker % 7 + 1))).encode()


@st.composite
def hostile_source(draw: st.DrawFn) -> list[tuple[str, bytes, list[int]]]:
    """Files (name, bytes, markers of the valid records in them)."""
    files: list[tuple[str, bytes, list[int]]] = []
    marker = 0
    for i in range(draw(st.integers(1, 4))):
        lines: list[bytes] = []
        markers: list[int] = []
        for _ in range(draw(st.integers(0, 12))):
            if draw(st.booleans()):
                lines.append(_valid(marker))
                markers.append(marker)
                marker += 1
            else:
                lines.append(draw(hostile_line()))
        data = b"\n".join(lines)
        name = f"log_data/d{i}.json"
        if draw(st.booleans()):
            data, name = gzip.compress(data), name + ".gz"
        files.append((name, data, markers))
    extra = draw(st.sampled_from(["none", "empty", "corrupt_gz", "truncated_gz", "pretty_array"]))
    if extra == "empty":
        files.append(("log_data/empty.json", b"", []))
    elif extra == "corrupt_gz":
        files.append(("log_data/bad.json.gz", b"\x1f\x8b\x08\x00not gzip", []))
    elif extra == "truncated_gz":
        files.append(("log_data/cut.json.gz", gzip.compress(_valid(999) * 50)[:40], []))
    elif extra == "pretty_array":
        files.append(("log_data/array.json", json.dumps([event(), event()], indent=2).encode(), []))
    return files


def _write(root: Path, files: list[tuple[str, bytes, Any]]) -> None:
    for name, data, _ in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "song_data").mkdir(parents=True, exist_ok=True)
    (root / "song_data" / "s.json").write_text(json.dumps(song()))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=hostile_source())
@pytest.mark.slow
def test_hostile_files_never_crash_and_nothing_is_lost(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes, list[int]]]
) -> None:
    root = tmp_path_factory.mktemp("hostile")
    _write(root, files)
    settings_ = load_settings(
        overrides={"source": str(root), "target": f"duckdb:///{root / 'w.duckdb'}"}
    )
    with open_target(settings_) as target:
        result = run(open_source(settings_), target, settings_)
        records = target.scalar("SELECT COALESCE(SUM(records), 0) FROM sparkify_manifest")
        rejected = target.scalar("SELECT COALESCE(SUM(rejected), 0) FROM sparkify_manifest")
        staged = target.scalar("SELECT COUNT(*) FROM staging_events") + target.scalar(
            "SELECT COUNT(*) FROM staging_songs"
        )
        errors = target.scalar("SELECT COUNT(*) FROM load_errors")
        markers = {
            r[0] - 1_000_000
            for r in target.query("SELECT sessionid FROM staging_events WHERE sessionid >= 1000000")
        }
    assert records == staged + errors
    assert rejected == errors == result.etl.rejected
    assert markers == {m for _, _, ms in files for m in ms}
    assert result.checks.ok or result.etl.table_counts["songplays"] == 0
