"""What the analytics report shows on the real sample, shared by the page tests and the
browser tests."""

from __future__ import annotations

from datetime import UTC, datetime

#: The report's "now" in the tests: its dates and ages do not change from day to day.
NOW = datetime(2025, 1, 1, tzinfo=UTC)
#: Chart id -> the bars or segments it draws on the sample.
CHARTS = {
    "chart-day": 30,
    "chart-hour": 24,
    "chart-weekday": 7,
    "chart-match": 2,
    "chart-songs-logged": 10,
    "chart-artists-logged": 10,
    "chart-songs-matched": 1,
    "chart-artists-matched": 1,
    "chart-level": 4,
    "chart-activity": 8,
    "chart-locations": 10,
    "chart-listeners": 10,
    "chart-loads": 1,  # rows of songplays after each committed run: the sample's one run
}
