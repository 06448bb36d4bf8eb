"""Split a batch of file texts into numbered lines, vectorised with Arrow.

No Python loop over lines: the texts are joined into one buffer and checked as UTF-8 by
Arrow; NumPy finds the newlines, and the lines become an Arrow string array whose offsets
point into that buffer; file and line numbers come from ``searchsorted``. Only a file whose
bytes are not valid UTF-8 is split in Python (:func:`fix_encoding`, the rare slow path), so that
only its bad lines are rejected.
"""

from __future__ import annotations

import json
from itertools import pairwise

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
    """Positions of every ``\\n`` in ``buf``: one NumPy pass over the whole buffer. (Searching
    it a slice at a time with a reused mask faults in fewer pages, but while the reader thread
    reads the next batch each slice waits for the GIL: slower in a load.)"""
    return np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)


def _joined(datas: list[FileData]) -> tuple[bytes, np.ndarray]:
    """The texts in one buffer, each followed by a newline, and where each file starts. A file
    that already ends with one is followed by a blank line, which is no record and does not
    move its line numbers; the join and the offsets need no Python step per file."""
    texts = [d.text for d in datas]
    starts = np.zeros(len(texts), dtype=np.int64)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    np.cumsum(sizes[:-1] + 1, out=starts[1:])
    return b"\n".join(texts) + b"\n", starts


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
    sizes = np.fromiter((len(d.text) for d in datas), dtype=np.int64, count=len(datas))
    own = sizes >= _OWN_CHUNK
    # small files join while their running size stays in one _JOINED_BYTES bucket
    bucket = np.cumsum(np.where(own, 0, sizes)) // _JOINED_BYTES
    starts = np.ones(len(datas), dtype=bool)
    starts[1:] = own[1:] | own[:-1] | (bucket[1:] != bucket[:-1])
    bounds = [*np.flatnonzero(starts).tolist(), len(datas)]
    batches = [_chunk(datas[a:b], first_idx + a) for a, b in pairwise(bounds)]
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
