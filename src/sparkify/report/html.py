"""The analytics report as one self-contained HTML page.

No script, no external style sheet, no web font, no image URL: the page's Content Security
Policy (``default-src 'none'``) forbids every network request, so it opens offline and the
browser test can prove it made none. Charts are inline SVG from :mod:`sparkify.report.charts`.
"""

from __future__ import annotations

from html import escape

from sparkify.report.audience import who
from sparkify.report.cards import period
from sparkify.report.charts import fmt_int, fmt_pct
from sparkify.report.data import ReportData
from sparkify.report.listening import what, when
from sparkify.report.loads import loads
from sparkify.report.quality import quality
from sparkify.report.style import CSS
from sparkify.version import __version__

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def repaired(text: str) -> str | None:
    """The text a double-encoded UTF-8 string (``BjÃ¶rk``) probably meant (``Björk``), or
    ``None`` when it does not look double-encoded."""
    fixed = text
    for _ in range(3):
        try:
            candidate = fixed.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if candidate == fixed:
            break
        fixed = candidate
    return fixed if fixed != text else None


def _kpi(label: str, value: str, note: str, css: str = "") -> str:
    cls = f"kpi {css}".strip()
    return (
        f'<li class="{cls}"><span class="kpi-label">{escape(label)}</span>'
        f'<span class="kpi-value">{escape(value)}</span>'
        f'<span class="kpi-note">{escape(note)}</span></li>'
    )


def kpis(data: ReportData) -> str:
    """The tiles at the top of the page."""
    o = data.overview
    users = data.users_by_level
    per_session = o.plays / o.sessions if o.sessions else 0
    checks = [r for r in data.checks.results if r.status in ("pass", "fail")]
    passed = sum(r.status == "pass" for r in checks)
    rejected = data.table_counts.get("load_errors", 0)
    tiles = [
        _kpi("Plays", fmt_int(o.plays), f"from {fmt_int(o.events)} logged events"),
        _kpi(
            "Listeners",
            fmt_int(o.listeners),
            f"{fmt_int(users.get('paid', 0))} paid, {fmt_int(users.get('free', 0))} free now",
        ),
        _kpi("Sessions", fmt_int(o.sessions), f"{per_session:,.1f} plays per session"),
        _kpi("Days", fmt_int(o.days), period(o.first_play, o.last_play)),
        _kpi(
            "Paid plays",
            fmt_pct(o.paid_share),
            f"{fmt_int(o.paid_plays)} of {fmt_int(o.plays)} plays",
        ),
        _kpi(
            "Catalogue match",
            fmt_pct(o.matched_share),
            f"{fmt_int(o.matched_plays)} of {fmt_int(o.plays)} plays matched a song",
        ),
        _kpi(
            "Checks passed",
            f"{passed} / {len(checks)}",
            f"{fmt_int(rejected)} input records rejected",
            "ok" if data.checks.ok else "fail",
        ),
    ]
    return (
        '<section aria-labelledby="kpi-h"><h2 id="kpi-h" class="visually-hidden">Key figures</h2>'
        f'<ul class="kpis">{"".join(tiles)}</ul></section>'
    )


def _names(data: ReportData) -> list[str]:
    lists = (data.top_songs_logged, data.top_artists_logged, data.top_songs_matched)
    names = [n for items in lists for r in items for n in (r.label, r.sublabel)]
    names += [r.label for r in data.top_artists_matched + data.top_locations]
    return list(dict.fromkeys(n for n in names if n))


def encoding_note(data: ReportData) -> str:
    """A footnote on double-encoded names shown in the page, if any."""
    pairs = [(n, fixed) for n in _names(data) if (fixed := repaired(n)) is not None]
    if not pairs:
        return ""
    examples = "; ".join(f"“{escape(n)}” is probably “{escape(f)}”" for n, f in pairs[:3])
    many = len(pairs) != 1
    verb = "are" if many else "is"
    return (
        f"<p>{len(pairs)} name{'s' if many else ''} shown here {verb} double-encoded UTF-8 in "
        f"the input logs and {verb} shown as stored in the warehouse: {examples}.</p>"
    )


def _header(data: ReportData) -> str:
    o = data.overview
    when = data.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<header><h1>Sparkify listening report</h1>"
        f'<p class="lede">{fmt_int(o.plays)} plays by {fmt_int(o.listeners)} listeners, '
        f"{escape(period(o.first_play, o.last_play))} (UTC).</p>"
        f'<p class="meta">Warehouse {escape(data.target)} · generated {when} · '
        f"sparkify {__version__}</p></header>"
    )


def _footer(data: ReportData) -> str:
    return (
        "<footer><p>All times are UTC. A play is a <code>songplays</code> row: a NextSong event "
        "by a logged-in user. “As logged” lists use the title and artist the app wrote in its "
        "log; “catalogue” lists use plays matched to the song catalogue on title, artist and "
        "duration. The SQL behind every number is in docs/queries.md and "
        "sparkify/sql/report.sql.</p>"
        f"{encoding_note(data)}</footer>"
    )


def render_html(data: ReportData) -> str:
    """The whole report page for ``data``."""
    o = data.overview
    title = f"Sparkify listening report · {period(o.first_play, o.last_play)}"
    body = "".join(
        [
            _header(data),
            "<main>",
            kpis(data),
            when(data),
            what(data),
            who(data),
            quality(data),
            loads(data),
            "</main>",
            _footer(data),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f'<body><div class="page">{body}</div></body></html>\n'
    )
