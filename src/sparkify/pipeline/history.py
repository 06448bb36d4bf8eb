"""The record every ``run`` and ``etl`` leaves in ``sparkify_runs``.

A committed run writes its row inside its own transaction, so the row exists exactly when
the data does. A run that does not commit (failed, interrupted, rejected by ``--max-errors``,
a dry run) writes its row after the rollback, in a short transaction of its own, best
effort: when that write fails too, the run's own error is what the user sees.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sparkify.errors import ExitCode, SparkifyError, TooManyErrorsError
from sparkify.schema.arrow import arrow_schema
from sparkify.schema.model import RUNS, STAR_TABLES
from sparkify.sql import history as history_sql
from sparkify.targets.base import Target
from sparkify.version import __version__

if TYPE_CHECKING:
    from sparkify.pipeline.check import CheckReport
    from sparkify.pipeline.result import EtlResult
    from sparkify.sources.base import Source

#: Longest error message kept in a row (one line).
MESSAGE_CHARS = 1000
MASK = "***"
# user:password@ in any URL, and password-like query parameters
_URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^@\s/]+@")
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|sslpassword)=[^&\s]+")
SCHEMA = arrow_schema(RUNS.columns)


class Outcome(StrEnum):
    """How a run ended."""

    COMMITTED = "committed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    REJECTED = "rejected"  # more records rejected than --max-errors allows
    DRY_RUN = "dry run"


class Mode(StrEnum):
    """What kind of load a run was."""

    FIRST_LOAD = "first load"
    INCREMENTAL = "incremental"
    FULL_REFRESH = "full refresh"
    NOTHING_NEW = "nothing new"


def mask_secrets(text: str) -> str:
    """``text`` with URL passwords and password-like parameters replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)


def one_line(text: str) -> str:
    """``text`` on one line, masked, at most :data:`MESSAGE_CHARS` characters."""
    flat = " ".join(mask_secrets(text).split())
    return flat if len(flat) <= MESSAGE_CHARS else flat[: MESSAGE_CHARS - 1] + "…"


def mode_of(result: EtlResult) -> Mode | None:
    """The run's mode, once its plan is known (None before)."""
    if result.full_refresh:
        return Mode.FULL_REFRESH
    if result.first_load is None:
        return None
    if not (result.files_new or result.files_changed):
        return Mode.NOTHING_NEW
    return Mode.FIRST_LOAD if result.first_load else Mode.INCREMENTAL


def _now() -> datetime:
    """UTC now, in whole milliseconds (what every target stores alike)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _fitted(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each text cut to its column's width in UTF-8 bytes (at a character
    boundary), so that no target refuses the row (Redshift's VARCHAR(n) would)."""
    out = dict(values)
    for col in RUNS.columns:
        text = out[col.name]
        if isinstance(text, str) and col.width is not None:
            out[col.name] = text.encode()[: col.width].decode(errors="ignore")
    return out


def _never() -> bool:
    return False


@dataclass
class RunLog:
    """One run's record while it runs: the load's result and checks fill it in."""

    command: str
    source: str
    target: str
    #: Whether the process was interrupted (Ctrl-C): a driver may report an interruption
    #: as an error of its own (DuckDB: RuntimeError 'Query interrupted').
    interrupted: Callable[[], bool] = _never
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: datetime = field(default_factory=_now)
    clock: float = field(default_factory=time.perf_counter)
    result: EtlResult | None = None
    checks: CheckReport | None = None

    @classmethod
    def start(
        cls,
        command: str,
        source: Source,
        target: Target,
        interrupted: Callable[[], bool] | None = None,
    ) -> RunLog:
        """The record of a run of ``command`` starting now."""
        return cls(
            command,
            mask_secrets(source.describe()),
            mask_secrets(target.describe()),
            interrupted or _never,
        )

    def row(
        self, outcome: Outcome, error: str | None = None, exit_code: int | None = None
    ) -> pa.Table:
        """The run's row of ``sparkify_runs``, as it stands now."""
        r = self.result
        committed = outcome is Outcome.COMMITTED or outcome is Outcome.DRY_RUN
        counts = r.table_counts if r is not None and committed else {}
        checks = self.checks.results if self.checks is not None else None
        values: dict[str, Any] = {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": _now(),
            "sparkify_version": __version__,
            "command": self.command,
            "source": self.source,
            "target": self.target,
            "mode": None if r is None or (m := mode_of(r)) is None else m.value,
            "files_new": r.files_new if r else None,
            "files_changed": r.files_changed if r else None,
            "files_unchanged": r.files_skipped if r else None,
            "records_read": r.records if r else None,
            "records_staged": r.events_staged + r.songs_staged if r else None,
            "records_rejected": r.rejected if r else None,
            **{f"{t.name}_rows": counts.get(t.name) for t in STAR_TABLES},
            "checks_passed": None if checks is None else sum(c.status == "pass" for c in checks),
            "checks_failed": None if checks is None else sum(c.status == "fail" for c in checks),
            "checks_warned": None if checks is None else sum(c.status == "warn" for c in checks),
            "seconds": round(time.perf_counter() - self.clock, 3),
            "outcome": outcome.value,
            "error": None if error is None else one_line(error),
            "exit_code": exit_code,
        }
        return pa.Table.from_pylist([_fitted(values)], schema=SCHEMA)

    def write_committed(self, target: Target) -> None:
        """Write the row of a run about to commit, inside its transaction (the table is
        created first in a warehouse made by an older sparkify)."""
        if RUNS.name not in target.table_names():
            target.execute(target.renderer.create_table(RUNS))
        target.insert_rows(RUNS, self.row(Outcome.COMMITTED))

    def write_uncommitted(
        self,
        target: Target,
        outcome: Outcome,
        error: str | None = None,
        exit_code: int | None = None,
    ) -> bool:
        """Write the row of a run whose transaction was rolled back (a failure, an
        interruption, a dry run), in a short transaction of its own. Best effort: returns
        False, and changes nothing, when the warehouse has no ``sparkify_runs`` table or the
        write fails."""
        try:
            if RUNS.name not in target.table_names():
                return False
            with target.transaction():
                target.insert_rows(RUNS, self.row(outcome, error, exit_code))
        except Exception:  # best effort: the run's own error is the one to show
            return False
        return True

    def write_failure(self, target: Target, error: BaseException) -> bool:
        """Write the row of a run that ``error`` stopped (after its rollback); best effort."""
        if isinstance(error, KeyboardInterrupt) or self.interrupted():
            return self.write_uncommitted(
                target, Outcome.INTERRUPTED, "interrupted (Ctrl-C)", int(ExitCode.INTERRUPTED)
            )
        if isinstance(error, SparkifyError):
            outcome = Outcome.REJECTED if isinstance(error, TooManyErrorsError) else Outcome.FAILED
            return self.write_uncommitted(target, outcome, error.message, int(error.exit_code))
        text = f"{type(error).__name__}: {error}"
        return self.write_uncommitted(target, Outcome.FAILED, text, 1)

    @contextmanager
    def recording(self, target: Target) -> Iterator[RunLog]:
        """Around a run: when it raises, its row is written (best effort) before the error
        goes on, unchanged."""
        try:
            yield self
        except BaseException as e:
            self.write_failure(target, e)
            raise


def _plain(value: Any) -> Any:
    """A driver value as a plain Python value (``Decimal`` -> int or float)."""
    if value is None or isinstance(value, str | int | float | datetime):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def recent_runs(target: Target, limit: int = 10) -> list[dict[str, Any]]:
    """The ``limit`` latest rows of ``sparkify_runs`` (newest first) as dicts by column;
    empty on a warehouse without the table (one made by an older sparkify)."""
    if RUNS.name not in target.table_names():
        return []
    rows = target.query(history_sql.recent_runs(target.renderer, limit))
    return [{c: _plain(v) for c, v in zip(RUNS.column_names, row, strict=True)} for row in rows]
