"""Data-quality check queries, generated from the schema model.

Every query returns one number. For ``error`` and ``warning`` checks the number is a count of
offending rows and the check passes when it is zero; ``info`` checks only report a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sparkify.schema.model import STAR_TABLES, Table
from sparkify.schema.render import Renderer


class Severity(StrEnum):
    """What a non-zero result means."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class CheckQuery:
    """One data-quality check: a name, what it verifies, and its SQL."""

    name: str
    description: str
    sql: str
    severity: Severity = Severity.ERROR
    #: What the number counts, plural noun first ("keys duplicate or null"); "" for a share.
    counts: str = "offending rows"


def _not_empty(r: Renderer, t: Table) -> CheckQuery:
    q = r.quote(t.name)
    return CheckQuery(
        f"{t.name}_not_empty",
        f"{t.name} has rows",
        f"SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM {q} LIMIT 1) t",
        counts="tables empty",
    )


def _primary_key(r: Renderer, t: Table, key: str) -> CheckQuery:
    """Rows breaking the key: every row with a NULL key, and each duplicate beyond the first.

    Grouped and counted, not ``COUNT(DISTINCT key)``: Redshift's planner trusts a declared
    primary key without enforcing it, so a query whose answer follows from the declaration
    (DISTINCT on the key) may not look at the data (t_Defining_constraints.html). Counting the
    rows of each key value makes it read them."""
    q, k = r.quote(t.name), r.quote(key)
    count = (
        f"SELECT COALESCE(SUM(CASE WHEN {k} IS NULL THEN n ELSE n - 1 END), 0) "
        f"FROM (SELECT {k}, COUNT(*) AS n FROM {q} GROUP BY {k} "
        f"HAVING COUNT(*) > 1 OR {k} IS NULL) keys"
    )
    enforced = r.enforced_key(t, key)
    if enforced is not None:  # the database guarantees it: count only if the key is missing
        count = f"SELECT CASE WHEN {enforced} THEN 0 ELSE ({count}) END"
    return CheckQuery(
        f"{t.name}_{key}_unique",
        f"{t.name}.{key} is unique and not null",
        count,
        counts="keys duplicate or null",
    )


def _reference(r: Renderer, t: Table, col: str, ref_table: str, ref_col: str) -> CheckQuery:
    child, parent = r.quote(t.name), r.quote(ref_table)
    c, p = r.quote(col), r.quote(ref_col)
    return CheckQuery(
        f"{t.name}_{col}_in_{ref_table}",
        f"every non-null {t.name}.{col} is in {ref_table}",
        f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON c.{c} = p.{p} "
        f"WHERE c.{c} IS NOT NULL AND p.{p} IS NULL",
        counts=f"rows not in {ref_table}",
    )


def check_queries(r: Renderer) -> list[CheckQuery]:
    """Every data-quality check, rendered for ``r``'s dialect."""
    checks = [_not_empty(r, t) for t in STAR_TABLES]
    checks += [_primary_key(r, t, t.primary_key) for t in STAR_TABLES if t.primary_key]
    for t in STAR_TABLES:
        for col in t.columns:
            if col.references:
                checks.append(_reference(r, t, col.name, *col.references))
    checks.append(
        CheckQuery(
            "songplays_count_matches_staging",
            "songplays has one row per staged NextSong event with a user id",
            "SELECT ABS((SELECT COUNT(*) FROM songplays) - (SELECT COUNT(*) FROM staging_events "
            "WHERE page = 'NextSong' AND userid <> ''))",
            counts="rows too many or missing",
        )
    )
    checks.append(
        CheckQuery(
            "rejected_records",
            "input records rejected at staging (see load_errors)",
            "SELECT COUNT(*) FROM load_errors",
            Severity.WARNING,
            counts="records rejected",
        )
    )
    checks.append(
        CheckQuery(
            "songplays_matched_share",
            "share of plays matched to a catalogue song",
            "SELECT CASE WHEN COUNT(*) = 0 THEN 0 "
            "ELSE CAST(COUNT(song_id) AS DOUBLE PRECISION) / COUNT(*) END FROM songplays",
            Severity.INFO,
            counts="",
        )
    )
    return checks
