"""What one ``etl`` did: the result the pipeline returns, the run history records and the
command line shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkify.errors import SparkifyError


@dataclass(frozen=True)
class Reject:
    """One rejected record: where it was and why."""

    source_file: str
    source_line: int | None
    reason: str


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
    #: The largest event_id staged before an incremental run (0 otherwise): events above it
    #: are the run's.
    event_base: int = 0
    table_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: Files of this run all of whose records were rejected: path -> record count.
    all_rejected: dict[str, int] = field(default_factory=dict)
    #: Files of this run with rejected records: path -> rejected count.
    rejected_by_file: dict[str, int] = field(default_factory=dict)
    #: Rolled back at the end: nothing was committed.
    dry_run: bool = False
    #: A dry run's first rejected records (at most ``DRY_RUN_REJECTS``).
    rejects: list[Reject] = field(default_factory=list)
    #: A dry run's failure (too many rejects), raised once the result has been shown.
    failure: SparkifyError | None = None
    full_refresh: bool = False
    #: Whether the warehouse had no file loaded before the run (None until it is known).
    first_load: bool | None = None
