"""Splitting a batch of file texts into numbered lines (staging/lines.py): every non-blank
line keeps its file and line number however the files are grouped into buffers."""

from __future__ import annotations

import pytest

from sparkify.batch import FileData, FileKind, SourceFile
from sparkify.staging import lines as lines_mod
from sparkify.staging.lines import lines_table


def _data(i: int, text: bytes) -> FileData:
    path = f"song_data/f{i}.json"
    return FileData(SourceFile(path, FileKind.SONG, len(text), path), "c", text)


def _expected(texts: list[bytes], first_idx: int) -> list[tuple[int, int, bytes]]:
    """Every non-blank line as (file index, line number, text without its line end)."""
    out = []
    for i, text in enumerate(texts):
        for n, line in enumerate(text.split(b"\n"), start=1):
            if line.strip():
                out.append((first_idx + i, n, line))
    return out


def _found(texts: list[bytes], first_idx: int) -> list[tuple[int, int, bytes]]:
    table = lines_table([_data(i, t) for i, t in enumerate(texts)], first_idx).to_pydict()
    rows = zip(table["file_idx"], table["line_no"], table["text"], strict=True)
    return [(f, n, t.encode().rstrip(b"\n")) for f, n, t in rows if t.strip()]


@pytest.mark.parametrize("joined_bytes", [500, 4 << 20])
def test_lines_keep_their_file_and_number_across_joined_and_own_buffers(
    joined_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_mod, "_JOINED_BYTES", joined_bytes)  # 500: many small buffers
    big = b"".join(b'{"n": %d}\n' % i for i in range(200_000))  # over 1 MiB: its own buffer
    long_line = b"x" * ((1 << 20) - 1) + b"\n" + b'{"a": 1}\n'  # a line over 1 MiB
    texts = [
        b'{"a": 1}\n{"a": 2}\n',
        b'{"a": 3}',  # no newline at the end
        b"",  # empty
        b"\n\n" + b'{"a": 4}\n',  # records after blank lines keep their numbers
        big,
        b'{"a": 5}\r\n',
        long_line,
        *[b'{"s": %d}\n' % i for i in range(3000)],  # many small files
    ]
    assert _found(texts, 7) == _expected(texts, 7)
