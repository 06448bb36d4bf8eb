"""The approaches the benchmark compares; each runs inside its own worker process.

Every function takes a :class:`Job` and returns an :class:`Outcome`: wall-clock seconds of the
measured work (imports and setup excluded), a split into parts, and counts to cross-check.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sparkify.schema.model import ALL_TABLES, STAGING_EVENTS, STAGING_SONGS, Table
from sparkify.schema.render import DuckDBRenderer

DUCK_TYPES = {"bigint": "BIGINT", "integer": "INTEGER", "double": "DOUBLE", "text": "VARCHAR"}
STAR = ("songplays", "users", "songs", "artists", "time")
READ_THREADS = 8  # like sparkify's LocalSource: reading files is I/O bound
READ_CHUNK = 2_000  # files per thread-pool task: one task per tiny file costs more than the read


@dataclass(frozen=True)
class Job:
    """What a worker runs: one approach on one data set, with the settings to use."""

    approach: str
    full: str
    incremental: str
    work: str
    memory_limit: str
    threads: int | None
    pg_dsn: str
    pg_database: str
    profile: str | None = None


@dataclass
class Outcome:
    """The measured result of one approach."""

    seconds: float
    parts: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)
    statements: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class NotAvailable(Exception):
    """The approach cannot run here (missing module or server); the message says why."""


def input_files(root: Path, kind: str) -> list[str]:
    """Every ``*.json`` file below ``root/<kind>_data``, sorted (symlinks followed)."""
    out: list[str] = []
    for folder, _, names in os.walk(root / f"{kind}_data", followlinks=True):
        out.extend(os.path.join(folder, n) for n in names if n.endswith(".json"))
    return sorted(out)


def json_columns(table: Table) -> str:
    """The explicit ``columns={...}`` struct for ``read_json``: input keys and types."""
    cols = [c for c in table.columns if c.json_key]
    return "{" + ", ".join(f"'{c.json_key}': '{DUCK_TYPES[c.type.value]}'" for c in cols) + "}"


def duck_connect(job: Job, path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured like sparkify's target: the benchmark's memory limit
    and threads, insertion order not preserved (with DuckDB's default, ``read_json`` over
    20,000 song files runs out of memory at 1 GB)."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": job.memory_limit,
        "preserve_insertion_order": False,
    }
    if job.threads:
        config["threads"] = job.threads
    return duckdb.connect(path, config=config)


def read_all(paths: list[str]) -> int:
    """Read every file's bytes with a thread pool, in chunks of files; the total size."""

    def chunk(part: list[str]) -> int:
        total = 0
        for path in part:
            fd = os.open(path, os.O_RDONLY)
            try:
                total += len(os.read(fd, os.fstat(fd).st_size + 1))
            finally:
                os.close(fd)
        return total

    parts = [paths[i : i + READ_CHUNK] for i in range(0, len(paths), READ_CHUNK)]
    with ThreadPoolExecutor(READ_THREADS) as pool:
        return sum(pool.map(chunk, parts))


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


# -- (a) the floor ----------------------------------------------------------------------------


def floor(job: Job) -> Outcome:
    """DuckDB parsing every column of every log record + Python reading every song file."""
    started = time.perf_counter()
    logs = input_files(Path(job.full), "log")
    cols = [c for c in STAGING_EVENTS.columns if c.json_key]
    aggregates = ", ".join(f'count("{c.json_key}")' for c in cols)
    con = duck_connect(job)
    row = con.execute(
        f"SELECT count(*), {aggregates} FROM read_json({_sql_list(logs)}, "
        f"format='newline_delimited', columns={json_columns(STAGING_EVENTS)})"
    ).fetchone()
    con.close()
    logs_done = time.perf_counter()
    songs = input_files(Path(job.full), "song")
    listed = time.perf_counter()
    song_bytes = read_all(songs)
    done = time.perf_counter()
    return Outcome(
        seconds=done - started,
        parts={"logs": logs_done - started, "songs": done - logs_done},
        counts={
            "events": int(row[0]) if row else 0,
            "song_files": len(songs),
            "song_bytes": song_bytes,
        },
        notes=[f"song listing {listed - logs_done:.2f}s of the songs part"],
    )


# -- (b) the naive DuckDB load ----------------------------------------------------------------


def _naive_select(table: Table, pattern: str, ndjson: bool) -> str:
    names = ", ".join(f'"{c.json_key}" AS "{c.name}"' for c in table.columns if c.json_key)
    ident = "row_number() OVER () AS event_id, " if table is STAGING_EVENTS else ""
    fmt = "format='newline_delimited', " if ndjson else ""
    return (
        f"SELECT {ident}{names}, filename AS source_file, 0 AS source_line "
        f"FROM read_json({_sql_list([pattern])}, {fmt}columns={json_columns(table)}, "
        "filename=true)"
    )


def naive_duckdb(job: Job) -> Outcome:
    """``read_json`` straight into the staging tables, then sparkify's transform SQL."""
    from sparkify.sql import statements

    renderer = DuckDBRenderer()
    started = time.perf_counter()
    con = duck_connect(job, str(Path(job.work) / "naive.duckdb"))
    for table in ALL_TABLES:
        con.execute(renderer.create_table(table))
    root = Path(job.full)
    for table, kind in ((STAGING_EVENTS, "log"), (STAGING_SONGS, "song")):
        cols = ", ".join(f'"{n}"' for n in table.column_names)
        select = _naive_select(table, f"{root}/{kind}_data/**/*.json", ndjson=kind == "log")
        con.execute(f'INSERT INTO "{table.name}" ({cols}) {select}')
    staged = time.perf_counter()
    for stmt in statements("transform", renderer):
        con.execute(stmt.sql)
    done = time.perf_counter()
    counts = {
        name: int((con.execute(f'SELECT count(*) FROM "{name}"').fetchone() or (0,))[0])
        for name in ("staging_events", "staging_songs", *STAR)
    }
    con.close()
    return Outcome(done - started, {"stage": staged - started, "transform": done - staged}, counts)


# -- (c, d) sparkify on DuckDB ----------------------------------------------------------------


class TimingReporter:
    """A sparkify Reporter that records how long each task took."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        """Remember when ``task`` began."""
        self.started[task] = time.perf_counter()

    def advance(self, task: str, amount: float = 1) -> None:
        """Progress is not timed."""
        return None

    def finish(self, task: str) -> None:
        """Add the task's duration."""
        began = self.started.pop(task, None)
        if began is not None:
            self.seconds[task] = self.seconds.get(task, 0.0) + time.perf_counter() - began

    def note(self, message: str) -> None:
        """Notes are not timed."""
        return None


class StatementClock:
    """A target tracer timing each traced statement as the interval until the next one
    (so untraced work in between, such as the parser, is charged to the statement before)."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, str]] = []

    def __call__(self, sql: str) -> None:
        self.marks.append((time.perf_counter(), " ".join(sql.split())[:90]))

    def top(self, end: float, n: int = 12) -> list[dict[str, Any]]:
        """The ``n`` slowest statements (same text summed), slowest first."""
        totals: dict[str, list[float]] = {}
        ends = [t for t, _ in self.marks[1:]] + [end]
        for (t, sql), nxt in zip(self.marks, ends, strict=True):
            entry = totals.setdefault(sql, [0.0, 0.0])
            entry[0] += nxt - t
            entry[1] += 1
        ranked = sorted(totals.items(), key=lambda kv: -kv[1][0])[:n]
        return [{"sql": s, "seconds": round(v[0], 3), "times": int(v[1])} for s, v in ranked]


def run_sparkify(job: Job, url: str, source: str) -> Outcome:
    """``sparkify.pipeline.run.run`` from ``source`` into ``url``, timed per stage: ``list``
    (the source listing, done first as the CLI does), ``stage`` and ``transform`` (the
    pipeline's progress tasks), ``etl other`` (manifest, row counts, commit) and
    ``check+create`` (connect, create missing tables, the checks)."""
    from sparkify.config import load_settings
    from sparkify.pipeline.run import run
    from sparkify.sources import open_source
    from sparkify.targets import open_target

    overrides = {"source": source, "target": url, "memory_limit": job.memory_limit}
    settings = load_settings(
        overrides=overrides | ({"threads": job.threads} if job.threads else {})
    )
    reporter, clock = TimingReporter(), StatementClock()
    started = time.perf_counter()
    src = open_source(settings)
    files = src.list_files()
    listed = time.perf_counter()
    with open_target(settings, tracer=clock) as target:
        result = run(src, target, settings, reporter=reporter, files=files)
    done = time.perf_counter()
    stage = reporter.seconds.get("Staging", 0.0)
    transform = reporter.seconds.get("Transforming", 0.0)
    parts = {
        "list": listed - started,
        "stage": stage,
        "transform": transform,
        "etl other": result.etl.seconds - stage - transform,
        "check+create": done - listed - result.etl.seconds,
    }
    counts = {
        "files_new": result.etl.files_new,
        "files_skipped": result.etl.files_skipped,
        "events_staged": result.etl.events_staged,
        "songs_staged": result.etl.songs_staged,
        "rejected": result.etl.rejected,
        **result.etl.table_counts,
    }
    notes = (
        [] if result.checks.ok else [f"checks failed: {[r.name for r in result.checks.failures]}"]
    )
    return Outcome(done - started, parts, counts, clock.top(done), notes)


def _source_link(job: Job, folder: str) -> str:
    """One source path for the full and the incremental load, as a folder that gains a day
    looks to a warehouse bound to it: a symbolic link, pointed at ``folder``."""
    link = Path(job.work) / "source"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(Path(folder).resolve(), target_is_directory=True)
    return str(link)


def sparkify_duckdb(job: Job) -> Outcome:
    """The full load into a new DuckDB file."""
    db = Path(job.work) / "sparkify.duckdb"
    if db.exists():
        db.unlink()
    return run_sparkify(job, f"duckdb:///{db}", _source_link(job, job.full))


def sparkify_duckdb_incremental(job: Job) -> Outcome:
    """One more day of events on top of the full load's warehouse (the same source path)."""
    db = Path(job.work) / "sparkify.duckdb"
    if not db.exists():
        raise NotAvailable("needs the warehouse of sparkify-duckdb (run it first)")
    return run_sparkify(job, f"duckdb:///{db}", _source_link(job, job.incremental))


# -- (e, f) PostgreSQL ------------------------------------------------------------------------


def fresh_pg_database(job: Job) -> str:
    """Drop and create the benchmark database; its URL. ``NotAvailable`` without a server."""
    try:
        import psycopg
    except ImportError as e:
        raise NotAvailable(f"psycopg is not installed ({e})") from e
    try:
        admin = psycopg.connect(f"{job.pg_dsn}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        raise NotAvailable(f"PostgreSQL not reachable at {job.pg_dsn}: {e}") from e
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{job.pg_database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{job.pg_database}"')
    return f"{job.pg_dsn}/{job.pg_database}"


def sparkify_postgres(job: Job) -> Outcome:
    """The full load through sparkify's PostgreSQL target."""
    import importlib.util

    if importlib.util.find_spec("sparkify.targets.postgres") is None:
        raise NotAvailable("sparkify.targets.postgres is not part of this build yet")
    return run_sparkify(job, fresh_pg_database(job), job.full)


def classic_postgres(job: Job) -> Outcome:
    """The original design: json.loads per record, COPY, INSERT…SELECT."""
    from classic_postgres import load

    url = fresh_pg_database(job)
    seconds, parts, counts = load(url, Path(job.full))
    return Outcome(seconds, parts, counts, notes=["peak RSS is the client's; the server is apart"])


# -- (g) the song catalogue alone: local disk and the local S3 server -------------------------

S3_BUCKET = "sparkify-bench"
S3_CONCURRENCY = 32  # like sparkify's S3Source


def _catalogue(job: Job) -> Path:
    """A source folder holding the full data set's song files and the incremental day's log
    file (a source needs both kinds), as symlinks."""
    root = Path(job.work) / "catalogue"
    if not root.exists():
        (root / "log_data").mkdir(parents=True)
        (root / "song_data").symlink_to(Path(job.full) / "song_data")
        full = Path(job.full) / "log_data"
        day = next(
            p
            for p in input_files(Path(job.incremental), "log")
            if not (full / os.path.relpath(p, Path(job.incremental) / "log_data")).exists()
        )
        (root / "log_data" / Path(day).name).symlink_to(day)
    return root


def sparkify_songs_disk(job: Job) -> Outcome:
    """The song catalogue (+ one day of logs) from local disk into a new DuckDB file."""
    db = Path(job.work) / "songs-disk.duckdb"
    return run_sparkify(job, f"duckdb:///{db}", str(_catalogue(job)))


class _MotoServer:
    """moto's S3 in a process of its own (so its Python does not compete for this process's
    GIL), on a free port of 127.0.0.1, with fake credentials in this process's environment."""

    def __enter__(self) -> str:
        import socket
        import subprocess
        import sys

        try:
            import boto3  # noqa: F401
            import moto  # noqa: F401
        except ImportError as e:
            raise NotAvailable(f"boto3 and moto[server] are needed ({e})") from e
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-west-2",
            AWS_ENDPOINT_URL=url,
            AWS_EC2_METADATA_DISABLED="true",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return url
            except OSError:
                time.sleep(0.2)
        raise NotAvailable("the moto server did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _s3_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(max_pool_connections=S3_CONCURRENCY))


def _upload(root: Path) -> int:
    """Put every input file below ``root`` into the bucket (keys relative to ``root``)."""
    client = _s3_client()
    client.create_bucket(
        Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    paths = input_files(root, "log") + input_files(root, "song")

    def put(part: list[str]) -> int:
        for path in part:
            key = os.path.relpath(path, root)
            client.put_object(Bucket=S3_BUCKET, Key=key, Body=Path(path).read_bytes())
        return len(part)

    parts = [paths[i : i + 500] for i in range(0, len(paths), 500)]
    with ThreadPoolExecutor(S3_CONCURRENCY) as pool:
        return sum(pool.map(put, parts))


def _get_all() -> int:
    """The bare floor of reading the bucket: list it, then GET every object's bytes,
    ``S3_CONCURRENCY`` requests at a time; the bytes read."""
    client = _s3_client()
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET)
        for o in page.get("Contents", [])
    ]

    def get(part: list[str]) -> int:
        return sum(len(client.get_object(Bucket=S3_BUCKET, Key=k)["Body"].read()) for k in part)

    parts = [keys[i : i + 200] for i in range(0, len(keys), 200)]
    with ThreadPoolExecutor(S3_CONCURRENCY) as pool:
        return sum(pool.map(get, parts))


def sparkify_songs_s3(job: Job) -> Outcome:
    """The same catalogue from the local S3 server (moto, in its own process) into a new
    DuckDB file; the upload is not timed, and a bare concurrent GET of every object is
    measured first as that server's own floor."""
    with _MotoServer() as url:
        started = time.perf_counter()
        objects = _upload(_catalogue(job))
        uploaded = time.perf_counter() - started
        started = time.perf_counter()
        fetched = _get_all()
        bare = time.perf_counter() - started
        db = Path(job.work) / "songs-s3.duckdb"
        outcome = run_sparkify(job, f"duckdb:///{db}", f"s3://{S3_BUCKET}/")
    outcome.notes += [
        f"endpoint {url}; {objects:,} objects uploaded in {uploaded:.1f}s (not timed)",
        f"bare concurrent GET of every object ({fetched / 1e6:.1f} MB, {S3_CONCURRENCY} at a "
        f"time): {bare:.2f}s; sparkify / bare GETs = {outcome.seconds / bare:.2f}",
    ]
    return outcome


APPROACHES: dict[str, Callable[[Job], Outcome]] = {
    "floor": floor,
    "naive-duckdb": naive_duckdb,
    "sparkify-duckdb": sparkify_duckdb,
    "sparkify-duckdb-incremental": sparkify_duckdb_incremental,
    "sparkify-postgres": sparkify_postgres,
    "classic-postgres": classic_postgres,
    "sparkify-songs-disk": sparkify_songs_disk,
    "sparkify-songs-s3": sparkify_songs_s3,
}
