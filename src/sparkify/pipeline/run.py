"""The whole pipeline: create tables, stage new files, transform, check.

One transaction per run: a run that fails or is killed leaves the warehouse as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sparkify.config import Settings
from sparkify.errors import CheckError, TargetError, TooManyErrorsError
from sparkify.gcpause import without_gc
from sparkify.pipeline import binding, manifest
from sparkify.pipeline.check import CheckReport, run_checks
from sparkify.pipeline.progress import NullReporter, Reporter
from sparkify.pipeline.read import FileData, read_files
from sparkify.pipeline.stage import FileCounts, stage_batch
from sparkify.pipeline.transform import (
    cleanup,
    run_incremental,
    run_transform,
    snapshot_before_staging,
)
from sparkify.schema.model import (
    ALL_TABLES,
    MANIFEST,
    META_TABLES,
    REQUIRED_TABLES,
    SOURCE,
    STAGING_TABLES,
    STAR_TABLES,
)
from sparkify.sources.base import FileKind, Source, SourceFile
from sparkify.targets.base import Target

MAX_BATCH_FILES = 50_000


@dataclass
class EtlResult:
    """What one ``etl`` did."""

    source: str
    target: str
    files_total: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_skipped: int = 0
    records: int = 0
    events_staged: int = 0
    songs_staged: int = 0
    rejected: int = 0
    transformed: bool = False
    incremental: bool = False
    table_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class RunResult:
    """What ``run`` did: the load and the checks."""

    etl: EtlResult
    checks: CheckReport
    created_tables: list[str]


def create_tables(target: Target, *, drop: bool = False) -> list[str]:
    """Create every table that is missing (all of them, after dropping, with ``drop``);
    returns the names created."""
    created = []
    with target.transaction():
        target.lock()
        existing = set() if drop else target.table_names()
        for table in ALL_TABLES:
            if drop:
                target.execute(target.renderer.drop_table(table))
            if table.name not in existing:
                target.execute(target.renderer.create_table(table))
                created.append(table.name)
    return created


def _batches(files: list[SourceFile], batch_bytes: int) -> Iterator[list[SourceFile]]:
    batch: list[SourceFile] = []
    size = 0
    for f in files:
        if batch and (size + f.size > batch_bytes or len(batch) >= MAX_BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(f)
        size += f.size
    if batch:
        yield batch


def _ordered_batches(files: list[SourceFile], batch_bytes: int) -> list[list[SourceFile]]:
    """Batches of one kind each, log batches in listing order (the order their event ids are
    reserved in), song batches between them, and a log batch last. Reading a batch of many
    small song files takes longer than parsing it, so each is read while a log batch is
    parsed; and a target that loads in the background (PostgreSQL) is still loading the
    last log batch while the star is built. Files that fit in one batch stay one batch."""
    whole = list(_batches(files, batch_bytes))
    if len(whole) <= 1:
        return whole
    logs = list(_batches([f for f in files if f.kind is FileKind.LOG], batch_bytes))
    songs = list(_batches([f for f in files if f.kind is FileKind.SONG], batch_bytes))
    last, logs = logs[-1:], logs[:-1]
    ordered: list[list[SourceFile]] = []
    for i in range(max(len(logs), len(songs))):
        ordered += logs[i : i + 1] + songs[i : i + 1]
    return ordered + last


def _prefetched(
    source: Source, batches: Iterable[list[SourceFile]], rep: Reporter
) -> Iterator[list[FileData]]:
    """The files of each batch, read while the previous batch is being parsed (DuckDB works
    without the GIL, so reading the next batch overlaps it); at most two batches in memory."""

    def read(batch: list[SourceFile]) -> list[FileData]:
        return list(read_files(source, batch, lambda n: rep.advance("Staging", n)))

    with ThreadPoolExecutor(max_workers=1) as reader:
        pending: Future[list[FileData]] | None = None
        for batch in batches:
            following = reader.submit(read, batch)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()


def _stage_batch(
    target: Target,
    datas: list[FileData],
    known: manifest.Manifest,
    ids: manifest.EventIds,
    result: EtlResult,
) -> None:
    unchanged = [manifest.is_unchanged(d, known) for d in datas]
    fresh = [d for d, same in zip(datas, unchanged, strict=True) if not same]
    touched = [d for d, same in zip(datas, unchanged, strict=True) if same]
    result.files_skipped += len(touched)
    if touched:
        counts = {
            d.file.path: FileCounts(
                known[d.file.path].records, known[d.file.path].rejected, known[d.file.path].id_end
            )
            for d in touched
        }
        target.delete_files([d.file.path for d in touched], manifest_only=True)
        target.insert_rows(MANIFEST, manifest.manifest_rows(touched, counts))
    if not fresh:
        return
    changed = [d.file.path for d in fresh if d.file.path in known]
    result.files_changed += len(changed)
    result.files_new += len(fresh) - len(changed)
    target.delete_files(changed)
    ids.forget(changed)
    batch = target.stage_files(fresh)
    if batch is None:
        batch = stage_batch(target.parser_connection(), fresh, ids.base())
        target.ingest(batch)
    ids.record(batch.counts)
    target.insert_rows(MANIFEST, manifest.manifest_rows(fresh, batch.counts))
    result.records += sum(c.records for c in batch.counts.values())
    result.events_staged += batch.events
    result.songs_staged += batch.songs
    result.rejected += batch.rejected


def _max_event_id(target: Target) -> int:
    return int(target.scalar("SELECT COALESCE(MAX(event_id), 0) FROM staging_events") or 0)


def _clear(target: Target) -> None:
    """Delete every row of data (the recorded source stays: the run just recorded it)."""
    for table in STAGING_TABLES + STAR_TABLES + META_TABLES:
        if table is not SOURCE:
            target.execute(f"DELETE FROM {target.renderer.quote(table.name)}")


def table_counts(target: Target) -> dict[str, int]:
    """Row counts of the star, staging and load_errors tables."""
    names = [t.name for t in STAR_TABLES + STAGING_TABLES] + ["load_errors"]
    return {
        n: int(target.scalar(f"SELECT COUNT(*) FROM {target.renderer.quote(n)}")) for n in names
    }


@without_gc
def etl(
    source: Source,
    target: Target,
    *,
    full_refresh: bool = False,
    max_errors: int | None = None,
    batch_mb: int = 256,
    reporter: Reporter | None = None,
    files: list[SourceFile] | None = None,
) -> EtlResult:
    """Load new and changed files from ``source`` into ``target`` and rebuild the star
    schema, all in one transaction. Raises ``TooManyErrorsError`` (nothing committed) when
    more than ``max_errors`` records are rejected, ``SourceMismatchError`` (nothing read or
    changed) when the warehouse was loaded from another source and this is no full refresh
    (a warehouse holding only the demo is replaced instead). ``files`` is the source's
    listing when the caller already has it."""
    rep = reporter or NullReporter()
    started = time.perf_counter()
    result = EtlResult(source.describe(), target.describe())
    files = source.list_files() if files is None else files
    existing = target.table_names()
    missing = {t.name for t in REQUIRED_TABLES} - existing
    if missing:
        raise TargetError(
            f"The warehouse {target.describe()} lacks tables: {', '.join(sorted(missing))}.",
            "Run `sparkify create-tables` first (or use `sparkify run`, which creates them).",
        )
    result.files_total = len(files)
    origin = binding.Origin(*source.locations())
    with target.transaction():
        target.lock(rep.note)
        if SOURCE.name not in existing:  # a warehouse written before sources were recorded
            target.execute(target.renderer.create_table(SOURCE))
        full_refresh = binding.bind(target, origin, full_refresh=full_refresh, note=rep.note)
        if full_refresh:
            _clear(target)
        known = manifest.read_manifest(target)
        todo = manifest.plan(files, known)
        result.files_skipped = len(todo.unchanged)
        incremental = (
            target.capabilities.incremental_transform and not full_refresh and bool(todo.to_read)
        )
        event_base = _max_event_id(target) if incremental else 0
        snapshot = (
            incremental and event_base > 0 and any(f.kind is FileKind.SONG for f in todo.to_read)
        )
        if snapshot:
            snapshot_before_staging(target)
        rep.start("Staging", sum(f.size for f in todo.to_read), "bytes")
        ids = manifest.EventIds(known)
        batches = _ordered_batches(todo.to_read, batch_mb << 20)
        for datas in _prefetched(source, batches, rep):
            _stage_batch(target, datas, known, ids, result)
        rep.finish("Staging")
        if max_errors is not None and result.rejected > max_errors:
            raise TooManyErrorsError(
                f"{result.rejected} records were rejected, more than --max-errors {max_errors}; "
                "nothing was committed.",
                "See the reasons with a run without --max-errors (table load_errors), fix the "
                "input, or raise the limit.",
            )
        if result.files_new or result.files_changed or full_refresh:
            result.incremental = incremental and event_base > 0 and not result.files_changed
            if result.incremental:
                run_incremental(target, rep, event_base, songs_changed=result.songs_staged > 0)
            else:
                run_transform(target, rep)
            result.transformed = True
        if incremental and event_base:
            cleanup(target)
    result.table_counts = table_counts(target)
    result.seconds = time.perf_counter() - started
    return result


@without_gc
def run(
    source: Source,
    target: Target,
    settings: Settings,
    *,
    full_refresh: bool = False,
    reporter: Reporter | None = None,
    files: list[SourceFile] | None = None,
) -> RunResult:
    """``create-tables`` (missing ones), ``etl``, then ``check``. The source is listed before
    anything is written, so a missing source changes nothing."""
    files = source.list_files() if files is None else files
    created = create_tables(target)
    result = etl(
        source,
        target,
        full_refresh=full_refresh,
        max_errors=settings.max_errors,
        batch_mb=settings.batch_mb,
        reporter=reporter,
        files=files,
    )
    report = run_checks(target)
    return RunResult(result, report, created)


def require_checks(report: CheckReport) -> None:
    """Raise ``CheckError`` naming the failed checks, if any failed."""
    if not report.ok:
        names = ", ".join(r.name for r in report.failures)
        raise CheckError(
            f"Data-quality checks failed: {names}.", "Run `sparkify check` for details."
        )
