"""Load and data quality: staged events, files loaded, rows per table, check results."""

from __future__ import annotations

from html import escape

from sparkify.report.cards import fmt_bytes, section, table
from sparkify.report.charts import fmt_int, fmt_pct, plural
from sparkify.report.data import ReportData
from sparkify.report.loads import last_loaded


def _load_card(data: ReportData) -> str:
    counts = table(
        ["Table", "Rows"],
        [[f"<code>{escape(n)}</code>", fmt_int(c)] for n, c in data.table_counts.items()],
        numeric=[1],
        caption="Rows per table",
    )
    files = table(
        ["Input", "Files", "Records", "Rejected", "Size"],
        [
            [
                escape(f.kind),
                fmt_int(f.files),
                fmt_int(f.records),
                fmt_int(f.rejected),
                fmt_bytes(f.bytes),
            ]
            for f in data.files
        ],
        numeric=[1, 2, 3, 4],
        caption="Files loaded",
    )
    o = data.overview
    other = o.events - o.plays - o.logged_out_events
    summary = (
        f"{plural(o.events, 'log event')} staged: {plural(o.plays, 'play')}, "
        f"{fmt_int(o.logged_out_events)} by logged-out visitors and {fmt_int(other)} other "
        f"page views by logged-in users. {last_loaded(data.runs)}"
    )
    return f'<div class="card"><h3>Load summary</h3><p>{summary}</p>{files}{counts}</div>'


def _checks_card(data: ReportData) -> str:
    rows = [
        [
            f'<span class="badge {r.status}">{r.status}</span>',
            f'<code>{escape(r.name)}</code><br><span class="muted">{escape(r.description)}</span>',
            fmt_pct(r.value) if r.name.endswith("share") else fmt_int(r.value),
        ]
        for r in data.checks.results
    ]
    failed = len(data.checks.failures)
    lead = "Every check passed." if data.checks.ok else f"{plural(failed, 'check')} failed."
    reasons = ""
    if data.rejection_reasons:
        reasons = table(
            ["Reason", "Records"],
            [[escape(r), fmt_int(n)] for r, n in data.rejection_reasons],
            numeric=[1],
            caption="Why records were rejected",
        )
    checks = table(["Status", "Check", "Value"], rows, numeric=[2])
    return f'<div class="card"><h3>Data-quality checks</h3><p>{lead}</p>{checks}{reasons}</div>'


def quality(data: ReportData) -> str:
    """Row counts, files loaded and check results."""
    return section("quality", "Load and data quality", [_load_card(data), _checks_card(data)])
