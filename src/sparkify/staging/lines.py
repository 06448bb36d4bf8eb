"""Split a batch of file texts into numbered lines, vectorised with Arrow.

No Python loop over lines: the texts are joined into one buffer and checked as UTF-8 by
Arrow; NumPy finds the newlines, and the lines become an Arrow string array whose offsets
point into that buffer; file and line numbers come from ``searchsorted``. Only a file whose
bytes are not valid UTF-8 is split in Python (:func:`fix_encoding`, the rare slow path), so that
only its bad lines are rejected.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from sparkify.batch import FileData, Reject

#: Files at least this big get an Arrow chunk of their own (no copy); smaller ones are joined.
_OWN_CHUNK = 1 << 20
#: Joined small files per chunk, at most.
_JOINED_BYTES = 4 << 20


def fix_encoding(data: FileData) -> None:
    """Blank out the lines of ``data`` that are not UTF-8 (keeping line numbers) and reject
    them. Called only for files the batch-wide UTF-8 check found invalid."""
    try:
        data.text.decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    lines = data.text.split(b"\n")
    rejects: list[Reject] = []
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            raw = line.decode("utf-8", errors="backslashreplace")
            rejects.append(Reject(i + 1, f"invalid UTF-8 at byte {e.start}", raw))
            lines[i] = b""
    data.text = b"\n".join(lines)
    data.rejects.extend(rejects)


def _newlines(buf: bytes) -> np.ndarray:
    """Positions of every ``\\n`` in ``buf``."""
    return np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)


def _joined(datas: list[FileData]) -> tuple[bytes, np.ndarray]:
    """The texts in one buffer, each ending with a newline, and where each file starts."""
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


def _is_utf8(buf: bytes) -> bool:
    """Whether ``buf`` is valid UTF-8: Arrow's full validation of one string spanning it (no
    copy, and no import of ``pyarrow.compute``)."""
    text = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(buf)], np.int64)), pa.py_buffer(buf)
    )
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _buffer(datas: list[FileData]) -> tuple[bytes, np.ndarray]:
    """One file's own bytes (no copy), or several files joined; and where each starts."""
    if len(datas) == 1:
        return datas[0].text, np.zeros(1, dtype=np.int64)
    return _joined(datas)


def _chunk(datas: list[FileData], first_idx: int) -> pa.RecordBatch:
    """The lines of ``datas`` as one record batch over one buffer: a big file's own bytes, or
    small files joined. A last line without a newline ends at the end of its file."""
    buf, file_starts = _buffer(datas)
    if not _is_utf8(buf):
        for d in datas:
            fix_encoding(d)
        buf, file_starts = _buffer(datas)
    ends = _newlines(buf) + 1
    if len(buf) and buf[-1:] != b"\n":
        ends = np.append(ends, len(buf))
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), ends])
    starts = offsets[:-1]
    text = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(buf))
    file_of_line = np.searchsorted(file_starts, starts, side="right") - 1
    first_line = np.searchsorted(starts, file_starts)
    line_no = np.arange(len(ends), dtype=np.int64) - first_line[file_of_line] + 1
    return pa.record_batch(
        [
            pa.array(file_of_line + first_idx, pa.int32()),
            pa.array(line_no, pa.int32()),
            pa.array(np.zeros(len(ends), dtype=np.int32)),
            text,
        ],
        schema=LINES_SCHEMA,
    )


LINES_SCHEMA = pa.schema(
    [
        ("file_idx", pa.int32()),
        ("line_no", pa.int32()),
        ("seq", pa.int32()),
        ("text", pa.large_string()),
    ]
)


def lines_table(datas: list[FileData], first_idx: int) -> pa.Table:
    """A table ``(file_idx, line_no, seq, text)`` with one row per line of every file (the
    text keeps its line end); ``file_idx`` counts from ``first_idx`` in the order of
    ``datas``. Big files are scanned in place and small ones joined into shared buffers, so
    nothing is copied per line and big files are not copied at all."""
    batches: list[pa.RecordBatch] = []
    group: list[FileData] = []
    group_start = size = 0

    def flush() -> None:
        nonlocal group, size
        if group:
            batches.append(_chunk(group, first_idx + group_start))
        group, size = [], 0

    for i, d in enumerate(datas):
        if len(d.text) >= _OWN_CHUNK:
            flush()
            batches.append(_chunk([d], first_idx + i))
            continue
        if size + len(d.text) > _JOINED_BYTES:
            flush()
        if not group:
            group_start = i
        group.append(d)
        size += len(d.text)
    flush()
    return pa.Table.from_batches(batches, schema=LINES_SCHEMA)


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
