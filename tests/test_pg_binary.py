"""The binary COPY encoder (targets/postgres/binary.py) against a real PostgreSQL server: the same
Arrow batches loaded through ``FORMAT binary`` and through ``FORMAT csv`` give the same rows,
for edge values of every column type, NULLs in any column, several and empty batches, and
sliced batches. And a warehouse column whose type was changed is loaded as CSV instead."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from sparkify.config import load_settings
from sparkify.pipeline.run import run
from sparkify.schema.model import Column, ColumnType, Table, TableKind
from sparkify.schema.render import PostgresRenderer
from sparkify.sources import open_source
from sparkify.targets import open_target
from sparkify.targets.postgres.binary import HEADER, TRAILER, binary_chunks, binary_types_match
from sparkify.targets.postgres.copy_writer import csv_chunks

TABLE = Table(
    "edge",
    TableKind.STAGING,
    (
        Column("big", ColumnType.BIGINT),
        Column("word", ColumnType.TEXT, width=64),
        Column("small", ColumnType.INTEGER),
        Column("real", ColumnType.DOUBLE),
        Column("note", ColumnType.TEXT, width=64),
        Column("at", ColumnType.TIMESTAMP),
    ),
)
SCHEMA = pa.schema(
    [
        ("big", pa.int64()),
        ("word", pa.string()),
        ("small", pa.int32()),
        ("real", pa.float64()),
        ("note", pa.large_string()),
        ("at", pa.timestamp("us")),
    ]
)
ROWS = [
    (0, "", 0, 0.0, None, dt.datetime(2000, 1, 1)),
    (-(2**63), "tab\there", -(2**31), -0.0, "new\nline", dt.datetime(1969, 12, 31, 23, 59, 59, 1)),
    (
        2**63 - 1,
        'quote " and \\ backslash',
        2**31 - 1,
        1e-300,
        "",
        dt.datetime(2018, 11, 8, 5, 27, 40, 418000),
    ),
    (None, None, None, None, None, None),
    (7, "ünïcødé ✓ 🎵", None, math.inf, "crlf\r\n", None),
    (None, "nul\x00inside", 5, -math.inf, "\x00", dt.datetime(1, 1, 1)),
    (42, "x" * 10_000, 6, 3.141592653589793, "end", dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
]


def _batch(rows: list[tuple[object, ...]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in SCHEMA]
    return pa.record_batch(
        [pa.array(list(values), type=f.type) for values, f in zip(columns, SCHEMA, strict=True)],
        schema=SCHEMA,
    )


@pytest.fixture
def con(pg_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(pg_url, autocommit=True) as c:
        ddl = PostgresRenderer().create_table(TABLE)
        for name in ("edge_csv", "edge_bin"):
            c.execute(ddl.replace('"edge"', f'"{name}"'))
        yield c


def _load(
    con: psycopg.Connection[tuple[object, ...]], name: str, batches: list[pa.RecordBatch]
) -> list[tuple[object, ...]]:
    binary = name == "edge_bin"
    cols = TABLE.column_names
    sql = (
        PostgresRenderer()
        .copy_from_stdin(TABLE, cols, binary=binary)
        .replace('"edge"', f'"{name}"')
    )
    chunks = (
        binary_chunks(batches, [c.type for c in TABLE.columns]) if binary else csv_chunks(batches)
    )
    with con.cursor() as cur, cur.copy(sql) as copy:
        for chunk in chunks:
            copy.write(chunk)
    return con.execute(
        f'SELECT * FROM "{name}" ORDER BY big NULLS FIRST, word NULLS FIRST'
    ).fetchall()


def test_binary_and_csv_load_the_same_rows(con: psycopg.Connection[tuple[object, ...]]) -> None:
    batches = [_batch(ROWS[:3]), _batch([]), _batch(ROWS[3:])]
    via_csv = _load(con, "edge_csv", batches)
    via_binary = _load(con, "edge_bin", batches)
    assert len(via_binary) == len(ROWS)
    assert via_binary == via_csv
    by_big = {r[0]: r for r in via_binary}
    assert by_big[2**63 - 1][1] == 'quote " and \\ backslash'
    assert by_big[2**63 - 1][5] == dt.datetime(2018, 11, 8, 5, 27, 40, 418000)
    assert by_big[-(2**63)][5] == dt.datetime(1969, 12, 31, 23, 59, 59, 1)
    assert by_big[7][3] == math.inf and by_big[7][2] is None and by_big[7][5] is None
    nul = [r for r in via_binary if r[1] == "nulinside"]
    assert nul and nul[0][4] == ""  # NUL characters removed, as the CSV path does
    assert next(r for r in via_binary if r[0] == 0)[1:5] == ("", 0, 0.0, None)


def test_sliced_batches_and_all_null_columns(con: psycopg.Connection[tuple[object, ...]]) -> None:
    whole = _batch(ROWS)
    batches = [whole.slice(1, 3), whole.slice(4), _batch([ROWS[3], ROWS[3]])]
    assert _load(con, "edge_bin", batches) == _load(con, "edge_csv", batches)


def test_empty_input_is_a_header_and_a_trailer() -> None:
    assert b"".join(bytes(c) for c in binary_chunks([], [ColumnType.TEXT])) == HEADER + TRAILER


def test_types_that_receive_the_binary_form() -> None:
    kinds = [ColumnType.BIGINT, ColumnType.TEXT, ColumnType.DOUBLE]
    assert binary_types_match(kinds, ["int8", "varchar", "float8"])
    assert binary_types_match(kinds, ["int8", "text", "float8"])
    assert not binary_types_match(kinds, ["int4", "varchar", "float8"])
    assert not binary_types_match(kinds, ["int8", "varchar", None])


def test_a_column_whose_type_was_changed_is_loaded_as_csv(pg_url: str, sample: Path) -> None:
    s = load_settings(overrides={"source": str(sample), "target": pg_url})
    with open_target(s) as target:
        run(open_source(s), target, s)
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("ALTER TABLE staging_songs ALTER COLUMN year TYPE bigint")
        before = c.execute("SELECT count(*), sum(year) FROM staging_songs").fetchone()
    seen: list[str] = []
    with open_target(s, tracer=seen.append) as target:
        run(open_source(s), target, s, full_refresh=True)
    copies = {q.split(" (")[0]: q.rsplit("FORMAT ", 1)[1] for q in seen if q.startswith("COPY")}
    # a full refresh empties staging, so both are loaded frozen
    assert copies['COPY "staging_songs"'] == "csv, FREEZE)"
    assert copies['COPY "staging_events"'] == "binary, FREEZE)"
    with psycopg.connect(pg_url, autocommit=True) as c:
        assert c.execute("SELECT count(*), sum(year) FROM staging_songs").fetchone() == before
