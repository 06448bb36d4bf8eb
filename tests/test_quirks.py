"""Real-world input quirks and bad records: typed, rejected with a reason, never lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.helpers import event, invoke, rows, song, write_log, write_song

LOGS = "log_data/2018/11"


def _quirky_source(root: Path) -> None:
    ok = json.dumps(event(userId="1", ts=1000))
    # gzip + no trailing newline
    write_log(
        root / LOGS / "2018-11-01-events.json.gz",
        [event(userId="2", ts=2000), event(userId="2", ts=2001)],
        gz=True,
    )
    # UTF-8 BOM and CRLF line ends, blank lines in between (not records)
    (root / LOGS / "2018-11-02-events.json").write_bytes(
        b"\xef\xbb\xbf"
        + (ok + "\r\n\r\n" + json.dumps(event(userId=15, ts="3000")) + "\r\n   \r\n").encode()
    )
    # broken records: truncated JSON, not an object, untypable field, invalid UTF-8
    (root / LOGS / "2018-11-03-events.json").write_bytes(
        b"\n".join(
            [
                ok.encode(),
                b'{"ts": 4000, "userId": "3", "page": "NextSo',
                b"[1, 2]",
                json.dumps(event(ts="soon")).encode(),
                b'{"ts": 5000, "userId": "4", "artist": "Bj\xf6rk"}',
                json.dumps(event(userId="5", ts=6000, artist=112, song=7.5)).encode(),
            ]
        )
    )
    # a corrupt gzip file: one rejected record, the run goes on
    (root / LOGS / "2018-11-04-events.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    # songs: numbers where text is expected, several objects per file, pretty-printed
    write_song(root, song(song_id="SO1", artist_name=112, title="Hit"))
    write_song(
        root, json.dumps(song(song_id="SO2")) + "\n" + json.dumps(song(song_id="SO3")), name="multi"
    )
    write_song(root, json.dumps(song(song_id="SO4", artist_id="AR4"), indent=2), name="pretty")
    write_song(
        root, json.dumps(song(song_id="SO5")) + json.dumps(song(song_id="SO6")), name="concat"
    )
    gz = root / "song_data" / "A" / "B" / "zipped.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(song(song_id="SO7")).encode()))


def test_quirks_are_staged_and_bad_records_rejected(tmp_path: Path, target_url: str) -> None:
    _quirky_source(tmp_path)
    result = invoke("run", "--source", str(tmp_path), "--target", target_url, "-q")
    assert result.exit_code == 0, result.output
    staged = rows(
        target_url,
        "SELECT source_file, source_line, userid, ts, artist, song FROM staging_events ORDER BY source_file, source_line",
    )
    assert staged == [
        ("log_data/2018/11/2018-11-01-events.json.gz", 1, "2", 2000, "Artist", "Song"),
        ("log_data/2018/11/2018-11-01-events.json.gz", 2, "2", 2001, "Artist", "Song"),
        ("log_data/2018/11/2018-11-02-events.json", 1, "1", 1000, "Artist", "Song"),
        ("log_data/2018/11/2018-11-02-events.json", 3, "15", 3000, "Artist", "Song"),
        ("log_data/2018/11/2018-11-03-events.json", 1, "1", 1000, "Artist", "Song"),
        ("log_data/2018/11/2018-11-03-events.json", 6, "5", 6000, "112", "7.5"),
    ]
    errors = rows(
        target_url,
        "SELECT source_file, source_line, reason FROM load_errors ORDER BY source_file, source_line",
    )
    assert [(f, line) for f, line, _ in errors] == [
        ("log_data/2018/11/2018-11-03-events.json", 2),
        ("log_data/2018/11/2018-11-03-events.json", 3),
        ("log_data/2018/11/2018-11-03-events.json", 4),
        ("log_data/2018/11/2018-11-03-events.json", 5),
        ("log_data/2018/11/2018-11-04-events.json.gz", None),
    ]
    reasons = [r for _, _, r in errors]
    assert reasons[0] == "not valid JSON"
    assert reasons[1] == "not a JSON object"
    assert reasons[2] == 'field ts: expected an integer, got "soon"'
    assert reasons[3].startswith("invalid UTF-8")
    assert reasons[4].startswith("corrupt gzip file")
    raw = rows(target_url, "SELECT raw_text FROM load_errors WHERE source_line = 2")
    assert raw == [('{"ts": 4000, "userId": "3", "page": "NextSo',)]
    songs = rows(
        target_url, "SELECT song_id, source_file, source_line FROM staging_songs ORDER BY song_id"
    )
    assert songs == [
        ("SO1", "song_data/A/B/SO1.json", 1),
        ("SO2", "song_data/A/B/multi.json", 1),
        ("SO3", "song_data/A/B/multi.json", 2),
        ("SO4", "song_data/A/B/pretty.json", 1),
        ("SO5", "song_data/A/B/concat.json", 1),
        ("SO6", "song_data/A/B/concat.json", 1),
        ("SO7", "song_data/A/B/zipped.json.gz", 1),
    ]
    assert rows(
        target_url,
        "SELECT name FROM artists a JOIN songs s USING (artist_id) WHERE song_id = 'SO1'",
    ) == [("112",)]
    # nothing lost: every record is staged or rejected, per file, as the manifest says
    manifest = rows(target_url, "SELECT SUM(records), SUM(rejected) FROM sparkify_manifest")
    assert manifest == [(18, 5)]
    assert len(staged) + len(songs) + len(errors) == 18


def test_max_errors_fails_and_commits_nothing(tmp_path: Path, target_url: str) -> None:
    _quirky_source(tmp_path)
    result = invoke(
        "run", "--source", str(tmp_path), "--target", target_url, "--max-errors", "4", "-q"
    )
    assert result.exit_code == 5
    assert "5 records were rejected" in str(result.exception)
    assert rows(target_url, "SELECT COUNT(*) FROM staging_events") == [(0,)]
    assert rows(target_url, "SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]
    ok = invoke("run", "--source", str(tmp_path), "--target", target_url, "--max-errors", "5", "-q")
    assert ok.exit_code == 0, ok.output
