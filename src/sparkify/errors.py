"""The error tree of sparkify and the exit codes the command line maps them to.

Every error a user can cause or meet derives from :class:`SparkifyError` and carries a
``message`` (what failed, and where) and a ``hint`` (how to fix it). Driver and botocore
exceptions are translated into these at the target, source and infra boundaries.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    SOURCE = 3
    TARGET = 4
    TOO_MANY_ERRORS = 5
    INFRA = 6
    BUSY = 7
    QUERY = 8
    INTERRUPTED = 130


class SparkifyError(Exception):
    """Root of every error sparkify raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(SparkifyError):
    """A setting is unknown, missing or has a value that cannot be used."""

    exit_code = ExitCode.USAGE


class SourceError(SparkifyError):
    """The input data cannot be found, listed or read."""

    exit_code = ExitCode.SOURCE


class TargetError(SparkifyError):
    """The warehouse cannot be reached, opened or written."""

    exit_code = ExitCode.TARGET


class BusyError(TargetError):
    """Another run holds the warehouse's write lock."""

    exit_code = ExitCode.BUSY


class QueryError(TargetError):
    """A statement failed inside the warehouse."""

    exit_code = ExitCode.QUERY


class TooManyErrorsError(SparkifyError):
    """More records were rejected than ``--max-errors`` allows; nothing was committed."""

    exit_code = ExitCode.TOO_MANY_ERRORS


class CheckError(SparkifyError):
    """One or more data-quality checks failed."""

    exit_code = ExitCode.CHECK_FAILED


class InfraError(SparkifyError):
    """A cloud resource could not be created, changed, inspected or deleted."""

    exit_code = ExitCode.INFRA


class SourceMismatchError(ConfigError):
    """The run's source is not the one the warehouse was loaded from."""

    exit_code = ExitCode.USAGE
