"""When people listen and what they play: plays per day, hour and weekday; the catalogue
match; top songs and artists, as logged and as matched."""

from __future__ import annotations

from datetime import date
from functools import partial

from sparkify.report.cards import (
    card,
    column_bars,
    extremes,
    fmt_date,
    ranked_card,
    section,
    table,
    two_columns,
)
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

WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _by_day(days: list[tuple[date, int]]) -> str:
    values = [n for _, n in days]
    one_month = len({(d.year, d.month) for d, _ in days}) == 1
    labels = [str(d.day) if one_month else f"{d.day} {d:%b}" for d, _ in days]
    names = [f"{d:%a} {fmt_date(d)}" for d, _ in days]
    bars = column_bars(labels, values, names)
    every = 1 if len(days) <= 31 else -(-len(days) // 16)
    x_title = f"Day of {days[0][0]:%B %Y} (UTC)" if one_month else "Date (UTC)"

    draw = partial(
        column_chart,
        bars=bars,
        x_title=x_title,
        y_title="Plays",
        label_every=every,
        width=1100,
        height=250,
    )

    reading = extremes(names, values, "day")
    return card(
        "chart-day",
        "Plays per day",
        reading,
        draw,
        two_columns(["Day", "Plays"], names, values),
        wide=True,
    )


def when(data: ReportData) -> str:
    """Plays per day, per hour of day and per weekday."""
    hours = [f"{h:02d}:00" for h in range(24)]
    hour_bars = column_bars([str(h) for h in range(24)], data.plays_by_hour, hours)
    day_bars = column_bars([w[:3] for w in WEEKDAYS], data.plays_by_weekday, list(WEEKDAYS))

    draw_hours = partial(
        column_chart, bars=hour_bars, x_title="Hour of day (UTC)", y_title="Plays", label_every=2
    )

    draw_days = partial(
        column_chart, bars=day_bars, x_title="Day of the week", y_title="Plays", value_labels=True
    )

    cards = [_by_day(data.plays_by_day)] if data.plays_by_day else []
    cards.append(
        card(
            "chart-hour",
            "Plays per hour of day (UTC)",
            extremes(hours, data.plays_by_hour, "hour"),
            draw_hours,
            two_columns(["Hour (UTC)", "Plays"], hours, data.plays_by_hour),
        )
    )
    cards.append(
        card(
            "chart-weekday",
            "Plays per weekday",
            extremes(list(WEEKDAYS), data.plays_by_weekday, "weekday"),
            draw_days,
            two_columns(["Weekday", "Plays"], list(WEEKDAYS), data.plays_by_weekday),
        )
    )
    return section("when", "When people listen", cards)


def _match_card(data: ReportData) -> str:
    o = data.overview
    unmatched = o.plays - o.matched_plays
    reading = (
        f"{plural(o.matched_plays, 'play')} of {fmt_int(o.plays)} ({fmt_pct(o.matched_share)}) "
        f"matched a catalogue song on title, artist and duration; {fmt_int(unmatched)} did not."
    )
    if o.plays and o.matched_share < 0.5:
        reading += (
            " So the first lists below use the title and artist as the app logged them; the "
            "catalogue lists follow."
        )
    rows = [
        ShareRow(
            "Plays",
            (
                Segment("matched", o.matched_plays, "matched"),
                Segment("not in the catalogue", unmatched, "unmatched"),
            ),
        )
    ]

    draw = partial(share_chart, rows=rows, width=1100)

    unmatched_share = 1 - o.matched_share if o.plays else 0
    data_table = table(
        ["Plays", "Count", "Share"],
        [
            ["matched", fmt_int(o.matched_plays), fmt_pct(o.matched_share)],
            ["not in the catalogue", fmt_int(unmatched), fmt_pct(unmatched_share)],
        ],
        numeric=[1, 2],
    )
    title = "Plays matched to the catalogue"
    return card("chart-match", title, reading, draw, data_table, wide=True)


def what(data: ReportData) -> str:
    """The catalogue match, then top songs and artists, as logged and as matched."""
    cards = [
        _match_card(data),
        ranked_card(
            "chart-songs-logged",
            "Top songs as logged",
            "Title and artist from the activity log, whether or not the song is in the catalogue.",
            data.top_songs_logged,
            name="Title",
            second="Artist",
        ),
        ranked_card(
            "chart-artists-logged",
            "Top artists as logged",
            "Artist names from the activity log, with how many of their songs were played.",
            data.top_artists_logged,
            extra="Songs",
        ),
        ranked_card(
            "chart-songs-matched",
            "Top catalogue songs",
            "Plays matched to a song of the catalogue (the songs and artists tables).",
            data.top_songs_matched,
            name="Title",
            second="Artist",
        ),
        ranked_card(
            "chart-artists-matched",
            "Top catalogue artists",
            "Plays matched to an artist of the catalogue.",
            data.top_artists_matched,
        ),
    ]
    return section("what", "What they play", cards)
