"""Arrow record batches as ``COPY … (FORMAT binary)`` data, built column by column.

PostgreSQL parses its binary format in about half the time it takes for CSV (no text to
scan for delimiters, quotes and numbers), and building it here costs less than Arrow's CSV
writer: every fixed-width field becomes a big-endian NumPy column, the fields between two
text values are packed into one fixed-size record per row, and Arrow's
``binary_join_element_wise`` concatenates records and text values row by row. No Python code
runs per row.

A row is a 16-bit field count, then each field as a 32-bit length (-1 for NULL) and its
bytes: int8/int4/float8 big-endian, timestamp as microseconds since 2000-01-01, text as its
UTF-8 bytes. The target columns must have exactly these types (see
:func:`binary_types_match`); NUL characters are removed from text, as for CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparkify.schema.model import ColumnType

#: The file header: signature, flags, header-extension length.
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"
_EPOCH_2000_US = 946_684_800_000_000
_NO_SEPARATOR = pa.scalar(b"", pa.large_binary())

#: Arrow type to cast to, and the big-endian NumPy type of the value, per fixed-width type.
_FIXED: dict[ColumnType, tuple[pa.DataType, str]] = {
    ColumnType.BIGINT: (pa.int64(), ">i8"),
    ColumnType.INTEGER: (pa.int32(), ">i4"),
    ColumnType.DOUBLE: (pa.float64(), ">f8"),
    ColumnType.TIMESTAMP: (pa.timestamp("us"), ">i8"),
}

#: PostgreSQL type names (``pg_type.typname``) that receive each column type's binary form.
PG_TYPE_NAMES: dict[ColumnType, frozenset[str]] = {
    ColumnType.BIGINT: frozenset({"int8"}),
    ColumnType.INTEGER: frozenset({"int4"}),
    ColumnType.DOUBLE: frozenset({"float8"}),
    ColumnType.TEXT: frozenset({"varchar", "text"}),
    ColumnType.TIMESTAMP: frozenset({"timestamp"}),
}


def binary_types_match(expected: Sequence[ColumnType], actual: Sequence[str | None]) -> bool:
    """Whether columns of PostgreSQL types ``actual`` (None: no such column) accept the binary
    form of ``expected``."""
    return len(expected) == len(actual) and all(
        a in PG_TYPE_NAMES[e] for e, a in zip(expected, actual, strict=True)
    )


class _Record:
    """Fixed-width fields collected for consecutive columns, packed into one value per row."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.fields: list[tuple[str, np.ndarray | int]] = []

    def add(self, dtype: str, values: np.ndarray | int) -> None:
        self.fields.append((dtype, values))

    def flush(self) -> pa.Array | None:
        """The fields so far as one binary value per row (None if there are none)."""
        if not self.fields:
            return None
        layout = np.dtype([(f"f{i}", d) for i, (d, _) in enumerate(self.fields)])
        packed = np.empty(self.rows, dtype=layout)
        for i, (_, values) in enumerate(self.fields):
            packed[f"f{i}"] = values
        self.fields = []
        fixed = pa.Array.from_buffers(
            pa.binary(layout.itemsize), self.rows, [None, pa.py_buffer(packed)]
        )
        return fixed.cast(pa.large_binary())


def _text(column: pa.Array) -> pa.Array:
    """The column as UTF-8 bytes without NUL characters (NULLs stay NULL)."""
    text = column.cast(pa.large_string())
    data = text.buffers()[2]
    if data is not None and not np.all(np.frombuffer(data, dtype=np.uint8)):
        text = pc.replace_substring(text, "\x00", "")
    return text.cast(pa.large_binary())


def _numbers(column: pa.Array, kind: ColumnType) -> tuple[np.ndarray, np.ndarray | None]:
    """The column's values as a NumPy array of the wire type, and which are valid (None when
    all are)."""
    arrow_type, dtype = _FIXED[kind]
    typed = column.cast(arrow_type)
    if kind is ColumnType.TIMESTAMP:
        typed = typed.cast(pa.int64())
    values = typed.fill_null(0).to_numpy(zero_copy_only=False)
    if kind is ColumnType.TIMESTAMP:
        values = values - _EPOCH_2000_US
    valid = None
    if typed.null_count:
        valid = typed.is_valid().to_numpy(zero_copy_only=False)
    return values.astype(dtype), valid


def _compacted(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """The valid values as binary values of their width, NULLs as empty values."""
    width = values.dtype.itemsize
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(valid * width, out=offsets[1:])
    data = np.ascontiguousarray(values[valid])
    return pa.Array.from_buffers(
        pa.large_binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _rows(batch: pa.RecordBatch, types: Sequence[ColumnType]) -> memoryview:
    rows = batch.num_rows
    parts: list[pa.Array] = []
    record = _Record(rows)

    def flush() -> None:
        packed = record.flush()
        if packed is not None:
            parts.append(packed)

    record.add(">i2", len(types))
    for column, kind in zip(batch.columns, types, strict=True):
        if kind is ColumnType.TEXT:
            text = _text(column)
            lengths = pc.binary_length(text).fill_null(-1).to_numpy(zero_copy_only=False)
            record.add(">i4", lengths)
            flush()
            parts.append(text)
            continue
        values, valid = _numbers(column, kind)
        width = values.dtype.itemsize
        if valid is None:
            record.add(">i4", width)
            record.add(values.dtype.str, values)
            continue
        record.add(">i4", np.where(valid, width, -1))
        flush()
        parts.append(_compacted(values, valid))
    flush()
    joined = pc.binary_join_element_wise(*parts, _NO_SEPARATOR, null_handling="replace")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset :]
    data = joined.buffers()[2]
    return memoryview(data)[int(offsets[0]) : int(offsets[rows])]


def binary_chunks(
    batches: Iterable[pa.RecordBatch], types: Sequence[ColumnType]
) -> Iterator[bytes | memoryview]:
    """The data of a binary COPY (``FORMAT binary``) for ``batches`` whose columns have
    ``types``: the header, the rows of each batch, the trailer."""
    yield HEADER
    for batch in batches:
        if batch.num_rows:
            yield _rows(batch, types)
    yield TRAILER
