"""Accessible inline-SVG charts in pure Python: no script, no library, no network.

Every chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; every bar or
segment carries its own ``<title>`` (a tooltip, and text for screen readers) and a
``data-value``. Colours and fonts come from the page's CSS classes, so one stylesheet styles
every chart (and its dark variant). Geometry is in viewBox units; the SVG scales to its box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

CHAR_WIDTH = 0.56  # average glyph width of the UI sans-serif, in em


@dataclass(frozen=True)
class Bar:
    """One bar: its axis label, value and tooltip; ``sublabel`` is a second, muted line."""

    label: str
    value: float
    tooltip: str
    sublabel: str = ""
    highlight: bool = False


@dataclass(frozen=True)
class Segment:
    """One part of a 100 % bar; ``css`` picks its colour class."""

    label: str
    value: float
    css: str


@dataclass(frozen=True)
class ShareRow:
    """One 100 % bar made of segments."""

    label: str
    segments: tuple[Segment, ...]


def fmt_int(value: float) -> str:
    """``6820`` -> ``6,820``."""
    return f"{round(value):,}"


def fmt_pct(share: float) -> str:
    """A share as a percentage: one decimal, two near 0 % and 100 %, never a rounded 0 or 100
    for a share that is not exactly 0 or 1."""
    pct = share * 100
    if pct in (0, 100) or 1 <= pct <= 99:
        return f"{pct:.1f}%"
    if pct < 0.01:
        return "<0.01%"
    if pct > 99.99:
        return ">99.99%"
    return f"{pct:.2f}%"


def plural(count: float, word: str, words: str | None = None) -> str:
    """``1 play``, ``6,820 plays``."""
    return f"{fmt_int(count)} {word if count == 1 else (words or word + 's')}"


def truncate(text: str, width: float, font_size: float) -> str:
    """``text`` cut with an ellipsis to fit about ``width`` units at ``font_size``."""
    fits = max(1, int(width / (font_size * CHAR_WIDTH)))
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "…"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top``, about ``count`` steps, integer steps."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    factors = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = max(1.0, next(m * magnitude for m in factors if m * magnitude >= raw))
    steps = math.ceil(top / step)
    return [i * step for i in range(steps + 1)]


def _svg_open(chart_id: str, title: str, desc: str, width: float, height: float, kind: str) -> str:
    return (
        f'<svg class="chart-svg" data-chart="{kind}" role="img" '
        f'viewBox="0 0 {width:g} {height:g}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _text(x: float, y: float, text: str, css: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}"{extra}>'
        f"{escape(text)}</text>"
    )


def _hline(css: str, x1: float, x2: float, y: float) -> str:
    return f'<line class="{css}" x1="{x1:g}" x2="{x2:g}" y1="{y:.1f}" y2="{y:.1f}"/>'


def _rect(x: float, y: float, w: float, h: float, css: str, value: float, tip: str) -> str:
    return (
        f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
        f'height="{max(h, 0):.1f}" rx="2" data-value="{value:g}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: list[Bar],
    *,
    x_title: str,
    y_title: str,
    label_every: int = 1,
    value_labels: bool = False,
    width: float = 560,
    height: float = 260,
) -> str:
    """Vertical bars over labelled categories, with a y axis of round ticks and gridlines."""
    left, right, top, bottom = 58.0, 10.0, 16.0, 48.0
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((b.value for b in bars), default=0))
    scale = plot_h / ticks[-1]
    base = top + plot_h
    out = [_svg_open(chart_id, title, desc, width, height, "column")]
    for tick in ticks:
        y = base - tick * scale
        out.append(_hline("gridline", left, width - right, y))
        out.append(_text(left - 8, y, fmt_int(tick), "tick", "end", ' dy="0.32em"'))
    band = plot_w / max(len(bars), 1)
    bar_w = band * 0.72
    for i, bar in enumerate(bars):
        x = left + i * band + (band - bar_w) / 2
        h = bar.value * scale
        css = "bar max" if bar.highlight else "bar"
        out.append(_rect(x, base - h, bar_w, h, css, bar.value, bar.tooltip))
        center = x + bar_w / 2
        if value_labels:
            out.append(_text(center, base - h - 5, fmt_int(bar.value), "value", "middle"))
        if i % label_every == 0:
            out.append(_text(center, base + 16, bar.label, "tick", "middle"))
    out.append(_hline("axis", left, width - right, base))
    out.append(_text(left + plot_w / 2, height - 8, x_title, "axis-title", "middle"))
    out.append(
        _text(
            0,
            0,
            y_title,
            "axis-title",
            "middle",
            f' transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)"',
        )
    )
    out.append("</svg>")
    return "".join(out)


def bar_list_chart(
    chart_id: str, title: str, desc: str, bars: list[Bar], *, x_title: str, width: float = 560
) -> str:
    """Horizontal bars, one per ranked row, label (and muted sublabel) on the left and the
    value at the end of each bar."""
    two_lines = any(b.sublabel for b in bars)
    row_h = 40.0 if two_lines else 28.0
    label_w, value_w, top, bottom = 230.0, 58.0, 6.0, 30.0
    bar_max = width - label_w - value_w
    height = top + row_h * max(len(bars), 1) + bottom
    peak = max((b.value for b in bars), default=0) or 1
    out = [_svg_open(chart_id, title, desc, width, height, "bars")]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        label = truncate(f"{i + 1}. {bar.label}", label_w - 12, 13)
        if two_lines:
            out.append(_text(0, y + 16, label, "label"))
            out.append(_text(14, y + 32, truncate(bar.sublabel, label_w - 26, 12), "sublabel"))
        else:
            out.append(_text(0, y + row_h / 2, label, "label", extra=' dy="0.32em"'))
        w = bar_max * bar.value / peak
        bar_h = row_h * 0.56
        by = y + (row_h - bar_h) / 2
        css = "bar max" if bar.highlight else "bar"
        out.append(_rect(label_w, by, w, bar_h, css, bar.value, bar.tooltip))
        out.append(
            _text(
                label_w + w + 6, by + bar_h / 2, fmt_int(bar.value), "value", extra=' dy="0.32em"'
            )
        )
    base = top + row_h * max(len(bars), 1)
    out.append(
        f'<line class="axis" x1="{label_w:g}" x2="{label_w:g}" y1="{top:g}" y2="{base:.1f}"/>'
    )
    out.append(_text(label_w + bar_max / 2, height - 8, x_title, "axis-title", "middle"))
    out.append("</svg>")
    return "".join(out)


def _legend(rows: list[ShareRow], x: float) -> list[str]:
    out, seen = [], set()
    for row in rows:
        for seg in row.segments:
            if seg.label in seen:
                continue
            seen.add(seg.label)
            out.append(
                f'<rect class="swatch {seg.css}" x="{x:.1f}" y="4" width="12" height="12" rx="2"/>'
            )
            out.append(_text(x + 17, 10, seg.label, "label", extra=' dy="0.32em"'))
            x += 17 + len(seg.label) * 13 * CHAR_WIDTH + 22
    return out


def _widths(segments: tuple[Segment, ...], width: float, least: float = 3.0) -> list[float]:
    """Segment widths proportional to their values; a non-zero segment stays visible (at
    least ``least`` wide), taken from the widest one."""
    total = sum(s.value for s in segments) or 1
    widths = [width * s.value / total for s in segments]
    for i, s in enumerate(segments):
        if s.value > 0 and widths[i] < least:
            widest = widths.index(max(widths))
            widths[widest] -= least - widths[i]
            widths[i] = least
    return widths


def share_chart(
    chart_id: str, title: str, desc: str, rows: list[ShareRow], *, width: float = 560
) -> str:
    """100 % bars: each row split into its segments, with a legend and percentage labels."""
    label_w, top, row_h, bar_h = 150.0, 30.0, 44.0, 26.0
    bar_w = width - label_w - 4
    height = top + row_h * len(rows)
    out = [_svg_open(chart_id, title, desc, width, height, "share"), *_legend(rows, label_w)]
    for i, row in enumerate(rows):
        y = top + i * row_h + (row_h - bar_h) / 2
        total = sum(s.value for s in row.segments) or 1
        out.append(
            _text(
                0,
                y + bar_h / 2,
                truncate(row.label, label_w - 8, 13),
                "label",
                extra=' dy="0.32em"',
            )
        )
        x = label_w
        for seg, w in zip(row.segments, _widths(row.segments, bar_w), strict=True):
            tip = f"{row.label}, {seg.label}: {fmt_int(seg.value)} ({fmt_pct(seg.value / total)})"
            out.append(_rect(x, y, w, bar_h, f"seg {seg.css}", seg.value, tip))
            text = fmt_pct(seg.value / total)
            if w > len(text) * 12 * CHAR_WIDTH + 10:
                label_css = f"seg-label on-{seg.css}"
                out.append(
                    _text(x + w / 2, y + bar_h / 2, text, label_css, "middle", ' dy="0.32em"')
                )
            x += w
    out.append("</svg>")
    return "".join(out)
