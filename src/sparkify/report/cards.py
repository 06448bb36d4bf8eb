"""Building blocks of the report page: tables, chart cards, sections and number formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from html import escape

from sparkify.report.charts import Bar, bar_list_chart, fmt_int, plural
from sparkify.report.data import Ranked

Draw = Callable[[str, str, str], str]


def fmt_date(day: date) -> str:
    """``2018-11-01`` -> ``1 Nov 2018``."""
    return f"{day.day} {day:%b %Y}"


def fmt_bytes(size: int) -> str:
    """A byte count in B, KB, MB or GB (powers of 1,000)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} GB"


def period(first: datetime | None, last: datetime | None) -> str:
    """The covered period, e.g. ``1 Nov 2018 – 30 Nov 2018``."""
    if first is None or last is None:
        return "no plays yet"
    a, b = fmt_date(first.date()), fmt_date(last.date())
    return a if a == b else f"{a} – {b}"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    caption: str = "",
) -> str:
    """An HTML table of already formatted cells; ``numeric`` columns are right-aligned."""

    def cell(tag: str, i: int, text: str) -> str:
        css = ' class="num"' if i in numeric else ""
        return f"<{tag}{css}>{text}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-box"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def figure(
    chart_id: str, title: str, caption: str, chart: str, data_table: str, *, wide: bool = False
) -> str:
    """A chart card: heading, one-line reading of the chart, the chart, its data table."""
    css = "card chart wide" if wide else "card chart"
    return (
        f'<figure class="{css}" id="{chart_id}" aria-labelledby="{chart_id}-h">'
        f'<figcaption><h3 id="{chart_id}-h">{escape(title)}</h3><p>{escape(caption)}</p>'
        f'</figcaption><div class="chart-box">{chart}</div>'
        f"<details><summary>Data table</summary>{data_table}</details></figure>"
    )


def ranked_rows(items: list[Ranked], second: str, extra: str = "") -> list[list[str]]:
    """Table rows for a top-N list: rank, label, sublabel, plays (and the extra count)."""
    rows = []
    for i, r in enumerate(items, 1):
        row = [str(i), escape(r.label)]
        if second:
            row.append(escape(r.sublabel))
        row.append(fmt_int(r.plays))
        if extra:
            row.append(fmt_int(r.extra))
        rows.append(row)
    return rows


def section(slug: str, title: str, cards: list[str], intro: str = "") -> str:
    """A page section: heading, optional intro, its cards in the responsive grid."""
    return (
        f'<section aria-labelledby="{slug}-h"><h2 id="{slug}-h">{escape(title)}</h2>'
        f'{intro}<div class="grid">{"".join(cards)}</div></section>'
    )


def card(
    chart_id: str, title: str, reading: str, draw: Draw, data_table: str, *, wide: bool = False
) -> str:
    """A chart card: ``draw(chart_id, title, desc)`` makes the SVG; ``reading`` (one sentence
    on what the chart shows) is both its caption and its text alternative."""
    return figure(chart_id, title, reading, draw(chart_id, title, reading), data_table, wide=wide)


def column_bars(
    labels: list[str], values: list[int], tips: list[str] | None = None, unit: str = "play"
) -> list[Bar]:
    """Bars for a column chart, the first highest one highlighted; tooltips read
    ``{tip}: {value} {unit}s`` (``tips`` default to the labels)."""
    peak = max(values, default=0)
    first_peak = values.index(peak) if peak else -1
    return [
        Bar(label, v, f"{tip}: {plural(v, unit)}", highlight=i == first_peak)
        for i, (label, v, tip) in enumerate(zip(labels, values, tips or labels, strict=True))
    ]


def extremes(names: list[str], values: list[int], what: str, unit: str = "play") -> str:
    """One sentence naming the highest and lowest value, e.g. the busiest and quietest hour."""
    if not values or max(values) == 0:
        return "No plays yet."
    hi, lo = values.index(max(values)), values.index(min(values))
    return (
        f"Busiest {what}: {names[hi]} with {plural(values[hi], unit)}; "
        f"quietest: {names[lo]} with {plural(values[lo], unit)}."
    )


def two_columns(headers: list[str], names: list[str], values: list[int]) -> str:
    """A two-column data table of names and counts."""
    rows = [[escape(n), fmt_int(v)] for n, v in zip(names, values, strict=True)]
    return table(headers, rows, numeric=[1])


def ranked_card(
    chart_id: str,
    title: str,
    caption: str,
    items: list[Ranked],
    *,
    name: str = "Name",
    second: str = "",
    extra: str = "",
) -> str:
    """A top-N list as a bar chart. ``second`` names the sublabel column (e.g. the artist of a
    song); ``extra`` names the extra count shown under each label (e.g. listeners)."""
    if not items:
        return f'<div class="card"><h3>{escape(title)}</h3><p class="empty">No plays.</p></div>'

    def sub(r: Ranked) -> str:
        if second:
            return r.sublabel
        return plural(r.extra, extra.lower().rstrip("s")) if extra else ""

    bars = [
        Bar(
            r.label,
            r.plays,
            f"{r.label}{' — ' + r.sublabel if second else ''}: {plural(r.plays, 'play')}",
            sub(r),
            highlight=i == 0,
        )
        for i, r in enumerate(items)
    ]
    listing = "; ".join(
        f"{i}. {r.label}{' by ' + r.sublabel if second else ''}, {plural(r.plays, 'play')}"
        for i, r in enumerate(items, 1)
    )

    headers = ["#", name, *([second] if second else []), "Plays", *([extra] if extra else [])]
    numeric = [i for i, h in enumerate(headers) if i == 0 or h in ("Plays", extra)]
    data_table = table(headers, ranked_rows(items, second, extra), numeric=numeric)
    desc = f"Bar chart, most played first. {listing}."
    chart = bar_list_chart(chart_id, title, desc, bars, x_title="Plays")
    return figure(chart_id, title, caption, chart, data_table)
