"""The pipeline steps: read, stage, transform, check; :mod:`.run` orchestrates them."""

from sparkify.pipeline.check import CheckReport, CheckResult, run_checks
from sparkify.pipeline.run import EtlResult, RunResult, create_tables, etl, run

__all__ = [
    "CheckReport",
    "CheckResult",
    "EtlResult",
    "RunResult",
    "create_tables",
    "etl",
    "run",
    "run_checks",
]
