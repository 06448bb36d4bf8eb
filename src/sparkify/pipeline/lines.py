"""Split a batch of file texts into numbered lines, vectorised with Arrow.

No Python loop over lines: the texts are joined into one buffer, checked as UTF-8 and split
by Arrow's compute kernels; line numbers come from the list offsets with NumPy.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparkify.pipeline.read import FileData, fix_encoding


def _as_strings(datas: list[FileData]) -> pa.LargeStringArray:
    sizes = np.fromiter((len(d.text) for d in datas), dtype=np.int64, count=len(datas))
    offsets = np.zeros(len(datas) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    data = pa.py_buffer(b"".join(d.text for d in datas))
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(datas), [None, pa.py_buffer(offsets), data]
    )
    return binary.cast(pa.large_string())


def lines_table(datas: list[FileData], first_idx: int) -> pa.Table:
    """A table ``(file_idx, line_no, seq, text)`` with one row per line of every file;
    ``file_idx`` counts from ``first_idx`` in the order of ``datas``."""
    try:
        texts = _as_strings(datas)
    except pa.ArrowInvalid:
        for d in datas:
            fix_encoding(d)
        texts = _as_strings(datas)
    parts = pc.split_pattern(texts, "\n")
    flat = parts.flatten()
    parent = pc.list_parent_indices(parts).to_numpy().astype(np.int64)
    starts = parts.offsets.to_numpy()[:-1].astype(np.int64)
    line_no = np.arange(len(flat), dtype=np.int64) - starts[parent] + 1
    return pa.table(
        {
            "file_idx": pa.array(parent + first_idx, pa.int32()),
            "line_no": pa.array(line_no, pa.int32()),
            "seq": pa.array(np.zeros(len(flat), dtype=np.int32)),
            "text": flat,
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
