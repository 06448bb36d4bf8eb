"""What the listing takes (``*.json``, ``*.jsonl``, ``*.ndjson``, each also ``.gz``), and what
it says about the files it ignores or does not find, local and S3, through the real CLI."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sparkify.batch import FileKind
from tests.aws_helpers import client, make_bucket, put_objects
from tests.helpers import event, invoke, rows, song, write_song

NOTE = (
    "log_data: 4 files (*.json: 1, *.json.gz: 1, *.jsonl: 1, *.ndjson.gz: 1); "
    "ignored 3 files (*.JSON: 1, *.bak: 1, *.txt: 1)"
)


def _files() -> dict[str, bytes]:
    def line(user: int) -> bytes:
        return json.dumps(event(userId=str(user), ts=1541000000000 + user)).encode()

    return {
        "log_data/a.json": line(1),
        "log_data/b.jsonl": line(2),
        "log_data/c.ndjson.gz": gzip.compress(line(3)),
        "log_data/d.json.gz": gzip.compress(line(4)),
        "log_data/E.JSON": line(5),
        "log_data/notes.txt": b"x",
        "log_data/f.jsonl.bak": line(6),
        "song_data/s.ndjson": json.dumps(song()).encode(),
    }


def _text(output: str) -> str:
    """The output with line wrapping undone (the terminal width may wrap notes)."""
    return " ".join(output.split())


def _users(url: str) -> list[int]:
    return sorted(r[0] for r in rows(url, "SELECT user_id FROM songplays"))


def test_newline_delimited_extensions_load_and_ignored_files_are_named(
    tmp_path: Path, target_url: str
) -> None:
    for name, data in _files().items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_bytes(data)
    result = invoke("run", "--source", str(tmp_path / "src"), "--target", target_url)
    assert result.exit_code == 0, result.output
    assert NOTE in _text(result.output)
    assert _users(target_url) == [1, 2, 3, 4]


@pytest.mark.aws
def test_s3_listing_takes_the_same_extensions_and_names_ignored_files(
    aws: str, tmp_path: Path
) -> None:
    s3 = client("s3")
    make_bucket(s3, "listing")
    put_objects(s3, "listing", [(f"p/{k}", v) for k, v in _files().items()])
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = invoke("run", "--source", "s3://listing/p", "--target", url)  # AWS_ENDPOINT_URL
    assert result.exit_code == 0, result.output
    assert NOTE in _text(result.output)
    assert _users(url) == [1, 2, 3, 4]


def test_an_empty_log_data_folder_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "src" / "log_data").mkdir(parents=True)
    (tmp_path / "src" / "log_data" / "day.JSON").write_text("{}")
    write_song(tmp_path / "src", song())
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = invoke("run", "--source", str(tmp_path / "src"), "--target", url)
    assert (
        f"log_data: no input files (*.json, *.jsonl, *.ndjson, each also .gz) in "
        f"{tmp_path / 'src' / 'log_data'}; ignored 1 file (*.JSON: 1)"
    ) in _text(result.output)
    # a warning, not an error: the songs load; the checks then say the star is empty
    assert rows(url, "SELECT COUNT(*) FROM staging_songs") == [(1,)]
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("by_descriptor", [True, False], ids=["descriptor", "path"])
def test_folders_read_by_descriptor_or_by_path_list_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_descriptor: bool
) -> None:
    """Folders are read through a descriptor where the platform allows it and by path
    elsewhere (Windows); both give the same paths, sizes and times, links followed."""
    from sparkify.sources import local

    root = tmp_path / "src"
    for rel, data in _files().items():
        path = root / "a" / rel.replace("log_data/", "log_data/2018/11/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    write_song(root / "a", song(song_id="TRX1"))
    (root / "a" / "song_data" / ".hidden.json").write_text("{}")
    (root / "linked").mkdir()
    (root / "linked" / "x.json").write_bytes(b"{}\n")
    (root / "a" / "log_data" / "more").symlink_to(root / "linked", target_is_directory=True)
    (root / "a" / "log_data" / "one.json").symlink_to(root / "linked" / "x.json")

    monkeypatch.setattr(local, "_BY_DESCRIPTOR", by_descriptor)
    source = local.LocalSource(root / "a" / "log_data", root / "a" / "song_data")
    listed = [(f.path, f.location, f.size, f.mtime) for f in source.list_files()]
    log = root / "a" / "log_data"
    assert [p for p, *_ in listed] == [
        "log_data/2018/11/a.json",
        "log_data/2018/11/b.jsonl",
        "log_data/2018/11/c.ndjson.gz",
        "log_data/2018/11/d.json.gz",
        "log_data/more/x.json",
        "log_data/one.json",
        "song_data/A/B/TRX1.json",
        "song_data/s.ndjson",
    ]
    for _, location, size, mtime in listed:
        st = Path(location).stat()
        assert (size, mtime) == (st.st_size, st.st_mtime)
    assert listed[4][1] == str(log / "more" / "x.json")
    assert dict(source.ignored[FileKind.LOG]) == {"*.JSON": 1, "*.bak": 1, "*.txt": 1}
