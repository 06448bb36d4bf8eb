"""Data-quality check queries, generated from the schema model.

Every query returns one number. For ``error`` and ``warning`` checks the number is a count of
offending rows and the check passes when it is zero; ``info`` checks only report a value.

Two scopes, with the same check names: every row (``check``, a full build), or the rows an
incremental run added or replaced (:class:`CheckScope` with the run's ``event_base``: events and
plays above it are new), plus the checks that cost O(1) on the whole warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sparkify.schema.model import MANIFEST, STAR_TABLES, Table
from sparkify.schema.render import Renderer


class Severity(StrEnum):
    """What a non-zero result means."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class CheckScope:
    """Which rows the checks read: all of them (``event_base`` None), or those of an
    incremental run: plays and staged events above ``event_base``, the users and times they
    touch, and, when ``songs_rebuilt``, the songs and artists tables (rebuilt whole) with every
    play's reference into them."""

    event_base: int | None = None
    songs_rebuilt: bool = False

    @property
    def label(self) -> str:
        """How reports name the scope."""
        return "all rows" if self.event_base is None else "new rows"


ALL_ROWS = CheckScope()


@dataclass(frozen=True)
class CheckQuery:
    """One data-quality check: a name, what it verifies, and its SQL."""

    name: str
    description: str
    sql: str
    severity: Severity = Severity.ERROR
    #: What the number counts, plural noun first ("keys duplicate or null"); "" for a share.
    counts: str = "offending rows"


def _changed_rows(r: Renderer, t: Table, alias: str, scope: CheckScope) -> str | None:
    """The condition selecting the rows of ``t`` (as ``alias``) that ``scope`` covers: "" for
    every row, None when the run changed none of them."""
    if scope.event_base is None:
        return ""
    base, a = int(scope.event_base), f"{alias}." if alias else ""
    new_plays = f"SELECT start_time FROM songplays WHERE songplay_id > {base}"
    new_users = (
        "SELECT CAST(userid AS INTEGER) FROM staging_events "
        f"WHERE event_id > {base} AND userid <> ''"
    )
    by_table = {
        "songplays": f"{a}{r.quote('songplay_id')} > {base}",
        "users": f"{a}{r.quote('user_id')} IN ({new_users})",
        "time": f"{a}{r.quote('start_time')} IN ({new_plays})",
    }
    if t.name in by_table:
        return by_table[t.name]
    return "" if scope.songs_rebuilt else None  # songs and artists: rebuilt whole, or unchanged


def _and(condition: str) -> str:
    return f" AND {condition}" if condition else ""


def _not_empty(r: Renderer, t: Table) -> CheckQuery:
    q = r.quote(t.name)
    return CheckQuery(
        f"{t.name}_not_empty",
        f"{t.name} has rows",
        f"SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM {q} LIMIT 1) t",
        counts="tables empty",
    )


def _primary_key(r: Renderer, t: Table, key: str, rows: str = "") -> CheckQuery:
    """Rows breaking the key: every row with a NULL key, and each duplicate beyond the first;
    among ``rows`` (a condition) when given.

    Grouped and counted, not ``COUNT(DISTINCT key)``: Redshift's planner trusts a declared
    primary key without enforcing it, so a query whose answer follows from the declaration
    (DISTINCT on the key) may not look at the data (t_Defining_constraints.html). Counting the
    rows of each key value makes it read them. A scoped check finds every duplicate of a
    changed row's key, since rows with the same key are in the scope together."""
    q, k = r.quote(t.name), r.quote(key)
    where = f"WHERE {rows} " if rows else ""
    count = (
        f"SELECT COALESCE(SUM(CASE WHEN {k} IS NULL THEN n ELSE n - 1 END), 0) "
        f"FROM (SELECT {k}, COUNT(*) AS n FROM {q} {where}GROUP BY {k} "
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


def _reference(
    r: Renderer, t: Table, col: str, ref_table: str, ref_col: str, rows: str = ""
) -> CheckQuery:
    child, parent = r.quote(t.name), r.quote(ref_table)
    c, p = r.quote(col), r.quote(ref_col)
    return CheckQuery(
        f"{t.name}_{col}_in_{ref_table}",
        f"every non-null {t.name}.{col} is in {ref_table}",
        f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON c.{c} = p.{p} "
        f"WHERE c.{c} IS NOT NULL AND p.{p} IS NULL{_and(rows)}",
        counts=f"rows not in {ref_table}",
    )


def _references(r: Renderer, t: Table, scope: CheckScope) -> list[CheckQuery]:
    """``t``'s reference checks: over its changed rows, or every row when the referenced table
    was rebuilt whole (a row it no longer holds may be referenced by any row)."""
    checks = []
    for col in t.columns:
        if not col.references:
            continue
        parent = next(p for p in STAR_TABLES if p.name == col.references[0])
        rows = "" if _changed_rows(r, parent, "", scope) == "" else _changed_rows(r, t, "c", scope)
        if rows is not None:
            checks.append(_reference(r, t, col.name, *col.references, rows=rows))
    return checks


def _records_accounted_for() -> CheckQuery:
    """Every record the manifest counts in the loaded files is a staging row or a
    ``load_errors`` row, and no more: the whole warehouse in both scopes, at the cost of
    counting rows (DuckDB and Redshift keep table row counts; PostgreSQL scans) and summing
    the manifest."""
    return CheckQuery(
        "staged_rows_match_manifest",
        "every record counted in the manifest is in staging or load_errors",
        "SELECT ABS((SELECT COUNT(*) FROM staging_events) + (SELECT COUNT(*) FROM staging_songs) "
        f"- (SELECT COALESCE(SUM(records - rejected), 0) FROM {MANIFEST.name})) "
        "+ ABS((SELECT COUNT(*) FROM load_errors) "
        f"- (SELECT COALESCE(SUM(rejected), 0) FROM {MANIFEST.name}))",
        counts="records unaccounted for",
    )


def check_queries(r: Renderer, scope: CheckScope = ALL_ROWS) -> list[CheckQuery]:
    """The data-quality checks for ``scope``, rendered for ``r``'s dialect."""
    checks = [_not_empty(r, t) for t in STAR_TABLES]
    for t in STAR_TABLES:
        rows = _changed_rows(r, t, "", scope)
        if t.primary_key and rows is not None:
            checks.append(_primary_key(r, t, t.primary_key, rows))
    for t in STAR_TABLES:
        checks += _references(r, t, scope)
    plays, events = "songplays", ""
    if scope.event_base is not None:  # the run's plays, and the staged events it added
        plays = f"songplays WHERE songplay_id > {int(scope.event_base)}"
        events = f" AND event_id > {int(scope.event_base)}"
    checks.append(
        CheckQuery(
            "songplays_count_matches_staging",
            "songplays has one row per staged NextSong event with a user id",
            f"SELECT ABS((SELECT COUNT(*) FROM {plays}) - (SELECT COUNT(*) FROM staging_events "
            f"WHERE page = 'NextSong' AND userid <> ''{events}))",
            counts="rows too many or missing",
        )
    )
    checks.append(_records_accounted_for())
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
            f"ELSE CAST(COUNT(song_id) AS DOUBLE PRECISION) / COUNT(*) END FROM {plays}",
            Severity.INFO,
            counts="",
        )
    )
    return checks
