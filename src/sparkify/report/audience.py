"""Who listens: free vs paid, how active listeners are, where they are, the most active."""

from __future__ import annotations

import itertools
from functools import partial
from html import escape

from sparkify.report.cards import card, column_bars, ranked_card, section, table, two_columns
from sparkify.report.charts import (
    Segment,
    ShareRow,
    column_chart,
    fmt_int,
    fmt_pct,
    plural,
    share_chart,
)
from sparkify.report.data import ReportData

LEVEL_CSS = {"paid": "paid", "free": "free"}


def activity_buckets(distribution: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """Users per range of plays (1–4, 5–9, 10–24, 25–49, 50–99, 100–249, …), from
    ``(plays, users)`` pairs; ranges stop at the first one holding the most active user."""
    top = max((p for p, _ in distribution), default=0)
    edges = [1, 5, 10]
    while edges[-1] <= top:
        edges.append(int(edges[-1] * (2.5 if str(edges[-1])[0] == "1" else 2)))
    return [
        (f"{lo:,}–{hi - 1:,}", sum(u for p, u in distribution if lo <= p < hi))
        for lo, hi in itertools.pairwise(edges)
    ]


def _nth(ascending: list[tuple[int, int]], k: int) -> int:
    """The plays of the ``k``-th least active listener (0-based) in a sorted distribution."""
    seen = 0
    for plays, users in ascending:
        seen += users
        if k < seen:
            return plays
    raise IndexError(k)


def activity_reading(distribution: list[tuple[int, int]], plays: int) -> str:
    """The median plays per listener and the share of plays of the ten most active, from
    ``(plays, listeners)`` pairs."""
    ascending = sorted(distribution)
    n = sum(u for _, u in ascending)
    if n == 0:
        return "No plays yet."
    median = (_nth(ascending, (n - 1) // 2) + _nth(ascending, n // 2)) / 2
    top = left = min(10, n)
    top_plays = 0
    for count, users in reversed(ascending):
        taken = min(users, left)
        top_plays, left = top_plays + taken * count, left - taken
    share = top_plays / plays if plays else 0
    median_text = f"{median:,.0f}" if median == int(median) else f"{median:,.1f}"
    return (
        f"The median listener played {median_text} songs; the {top} most active listeners "
        f"made {fmt_pct(share)} of all plays."
    )


def _activity_card(data: ReportData) -> str:
    buckets = activity_buckets(data.user_activity)
    names, values = [b for b, _ in buckets], [n for _, n in buckets]
    bars = column_bars(names, values, [f"{b} plays" for b in names], unit="listener")

    draw = partial(
        column_chart,
        bars=bars,
        x_title="Plays per listener in the period",
        y_title="Listeners",
        value_labels=True,
    )

    reading = activity_reading(data.user_activity, data.overview.plays)
    data_table = two_columns(["Plays per listener", "Listeners"], names, values)
    return card("chart-activity", "Listeners by number of plays", reading, draw, data_table)


def _level_card(data: ReportData) -> str:
    levels = sorted(set(data.plays_by_level) | set(data.users_by_level), key=lambda v: v != "paid")
    played = {lv: data.plays_by_level.get(lv, (0, 0)) for lv in levels}
    now = {lv: data.users_by_level.get(lv, 0) for lv in levels}
    rows = [
        ShareRow(
            "Plays",
            tuple(Segment(lv, played[lv][0], LEVEL_CSS.get(lv, "unmatched")) for lv in levels),
        ),
        ShareRow(
            "Listeners now",
            tuple(Segment(lv, now[lv], LEVEL_CSS.get(lv, "unmatched")) for lv in levels),
        ),
    ]
    o, users = data.overview, sum(now.values())
    paid = now.get("paid", 0)
    reading = (
        f"Paid listeners made {fmt_pct(o.paid_share)} of plays; {fmt_int(paid)} of "
        f"{plural(users, 'listener')} ({fmt_pct(paid / users if users else 0)}) are on the paid "
        "level now."
    )

    draw = partial(share_chart, rows=rows)

    data_table = table(
        ["Level", "Plays", "Share of plays", "Listeners who played at it", "Listeners now"],
        [
            [
                escape(lv),
                fmt_int(played[lv][0]),
                fmt_pct(played[lv][0] / o.plays if o.plays else 0),
                fmt_int(played[lv][1]),
                fmt_int(now[lv]),
            ]
            for lv in levels
        ],
        numeric=[1, 2, 3, 4],
    )
    return card("chart-level", "Free and paid", reading, draw, data_table)


def who(data: ReportData) -> str:
    """Free vs paid, how active listeners are, who they are and where they listen from."""
    cards = [
        _level_card(data),
        _activity_card(data),
        ranked_card(
            "chart-locations",
            "Top locations",
            "Where listeners are, as the app logged it.",
            data.top_locations,
            name="Location",
            extra="Listeners",
        ),
        ranked_card(
            "chart-listeners",
            "Most active listeners",
            "Listeners with the most plays, with their current level.",
            data.top_listeners,
            name="Listener",
            second="User",
        ),
    ]
    return section("who", "Who listens", cards)
