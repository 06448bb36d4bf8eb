"""The original Sparkify design on PostgreSQL, as a baseline: one Python process reads each
file in turn, ``json.loads`` every record, streams the rows with ``COPY ... FROM STDIN`` into
the staging tables, then builds the star schema with plain ``INSERT … SELECT`` statements
(sparkify's own transform SQL rendered for PostgreSQL, so both produce the same rows).

No rejection handling, no manifest, no checks: this is what the load costs when done simply.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg

from sparkify.schema.model import ALL_TABLES, STAGING_EVENTS, STAGING_SONGS, Table
from sparkify.schema.render import PostgresRenderer
from sparkify.sql import statements


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for folder, _, names in os.walk(root, followlinks=True):
        out.extend(Path(folder) / n for n in names if n.endswith(".json"))
    return sorted(out)


def _copy_sql(table: Table) -> str:
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    return f'COPY "{table.name}" ({cols}) FROM STDIN'


def _copy_files(cur: psycopg.Cursor[Any], table: Table, root: Path, base: Path) -> int:
    """COPY every record of the files under ``root`` into ``table``; returns the row count."""
    keys = [c.json_key for c in table.columns if c.json_key]
    numbered = table is STAGING_EVENTS
    rows = 0
    with cur.copy(_copy_sql(table)) as copy:
        for path in _files(root):
            name = path.relative_to(base).as_posix()
            text = path.read_text(encoding="utf-8")
            for line_no, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                record = json.loads(line)
                values = [record.get(k) for k in keys]
                rows += 1
                head = [rows] if numbered else []
                copy.write_row([*head, *values, name, line_no])
    return rows


def load(url: str, root: Path) -> tuple[float, dict[str, float], dict[str, int]]:
    """Create the tables in the (empty) database at ``url`` and load ``root`` the classic way;
    returns (seconds, {stage, transform}, row counts)."""
    renderer = PostgresRenderer()
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table in ALL_TABLES:
            cur.execute(renderer.create_table(table).encode())
        events = _copy_files(cur, STAGING_EVENTS, root / "log_data", root)
        songs = _copy_files(cur, STAGING_SONGS, root / "song_data", root)
        conn.commit()
        staged = time.perf_counter()
        for stmt in statements("transform", renderer):
            cur.execute(stmt.sql.encode())
        conn.commit()
        done = time.perf_counter()
        counts = {"staging_events": events, "staging_songs": songs}
        for name in ("songplays", "users", "songs", "artists", "time"):
            cur.execute(f'SELECT count(*) FROM "{name}"'.encode())
            row = cur.fetchone()
            counts[name] = int(row[0]) if row else 0
    return done - started, {"stage": staged - started, "transform": done - staged}, counts
