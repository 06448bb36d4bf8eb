"""Benchmark sparkify against the speed of DuckDB alone scanning the same JSON.

    python benchmarks/bench.py --events 2000000 --songs 100000 \\
        [--targets duckdb,postgres] [--approaches floor,naive-duckdb,...] [--out results.json]

The data is generated once per size and seed into ``benchmarks/.cache/`` (git-ignored) and
reused. Each approach runs in a fresh child process (``worker.py``), so its peak RSS is its
own. Approaches (see docs/performance.md):

  floor                        DuckDB parses every column of every log record (read_json with
                               an explicit schema) + Python reads every song file's bytes
  naive-duckdb                 read_json over all log and song files into the staging tables,
                               then sparkify's transform SQL
  sparkify-duckdb              sparkify.pipeline.run.run into a new DuckDB file
  sparkify-duckdb-incremental  the same warehouse, one more day of events
  sparkify-postgres            sparkify's PostgreSQL target (when the module and server exist)
  classic-postgres             json.loads per record + COPY + INSERT…SELECT (the original design)
  sparkify-songs-disk          target s3: the song files and one day of logs, from local disk
  sparkify-songs-s3            the same from a local moto S3 server in its own process (upload
                               not timed; a bare concurrent GET of every object measured too)

The table goes to stdout, progress to stderr; ``--out`` writes every number as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import report
from approaches import APPROACHES, Job, input_files
from dataset import DataSet, Spec, ensure

HERE = Path(__file__).resolve().parent
BY_TARGET = {
    "duckdb": ["naive-duckdb", "sparkify-duckdb", "sparkify-duckdb-incremental"],
    "postgres": ["sparkify-postgres", "classic-postgres"],
    "s3": ["sparkify-songs-disk", "sparkify-songs-s3"],
}
PG_DSN = "postgresql://postgres@127.0.0.1:5432"


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _size(text: str) -> tuple[int, int]:
    events, _, songs = text.partition(",")
    try:
        return int(events), int(songs)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected EVENTS,SONGS, got {text!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (``--help`` lists it)."""
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--events", type=int, default=1_000_000, help="log records in the full load")
    p.add_argument("--songs", type=int, default=100_000, help="song files (one record each)")
    p.add_argument("--users", type=int, default=1_000)
    p.add_argument("--days", type=int, default=60, help="log files in the full load (one a day)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--match-rate", type=float, default=0.5, help="share of plays in the catalogue")
    p.add_argument(
        "--targets", type=_csv, default=["duckdb", "postgres"], help="duckdb,postgres[,s3]"
    )
    p.add_argument("--approaches", type=_csv, help="default: floor + every approach of --targets")
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    p.add_argument("--memory-limit", help="DuckDB memory_limit (default: sparkify's setting)")
    p.add_argument("--threads", type=int, help="DuckDB threads (default: sparkify's setting)")
    p.add_argument("--pg-dsn", default=PG_DSN, help="PostgreSQL server URL, without a database")
    p.add_argument("--pg-database", default="sparkify_bench", help="dropped and re-created")
    p.add_argument("--profile", type=Path, help="profile the sparkify-* approaches into DIR")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per approach")
    p.add_argument("--keep-work", action="store_true", help="keep the warehouses built")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the approaches this many times, in rounds; verdicts judge the median",
    )
    p.add_argument(
        "--scale",
        type=_size,
        metavar="EVENTS,SONGS",
        help="after the rounds, load a larger data set once (floor, full, incremental) and "
        "judge its time against the median full load of the rounds",
    )
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.approaches is None:
        args.approaches = ["floor"] + [a for t in args.targets for a in BY_TARGET.get(t, [])]
    unknown = [a for a in args.approaches if a not in APPROACHES] + [
        t for t in args.targets if t not in BY_TARGET
    ]
    if unknown:
        p.error(
            f"unknown approach or target: {', '.join(unknown)} (known: {', '.join(APPROACHES)})"
        )
    if (
        "sparkify-duckdb-incremental" in args.approaches
        and "sparkify-duckdb" not in args.approaches
    ):
        args.approaches.insert(
            args.approaches.index("sparkify-duckdb-incremental"), "sparkify-duckdb"
        )
    return args


def _settings(args: argparse.Namespace) -> tuple[str, int | None]:
    from sparkify.config import load_settings

    settings = load_settings()
    return args.memory_limit or settings.memory_limit, args.threads or settings.threads


def _pg_version(dsn: str) -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(f"{dsn}/postgres", connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except psycopg.Error:
        return None


def warm_page_cache(data: DataSet) -> float:
    """Read every input file once (untimed) so no approach pays for a cold disk."""
    started = time.perf_counter()
    files = input_files(data.full, "log") + input_files(data.full, "song")
    files.append(str(data.root / "extra" / data.extra_file))

    def read(path: str) -> int:
        with open(path, "rb") as fh:
            return sum(len(chunk) for chunk in iter(lambda: fh.read(1 << 22), b""))

    with ThreadPoolExecutor(8) as pool:
        sum(pool.map(read, files))
    return time.perf_counter() - started


def _child_env() -> dict[str, str]:
    """The children's environment: ours, plus SPARKIFY_CONFIG naming the settings file found
    here (children run in the work folder, where ./sparkify.toml would not be found)."""
    from sparkify.config import find_config_file

    env = dict(os.environ)
    found = find_config_file(Path(env["SPARKIFY_CONFIG"]) if env.get("SPARKIFY_CONFIG") else None)
    if found is not None:
        env["SPARKIFY_CONFIG"] = str(found.resolve())
    return env


def run_child(job: Job, work: Path, timeout: float) -> dict[str, Any]:
    """Run ``job`` in a fresh ``worker.py`` process; its result, or an error status."""
    job_file, result_file = work / f"{job.approach}.job.json", work / f"{job.approach}.result.json"
    job_file.write_text(json.dumps(asdict(job)))
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / "worker.py"), str(job_file), str(result_file)]
    try:
        proc = subprocess.run(
            cmd, cwd=work, env=_child_env(), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"approach": job.approach, "status": f"error: timed out after {timeout:.0f}s"}
    if proc.returncode != 0 or not result_file.is_file():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        sys.stderr.write(proc.stderr)
        return {"approach": job.approach, "status": f"error (exit {proc.returncode}): {tail}"}
    result: dict[str, Any] = json.loads(result_file.read_text())
    return result


def _jobs(args: argparse.Namespace, data: DataSet, work: Path, approaches: list[str]) -> list[Job]:
    memory_limit, threads = _settings(args)
    profile = str(args.profile.resolve()) if args.profile else None
    return [
        Job(
            approach=name,
            full=str(data.full),
            incremental=str(data.incremental),
            work=str(work),
            memory_limit=memory_limit,
            threads=threads,
            pg_dsn=args.pg_dsn,
            pg_database=args.pg_database,
            profile=profile if name.startswith("sparkify-") else None,
        )
        for name in approaches
    ]


def _drop_pg_database(args: argparse.Namespace) -> None:
    try:
        import psycopg
    except ImportError:
        return
    try:
        with psycopg.connect(f"{args.pg_dsn}/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)'.encode())
    except psycopg.Error:
        return


def run_all(
    args: argparse.Namespace,
    data: DataSet,
    work: Path,
    approaches: list[str],
    tags: dict[str, Any],
) -> list[dict[str, Any]]:
    """Every approach of ``approaches``, one child process each, in order; each result
    carries ``tags`` (its round, its data set)."""
    results = []
    for job in _jobs(args, data, work, approaches):
        sys.stderr.write(f"running {job.approach} {tags} ...\n")
        started = time.perf_counter()
        result = run_child(job, work, args.timeout)
        result.setdefault("settings", {"memory_limit": job.memory_limit, "threads": job.threads})
        sys.stderr.write(f"  {result['status']} ({time.perf_counter() - started:.1f}s wall)\n")
        results.append(result | tags)
    if any(a.endswith("-postgres") for a in approaches) and not args.keep_work:
        _drop_pg_database(args)
    events = {a: data.events for a in APPROACHES}
    nbytes = {a: data.input_bytes for a in APPROACHES}
    for a in APPROACHES:
        if a.endswith("-incremental"):
            events[a], nbytes[a] = data.extra_events, data.extra_bytes
        elif report.is_catalogue(a):
            events[a], nbytes[a] = data.extra_events, data.song_bytes + data.extra_bytes
    report.derive(results, events, nbytes)
    return results


def _dataset_line(data: DataSet, reused: bool) -> str:
    how = "reused" if reused else f"generated in {data.generate_seconds:.1f}s"
    return (
        f"data: {data.events:,} events in {data.log_files} log files ({data.log_bytes / 1e6:,.1f} MB), "
        f"{data.song_files:,} song files ({data.song_bytes / 1e6:,.1f} MB); incremental day "
        f"{data.extra_events:,} events ({data.extra_bytes / 1e6:,.1f} MB); {how} at {data.root}"
    )


SCALE_APPROACHES = ["floor", "sparkify-duckdb", "sparkify-duckdb-incremental"]


def measure(
    args: argparse.Namespace, work_root: Path
) -> tuple[list[dict[str, Any]], list[tuple[DataSet, bool]]]:
    """The rounds on the main data set, then the larger data set of ``--scale`` once: every
    result, and the data sets used (with whether each was reused from the cache)."""
    base = Spec(args.events, args.songs, args.users, args.days, args.seed, args.match_rate)
    sys.stderr.write(f"preparing data {base.key} in {args.cache_dir} ...\n")
    data, reused = ensure(args.cache_dir.resolve(), base)
    used = [(data, reused)]
    results: list[dict[str, Any]] = []
    for k in range(1, args.repeat + 1):
        warm_page_cache(data)  # the larger set, or the last round, may have evicted it
        work = Path(tempfile.mkdtemp(prefix=f"round{k}-", dir=work_root))
        try:
            tags = {"round": k, "data": "base"}
            results += run_all(args, data, work, args.approaches, tags)
        finally:
            if not args.keep_work:
                shutil.rmtree(work, ignore_errors=True)
    if args.scale is not None:
        events, songs = args.scale
        spec = Spec(events, songs, args.users, args.days, args.seed, args.match_rate)
        sys.stderr.write(f"preparing data {spec.key} in {args.cache_dir} ...\n")
        big, big_reused = ensure(args.cache_dir.resolve(), spec)
        used.append((big, big_reused))
        warm_page_cache(big)
        work = Path(tempfile.mkdtemp(prefix="scale-", dir=work_root))
        try:
            results += run_all(args, big, work, SCALE_APPROACHES, {"round": 1, "data": "scale"})
        finally:
            if not args.keep_work:
                shutil.rmtree(work, ignore_errors=True)
    return results, used


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when an approach failed (not when one is unavailable)."""
    args = parse_args(argv)
    command = shlex.join(["python", *(sys.argv if argv is None else [__file__, *argv])])
    info = report.machine(_pg_version(args.pg_dsn))
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    work_root = args.cache_dir.resolve() / "work"
    work_root.mkdir(exist_ok=True)
    results, used = measure(args, work_root)
    info["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    lines = [f"$ {command}", *report.machine_lines(info)]
    lines += [_dataset_line(data, reused) for data, reused in used]
    memory_limit, threads = _settings(args)
    lines.append(
        f"settings: DuckDB memory_limit {memory_limit}, threads {threads or 'default'}; "
        f"{args.repeat} round(s); load average at end {info['loadavg_at_end']}"
    )
    scale = used[1][0] if len(used) > 1 else None
    found = report.verdicts(results, used[0][0].events, scale.events if scale else None)
    lines += ["", report.table(results), "", *found]
    print("\n".join(lines))
    if args.out is not None:
        sets = [
            {k: v for k, v in asdict(d).items() if k != "root"} | {"root": str(d.root)}
            for d, _ in used
        ]
        payload = {"command": command, "machine": info, "datasets": sets, "results": results}
        payload["verdicts"] = found
        args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return 1 if any(r["status"].startswith("error") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
