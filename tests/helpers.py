"""Small helpers for tests: run the CLI in-process, load and read warehouses, write input files."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from sparkify.cli import cli
from sparkify.config import load_settings
from sparkify.errors import SparkifyError
from sparkify.pipeline.run import run
from sparkify.schema.model import LOADED_TABLES, MANIFEST, STAR_TABLES
from sparkify.sources import open_source
from sparkify.targets import Target, open_target

STAR = [t.name for t in STAR_TABLES]
#: Every table a load writes: staging, star, load_errors and the manifest (not sparkify_runs,
#: whose run ids and times differ from one warehouse to the next).
EVERY_TABLE = [t.name for t in LOADED_TABLES]
#: Every table but the manifest (whose mtimes and checksums differ between copies of data).
DATA_TABLES = [n for n in EVERY_TABLE if n != MANIFEST.name]
#: The first statement of each stage of a PostgreSQL load that changes files (as the target's
#: tracer sees it): where the fault tests cut the connection or interrupt the run.
POSTGRES_LOAD_STAGES = (
    'DELETE FROM "staging_events"',
    'COPY "staging_events"',
    'COPY "sparkify_manifest"',
    "ANALYZE",
    "TRUNCATE songplays",
    "INSERT INTO songplays",
    "COMMIT",
)


@dataclass
class Outcome:
    """What a CLI invocation did: the exit code ``main()`` would give, output, exception."""

    exit_code: int
    output: str
    exception: BaseException | None


def invoke(*args: str) -> Outcome:
    """Run ``sparkify ARGS`` in-process, mapping errors to exit codes as ``main()`` does."""
    result: Result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    code = result.exit_code
    if isinstance(result.exception, SparkifyError):
        code = int(result.exception.exit_code)
    return Outcome(code, result.output, result.exception)


def source_link(link: Path, folder: Path) -> Path:
    """Point the symbolic link ``link`` at ``folder`` and return ``link``: one source location
    whose contents change between runs (a warehouse is bound to the location), each state
    kept in a folder of its own."""
    if link.is_symlink():
        link.unlink()
    link.symlink_to(folder.absolute(), target_is_directory=True)
    return link


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the warehouse at ``url``."""
    target = open_target(load_settings(overrides={"target": url}))
    target.connect(read_only=True)
    try:
        return target.query(sql)
    finally:
        target.close()


def snapshot(url: str, tables: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` (default: the star schema), sorted, for equality checks."""
    target = open_target(load_settings(overrides={"target": url}))
    target.connect(read_only=True)
    try:
        return {
            name: sorted(target.query(f'SELECT * FROM "{name}"'), key=repr)
            for name in tables or STAR
        }
    finally:
        target.close()


def run_load(url: str, source: Path) -> None:
    """Load ``source`` into the warehouse at ``url`` through the library (``sparkify run``)."""
    settings = load_settings(overrides={"source": str(source), "target": url})
    with open_target(settings) as target:
        run(open_source(settings), target, settings)


def load_checked(url: str, source: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Load ``source`` into ``url`` (its checks must pass); then every loaded table's rows."""
    settings = load_settings(overrides={"source": str(source), "target": url})
    with open_target(settings) as target:
        checked = run(open_source(settings), target, settings).checks
    assert checked.ok, checked.failures
    return snapshot(url, EVERY_TABLE)


def exact_rows(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """What a test compares exactly from :func:`load_checked`'s rows: plays without their
    ``songplay_id`` (ids are the target's own on Redshift), users, songs, artists, and each
    load error's file, line, reason and raw text."""
    return {
        "songplays": sorted(r[1:] for r in rows["songplays"]),
        "users": sorted(rows["users"]),
        "songs": rows["songs"],
        "artists": rows["artists"],
        "load_errors": sorted(r[:4] for r in rows["load_errors"]),
    }


def plant_faults(target: Target, url: str, statements: list[str]) -> None:
    """Run ``statements`` on ``target`` to break the warehouse; ``DROP_PK TABLE`` drops that
    table's primary key where one is enforced (PostgreSQL), so a duplicate can be planted."""
    for sql in statements:
        if sql.startswith("DROP_PK "):
            table = sql.split()[1]
            if url.startswith("postgresql"):
                target.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey"')
            continue
        target.execute(sql)


def daily_source(root: Path, days: int, events: int = 40) -> Path:
    """A source under ``root``: ``days`` log files (``log_data/dayNN.json``) of ``events``
    plays each, by seven users, and three songs (``T1`` is the one played). Calling it again
    with more days rewrites the earlier days with the same bytes and adds the new ones."""
    for day in range(days):
        records: list[dict[str, Any] | str] = [
            event(ts=1541000000000 + day * 86_400_000 + i * 1000, userId=str(i % 7 + 1), song="T1")
            for i in range(events)
        ]
        write_log(root / "log_data" / f"day{day:02d}.json", records)
    for i in range(3):
        write_song(root, song(song_id=f"SO{i}", title=f"T{i}"))
    return root


def write_log(path: Path, records: list[dict[str, Any] | str], *, gz: bool = False) -> Path:
    """A log file with one JSON object (or raw text line) per line."""
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def event(**fields: Any) -> dict[str, Any]:
    """A NextSong log record with sensible defaults, overridden by ``fields``."""
    base: dict[str, Any] = {
        "artist": "Artist",
        "auth": "Logged In",
        "firstName": "Ann",
        "gender": "F",
        "itemInSession": 0,
        "lastName": "Lee",
        "length": 200.0,
        "level": "free",
        "location": "Town, ST",
        "method": "PUT",
        "page": "NextSong",
        "registration": 1540000000000.0,
        "sessionId": 1,
        "song": "Song",
        "status": 200,
        "ts": 1541000000000,
        "userAgent": "agent",
        "userId": "1",
    }
    base.update(fields)
    return base


def song(**fields: Any) -> dict[str, Any]:
    """A song record with sensible defaults, overridden by ``fields``."""
    base: dict[str, Any] = {
        "num_songs": 1,
        "artist_id": "AR1",
        "artist_latitude": None,
        "artist_longitude": None,
        "artist_location": "",
        "artist_name": "Artist",
        "song_id": "SO1",
        "title": "Song",
        "duration": 200.0,
        "year": 2000,
    }
    base.update(fields)
    return base


def write_song(root: Path, record: dict[str, Any] | str, name: str | None = None) -> Path:
    """One song file under ``root/song_data/``."""
    text = record if isinstance(record, str) else json.dumps(record)
    sid = name or (record["song_id"] if isinstance(record, dict) else "X")
    path = root / "song_data" / "A" / "B" / f"{sid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
