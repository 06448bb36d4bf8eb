"""The whole pipeline: create tables, stage new files, transform, check.

One transaction per run: a run that fails or is killed leaves the warehouse as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sparkify.batch import FileCounts, FileData, FileKind, SourceFile
from sparkify.config import Settings
from sparkify.errors import CheckError, TargetError, TooManyErrorsError
from sparkify.gcpause import without_gc
from sparkify.pipeline import binding, manifest
from sparkify.pipeline.check import CheckReport, run_checks
from sparkify.pipeline.history import Outcome, RunLog
from sparkify.pipeline.progress import NullReporter, Reporter
from sparkify.pipeline.read import read_files
from sparkify.pipeline.result import EtlResult, Reject
from sparkify.pipeline.transform import (
    cleanup,
    run_incremental,
    run_transform,
    snapshot_before_staging,
)
from sparkify.schema.model import (
    ALL_TABLES,
    LOADED_TABLES,
    MANIFEST,
    META_TABLES,
    STAGING_TABLES,
    STAR_TABLES,
)
from sparkify.sources.base import Source
from sparkify.sql import run as run_sql
from sparkify.sql.checks import ALL_ROWS, CheckScope
from sparkify.sql.rejects import FIRST_REJECTS, file_rejects
from sparkify.targets.base import Target

MAX_BATCH_FILES = 50_000
#: How many rejected records a dry run lists.
DRY_RUN_REJECTS = 20


@dataclass
class RunResult:
    """What ``run`` did: the load and the checks."""

    etl: EtlResult
    checks: CheckReport
    created_tables: list[str]


def existing_tables(target: Target) -> list[str]:
    """The sparkify tables that exist on ``target``, in the order they are created."""
    present = target.table_names()
    return [t.name for t in ALL_TABLES if t.name in present]


def create_tables(target: Target, *, drop: bool = False) -> list[str]:
    """Create every table that is missing (all of them, after dropping, with ``drop``);
    returns the names created."""
    with target.transaction():
        target.lock()
        return _create_missing(target, drop=drop)


def _create_missing(target: Target, *, drop: bool = False) -> list[str]:
    created = []
    existing = set() if drop else target.table_names()
    for table in ALL_TABLES:
        if drop:
            target.execute(target.renderer.drop_table(table))
        if table.name not in existing:
            target.execute(target.renderer.create_table(table))
            created.append(table.name)
    return created


@contextmanager
def _transaction(target: Target, *, dry_run: bool) -> Iterator[None]:
    """The run's transaction: committed, or with ``dry_run`` always rolled back."""
    if not dry_run:
        with target.transaction():
            yield
        return
    target.discard_on_close()
    target.begin()
    try:
        yield
    finally:
        target.rollback()


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
    if len(files) <= 1 or (
        len(files) <= MAX_BATCH_FILES and sum(f.size for f in files) <= batch_bytes
    ):
        return [files] if files else []
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
    known: Mapping[str, manifest.Entry],
    ids: manifest.EventIds,
    result: EtlResult,
) -> None:
    # known holds only the files to read that the manifest has: most batches have none of them
    touched = [d for d in datas if d.file.path in known and manifest.is_unchanged(d, known)]
    same = {d.file.path for d in touched}
    fresh = [d for d in datas if d.file.path not in same] if same else datas
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
    batch = target.stage(fresh, ids.base())
    ids.record(batch.counts)
    target.insert_rows(MANIFEST, manifest.manifest_rows(fresh, batch.counts))
    result.records += sum(c.records for c in batch.counts.values())
    result.events_staged += batch.events
    result.songs_staged += batch.songs
    result.rejected += batch.rejected
    result.rejected_by_file.update((p, c.rejected) for p, c in batch.counts.items() if c.rejected)
    result.all_rejected.update(
        (path, c.records)
        for path, c in batch.counts.items()
        if c.records and c.rejected == c.records
    )


def _too_many_errors(target: Target, result: EtlResult, limit: int) -> TooManyErrorsError:
    """The error for more than ``limit`` rejects: the files with the most, each with its first
    reason (read from the run's uncommitted ``load_errors``, before the rollback)."""
    top = sorted(result.rejected_by_file.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    wanted = {path for path, _ in top}
    first = {
        str(f): (line, str(why)) for f, line, why in target.query(FIRST_REJECTS) if f in wanted
    }
    worst = "; ".join(
        f"{path} ({n:,}, first at line {first.get(path, (None, ''))[0]}: "
        f"{first.get(path, (None, '?'))[1][:100]})"
        for path, n in top
    )
    return TooManyErrorsError(
        f"{result.rejected:,} records were rejected, more than --max-errors {limit}; nothing was "
        f"committed. Most rejects: {worst}.",
        "See every reject with `sparkify run --dry-run` and the same options (nothing is "
        "committed), fix the input, or raise --max-errors to load the rest without them.",
    )


def _max_event_id(target: Target) -> int:
    return int(target.scalar(run_sql.MAX_EVENT_ID) or 0)


def _clear(target: Target) -> None:
    for table in STAGING_TABLES + STAR_TABLES + META_TABLES:
        target.execute(run_sql.clear(target.renderer, table))


def _observe(target: Target, result: EtlResult) -> None:
    """What a dry run shows, read inside its transaction: row counts and the first rejects."""
    result.table_counts = table_counts(target)
    for path in sorted(result.rejected_by_file):
        wanted = DRY_RUN_REJECTS - len(result.rejects)
        if wanted <= 0:
            break
        found = target.query(file_rejects(wanted), [path])
        result.rejects += [Reject(path, line, str(reason)) for line, reason in found]


def table_counts(target: Target) -> dict[str, int]:
    """Row counts of the star, staging and load_errors tables."""
    names = [t.name for t in STAR_TABLES + STAGING_TABLES] + ["load_errors"]
    return {n: int(target.scalar(run_sql.row_count(target.renderer, n))) for n in names}


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
    dry_run: bool = False,
    interrupted: Callable[[], bool] | None = None,
) -> EtlResult:
    """Load new and changed files from ``source`` into ``target`` and rebuild the star
    schema, all in one transaction. Raises ``TooManyErrorsError`` (nothing committed) when
    more than ``max_errors`` records are rejected, ``SourceMismatchError`` (nothing read or
    changed) when the warehouse was loaded from another source and this is no full refresh
    (a warehouse holding only the demo is replaced instead). ``files`` is the source's
    listing when the caller already has it. With ``dry_run`` the transaction is rolled back
    after the result (row counts, first rejects) was read, and too many rejects is
    ``result.failure``. The run leaves its row in ``sparkify_runs`` (``interrupted`` tells
    whether a failure was the user's Ctrl-C)."""
    files = source.list_files() if files is None else files
    log = RunLog.start("etl", source, target, interrupted)
    with log.recording(target):
        missing = {t.name for t in LOADED_TABLES} - target.table_names()
        if missing:
            raise TargetError(
                f"The warehouse {target.describe()} lacks tables: {', '.join(sorted(missing))}.",
                "Run `sparkify create-tables` first (or use `sparkify run`, which creates them).",
            )
        job = _Job(full_refresh, max_errors, batch_mb, dry_run, create=False, checks=False)
        return _execute(source, target, files, log, job, reporter).etl


@without_gc
def run(
    source: Source,
    target: Target,
    settings: Settings,
    *,
    full_refresh: bool = False,
    reporter: Reporter | None = None,
    files: list[SourceFile] | None = None,
    dry_run: bool = False,
    interrupted: Callable[[], bool] | None = None,
    check_all: bool = False,
) -> RunResult:
    """``create-tables`` (missing ones), ``etl``, then ``check``, the checks inside the load's
    transaction (so the run's row in ``sparkify_runs`` holds their results). The source is
    listed before anything is written, so a missing source changes nothing. With ``dry_run``
    all three run in one transaction that is rolled back (see :func:`etl`). After a run that
    only added files the checks cover what it changed, unless ``check_all``."""
    files = source.list_files() if files is None else files
    log = RunLog.start("run", source, target, interrupted)
    with log.recording(target):
        job = _Job(
            full_refresh,
            settings.max_errors,
            settings.batch_mb,
            dry_run,
            create=True,
            checks=True,
            check_all=check_all,
        )
        return _execute(source, target, files, log, job, reporter)


@dataclass(frozen=True)
class _Job:
    """What a run was asked to do."""

    full_refresh: bool
    max_errors: int | None
    batch_mb: int
    dry_run: bool
    #: Create the missing tables first (``run``).
    create: bool
    #: Run the checks inside the transaction (``run``).
    checks: bool
    #: Check every row even after an incremental run (``run --check-all``).
    check_all: bool = False


def _check_scope(result: EtlResult, check_all: bool) -> CheckScope:
    """Every row, or after an incremental run (unless ``check_all``) what that run changed."""
    if check_all or not result.incremental:
        return ALL_ROWS
    return CheckScope(result.event_base, songs_rebuilt=result.songs_staged > 0)


def _execute(
    source: Source,
    target: Target,
    files: list[SourceFile],
    log: RunLog,
    job: _Job,
    reporter: Reporter | None,
) -> RunResult:
    """One run: its transaction (committed, or rolled back for a dry run), its row in
    ``sparkify_runs``."""
    rep = reporter or NullReporter()
    started = time.perf_counter()
    for line in source.listing_notes(files):
        rep.note(line)
    created: list[str] = []
    if job.create and not job.dry_run:
        created = create_tables(target)
    result = log.result = EtlResult(
        source.describe(), target.describe(), dry_run=job.dry_run, full_refresh=job.full_refresh
    )
    with _transaction(target, dry_run=job.dry_run):
        target.lock(rep.note)
        if job.create and job.dry_run:
            created = _create_missing(target)
        _load(source, target, files, result, job, rep)
        if job.checks and result.failure is None:
            log.checks = run_checks(target, _check_scope(result, job.check_all))
        if job.dry_run:
            _observe(target, result)
        else:
            result.table_counts = table_counts(target)
            log.write_committed(target)
    if job.dry_run:
        log.write_uncommitted(target, Outcome.DRY_RUN)
    result.seconds = time.perf_counter() - started
    return RunResult(result, log.checks or CheckReport([]), created)


def _load(
    source: Source,
    target: Target,
    files: list[SourceFile],
    result: EtlResult,
    job: _Job,
    rep: Reporter,
) -> None:
    """The work of ``etl`` inside its transaction, once the lock is held."""
    result.files_total = len(files)
    origin = binding.Origin(*source.locations())
    full_refresh = binding.bind(target, origin, full_refresh=job.full_refresh, note=rep.note)
    result.full_refresh = full_refresh
    if full_refresh:
        _clear(target)
    todo = manifest.plan(files, target)
    result.first_load = not todo.loaded
    result.files_skipped = todo.unchanged
    incremental = target.incremental_transform and not full_refresh and bool(todo.to_read)
    event_base = _max_event_id(target) if incremental else 0
    snapshot = incremental and event_base > 0 and any(f.kind is FileKind.SONG for f in todo.to_read)
    if snapshot:
        snapshot_before_staging(target)
    rep.start("Staging", sum(f.size for f in todo.to_read), "bytes")
    ids = manifest.EventIds(manifest.id_ends(target) if todo.to_read else {})
    batches = _ordered_batches(todo.to_read, job.batch_mb << 20)
    for datas in _prefetched(source, batches, rep):
        _stage_batch(target, datas, todo.known, ids, result)
    rep.finish("Staging")
    if job.max_errors is not None and result.rejected > job.max_errors:
        failure = _too_many_errors(target, result, job.max_errors)
        if not job.dry_run:
            raise failure
        result.failure = failure  # the dry run shows its rejects, then fails
        return
    if result.files_new or result.files_changed or full_refresh:
        result.incremental = incremental and event_base > 0 and not result.files_changed
        if result.incremental:
            result.event_base = event_base
            run_incremental(target, rep, event_base, songs_changed=result.songs_staged > 0)
        else:
            run_transform(target, rep)
        result.transformed = True
    if incremental and event_base:
        cleanup(target)


def require_checks(report: CheckReport) -> None:
    """Raise ``CheckError`` naming the failed checks, if any failed."""
    if not report.ok:
        names = ", ".join(r.name for r in report.failures)
        raise CheckError(
            f"Data-quality checks failed: {names}.", "Run `sparkify check` for details."
        )
