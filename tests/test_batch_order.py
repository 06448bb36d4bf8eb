"""The order batches are staged in (pipeline/run.py): log batches in listing order with song
batches between them and a log batch last; files that fit in one batch stay one batch."""

from __future__ import annotations

from sparkify.batch import FileKind, SourceFile
from sparkify.pipeline.run import _ordered_batches


def _files(kind: FileKind, count: int, size: int) -> list[SourceFile]:
    folder = kind.folder
    return [
        SourceFile(f"{folder}/{i:03}.json", kind, size, f"/x/{folder}/{i}") for i in range(count)
    ]


def _names(batches: list[list[SourceFile]]) -> list[list[str]]:
    return [[f.path for f in b] for b in batches]


def test_song_batches_go_between_log_batches_and_a_log_batch_ends() -> None:
    logs, songs = _files(FileKind.LOG, 4, 100), _files(FileKind.SONG, 3, 100)
    batches = _ordered_batches(logs + songs, batch_bytes=200)
    kinds = [{f.kind for f in b} for b in batches]
    assert kinds == [{FileKind.LOG}, {FileKind.SONG}, {FileKind.SONG}, {FileKind.LOG}]
    assert _names(batches) == [
        ["log_data/000.json", "log_data/001.json"],
        ["song_data/000.json", "song_data/001.json"],
        ["song_data/002.json"],
        ["log_data/002.json", "log_data/003.json"],
    ]
    staged_logs = [f.path for b in batches for f in b if f.kind is FileKind.LOG]
    assert staged_logs == [f.path for f in logs]  # event ids are reserved in this order


def test_more_log_batches_than_song_batches() -> None:
    logs, songs = _files(FileKind.LOG, 5, 100), _files(FileKind.SONG, 1, 100)
    batches = _ordered_batches(logs + songs, batch_bytes=100)
    assert _names(batches) == [
        ["log_data/000.json"],
        ["song_data/000.json"],
        ["log_data/001.json"],
        ["log_data/002.json"],
        ["log_data/003.json"],
        ["log_data/004.json"],
    ]


def test_files_that_fit_in_one_batch_stay_one_batch() -> None:
    files = _files(FileKind.LOG, 2, 10) + _files(FileKind.SONG, 2, 10)
    assert _names(_ordered_batches(files, batch_bytes=1000)) == [[f.path for f in files]]
    assert _ordered_batches([], batch_bytes=1000) == []
    songs = _files(FileKind.SONG, 3, 100)
    assert _names(_ordered_batches(songs, batch_bytes=100)) == [[f.path] for f in songs]
