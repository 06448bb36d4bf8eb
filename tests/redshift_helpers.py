"""Helpers for tests on the Redshift stand-in (the ``cluster`` fixture of
:mod:`tests.redshift_fixtures`): its settings, a target connected to it, and rows made
comparable with the other targets (Redshift numbers IDENTITY columns its own way)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from sparkify.config import Settings, load_settings
from sparkify.pipeline.run import run
from sparkify.sources import open_source
from sparkify.targets.redshift import RedshiftTarget
from tests.aws_helpers import client
from tests.helpers import EVERY_TABLE
from tests.redshift_emulator import EmulatedRedshift, connector

Rows = dict[str, list[tuple[Any, ...]]]


class Queryable(Protocol):
    """Anything that answers SQL with rows: an open target of any kind."""

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...


def redshift_settings(cluster: dict[str, Any], **values: Any) -> Settings:
    """Settings for a Redshift target on the stand-in ``cluster``, with ``values`` added as if
    typed on the command line."""
    base = {k: v for k, v in cluster.items() if k != "dsn"}
    return load_settings(overrides={**base, **values})


def redshift_target(
    cluster: dict[str, Any], settings: Settings, trace: list[str] | None = None
) -> tuple[RedshiftTarget, list[EmulatedRedshift]]:
    """A ``RedshiftTarget`` whose connections go to the stand-in cluster, and the list that
    collects each connection it opens; every statement it sends is appended to ``trace``."""
    opened: list[EmulatedRedshift] = []
    tracer = trace.append if trace is not None else None
    conn = connector(cluster["dsn"], client("s3"), opened)
    return RedshiftTarget(settings.target, settings, tracer=tracer, connector=conn), opened


def table_rows(target: Queryable, tables: list[str]) -> Rows:
    """Every row of each of ``tables``, sorted, for equality checks."""
    return {t: sorted(target.query(f'SELECT * FROM "{t}"'), key=repr) for t in tables}


def load_on_redshift(cluster: dict[str, Any], source: Path) -> Rows:
    """Run a whole load of ``source`` on the stand-in (its checks must pass); every loaded
    table's rows."""
    settings = redshift_settings(cluster, source=str(source))
    target, _ = redshift_target(cluster, settings)
    with target:
        checked = run(open_source(settings), target, settings).checks
        assert checked.ok, checked.failures
        return table_rows(target, EVERY_TABLE)


def without_identity(rows: Rows) -> Rows:
    """``rows`` with the IDENTITY column of staging_events and songplays left out (Redshift
    numbers them its own way, and a rolled-back run uses some numbers up)."""
    out = dict(rows)
    for table in ("staging_events", "songplays"):
        out[table] = sorted(r[1:] for r in out[table])
    return out


def without_songplay_id(rows: Rows) -> Rows:
    """``rows`` with songplay_id left out of songplays (when that table is present)."""
    out = dict(rows)
    if "songplays" in out:
        out["songplays"] = sorted(r[1:] for r in out["songplays"])
    return out


def comparable_with_redshift(rows: Rows) -> Rows:
    """Every loaded table's rows as the stand-in and another target can both give them: no
    IDENTITY values and no manifest ``id_end`` (Redshift numbers events itself)."""
    out = without_identity(rows)
    out["sparkify_manifest"] = sorted(r[:7] for r in rows["sparkify_manifest"])
    return out
