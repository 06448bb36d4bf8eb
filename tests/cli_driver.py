"""Test harness (not library code): the real command line (``sparkify.cli.main``) in this
process, with two test hooks on the target it opens, set by environment variables:

- ``SPARKIFY_TEST_SIGNAL_AT=PREFIX``: send this process ``SPARKIFY_TEST_SIGNAL`` (``INT``, the
  default, is Ctrl-C; ``KILL``) when the tracer sees the first statement starting with PREFIX,
  before it runs.
- ``SPARKIFY_TEST_RS_DSN=DSN``: a ``redshift://`` target is the stand-in cluster of
  :mod:`tests.redshift_emulator` on that PostgreSQL database (S3 through the usual AWS_*
  settings, e.g. the moto server's endpoint).
- ``SPARKIFY_TEST_GO=PATH``: before the first statement, create ``PATH.ready.<pid>`` and
  wait (up to 30 s) until PATH exists, so several processes, connected and ready, send their
  first statement together.

    python -m tests.cli_driver etl --source SRC --target URL
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import sparkify.cli.pipeline as cli_pipeline
import sparkify.cli.query as cli_query
from sparkify.cli import main
from sparkify.config import Settings
from sparkify.dialects import Dialect
from sparkify.targets import Target, dialect_of, open_target


def _wait_for_go() -> None:
    go = os.environ.get("SPARKIFY_TEST_GO")
    if not go:
        return
    Path(f"{go}.ready.{os.getpid()}").touch()
    deadline = time.monotonic() + 30
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.005)


def _tracer() -> Any:
    prefix = os.environ.get("SPARKIFY_TEST_SIGNAL_AT")
    number = getattr(signal, f"SIG{os.environ.get('SPARKIFY_TEST_SIGNAL', 'INT')}")
    started: list[bool] = []
    sent: list[bool] = []

    def tracer(sql: str) -> None:
        if not started:
            started.append(True)
            _wait_for_go()
        if prefix and not sent and sql.lstrip().startswith(prefix):
            sent.append(True)
            os.kill(os.getpid(), number)

    return tracer


def _open(settings: Settings, tracer: Any = None) -> Target:
    dsn = os.environ.get("SPARKIFY_TEST_RS_DSN")
    if dsn and dialect_of(settings.target) is Dialect.REDSHIFT:
        from sparkify.aws import aws_client
        from sparkify.targets.redshift import RedshiftTarget
        from tests.redshift_emulator import connector

        s3 = aws_client("s3", settings)
        return RedshiftTarget(
            settings.target, settings, tracer=_tracer(), connector=connector(dsn, s3)
        )
    return open_target(settings, tracer=_tracer())


if __name__ == "__main__":
    cli_pipeline.open_target = _open  # type: ignore[assignment]
    cli_query.open_target = _open  # type: ignore[assignment]
    sys.argv[0] = "sparkify"
    main()
