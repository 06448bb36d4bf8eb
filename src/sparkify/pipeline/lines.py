"""Split a batch of file texts into numbered lines, vectorised with Arrow.

No Python loop over lines: the texts are joined into one buffer and checked as UTF-8 by
Arrow; NumPy finds the newlines, and the lines become an Arrow string array whose offsets
point into that buffer; file and line numbers come from ``searchsorted``.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from sparkify.pipeline.read import FileData, fix_encoding

_CHUNK = 1 << 20


def _newlines(buf: bytes) -> np.ndarray:
    """Positions of every ``\\n`` in ``buf``, scanned in cache-sized chunks (one boolean
    mask reused, so no buffer as large as the input is allocated)."""
    data = np.frombuffer(buf, dtype=np.uint8)
    mask = np.empty(min(_CHUNK, max(len(data), 1)), dtype=bool)
    found = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        np.equal(chunk, 10, out=mask[: len(chunk)])
        found.append(np.flatnonzero(mask[: len(chunk)]) + start)
    return np.concatenate(found)


def _joined(datas: list[FileData]) -> tuple[bytes, np.ndarray]:
    """All texts in one buffer, each ending with a newline, and where each file starts."""
    parts: list[bytes] = []
    starts = np.zeros(len(datas), dtype=np.int64)
    pos = 0
    for i, d in enumerate(datas):
        starts[i] = pos
        parts.append(d.text)
        pos += len(d.text)
        if d.text and not d.text.endswith(b"\n"):
            parts.append(b"\n")
            pos += 1
    return b"".join(parts), starts


def _check_utf8(buf: bytes) -> bool:
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(),
        1,
        [None, pa.py_buffer(np.array([0, len(buf)], np.int64)), pa.py_buffer(buf)],
    )
    try:
        binary.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def lines_table(datas: list[FileData], first_idx: int) -> pa.Table:
    """A table ``(file_idx, line_no, seq, text)`` with one row per line of every file (the
    text keeps its line end); ``file_idx`` counts from ``first_idx`` in the order of
    ``datas``. The rows point into one shared buffer: nothing is copied per line."""
    buf, file_starts = _joined(datas)
    if not _check_utf8(buf):
        for d in datas:
            fix_encoding(d)
        buf, file_starts = _joined(datas)
    ends = _newlines(buf) + 1
    starts = np.concatenate([np.zeros(min(1, len(ends)), dtype=np.int64), ends[:-1]])
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), ends])
    text = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(buf))
    file_of_line = np.searchsorted(file_starts, starts, side="right") - 1
    first_line = np.searchsorted(starts, file_starts)
    line_no = np.arange(len(ends), dtype=np.int64) - first_line[file_of_line] + 1
    return pa.table(
        {
            "file_idx": pa.array(file_of_line + first_idx, pa.int32()),
            "line_no": pa.array(line_no, pa.int32()),
            "seq": pa.array(np.zeros(len(ends), dtype=np.int32)),
            "text": text,
        }
    )


def stream_objects(text: str) -> list[tuple[int, str]] | None:
    """Split a file holding JSON values that span lines or share a line (pretty-printed or
    concatenated) into ``(line, text)`` pairs; ``None`` if it is not such a stream.

    Only called for files where line-by-line reading found invalid JSON.
    """
    decoder = json.JSONDecoder()
    out: list[tuple[int, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return out
        try:
            _, end = decoder.raw_decode(text, pos)
        except ValueError:
            return None
        out.append((text.count("\n", 0, pos) + 1, text[pos:end]))
        pos = end
