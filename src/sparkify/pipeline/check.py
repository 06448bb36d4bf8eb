"""Run the data-quality checks: keys unique and resolved, counts reconciled, rejects reported."""

from __future__ import annotations

from dataclasses import dataclass

from sparkify.errors import TargetError
from sparkify.schema.model import META_TABLES, STAGING_TABLES, STAR_TABLES
from sparkify.sql.checks import ALL_ROWS, CheckQuery, CheckScope, Severity, check_queries
from sparkify.targets.base import Target


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: ``value`` is the count of what ``counts`` names (violations), or
    the reported value of an info check."""

    name: str
    description: str
    severity: Severity
    value: float
    passed: bool
    counts: str = ""

    @property
    def status(self) -> str:
        """``pass``, ``fail``, ``warn`` or ``info``."""
        if self.severity is Severity.INFO:
            return "info"
        if self.passed:
            return "pass"
        return "warn" if self.severity is Severity.WARNING else "fail"


@dataclass(frozen=True)
class CheckReport:
    """Every check's result; ``ok`` when no error-level check failed. ``scope`` names the rows
    checked ("all rows", or "new rows" after an incremental run)."""

    results: list[CheckResult]
    scope: str = ALL_ROWS.label

    @property
    def ok(self) -> bool:
        """Whether every error-level check passed."""
        return all(r.passed or r.severity is not Severity.ERROR for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        """The error-level checks that failed."""
        return [r for r in self.results if r.status == "fail"]


def _run_one(target: Target, check: CheckQuery) -> CheckResult:
    value = float(target.scalar(check.sql) or 0)
    passed = True if check.severity is Severity.INFO else value == 0
    return CheckResult(check.name, check.description, check.severity, value, passed, check.counts)


def run_checks(target: Target, scope: CheckScope = ALL_ROWS) -> CheckReport:
    """Run the checks on ``target``: on every row, or on the rows ``scope`` covers. Raises
    ``TargetError`` when the warehouse has no sparkify tables yet."""
    missing = {t.name for t in STAR_TABLES + STAGING_TABLES + META_TABLES} - target.table_names()
    if missing:
        raise TargetError(
            f"The warehouse {target.describe()} lacks tables: {', '.join(sorted(missing))}.",
            "Run `sparkify run` (or `sparkify create-tables`) first.",
        )
    checks = check_queries(target.renderer, scope)
    return CheckReport([_run_one(target, c) for c in checks], scope.label)
