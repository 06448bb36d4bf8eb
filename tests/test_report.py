"""The analytics report: exact numbers on the real sample, on every target; a self-contained
page; queries documented; helpers that format and bucket."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from sparkify.config import load_settings
from sparkify.errors import ExitCode, TargetError
from sparkify.pipeline.run import create_tables
from sparkify.report import build_report, collect
from sparkify.report.audience import activity_buckets, activity_reading
from sparkify.report.charts import fmt_pct, nice_ticks, plural, truncate
from sparkify.report.data import Ranked, ReportData
from sparkify.report.html import render_html, repaired
from sparkify.schema.render import DuckDBRenderer, RedshiftRenderer
from sparkify.sql import statements
from sparkify.targets import open_target
from tests.helpers import daily_source, invoke, run_load, write_log
from tests.report_sample import CHARTS, NOW
from tests.sample import ROOT

BJORK = "Bj\u00c3\u0083\u00c2\u00b6rk"  # double-encoded UTF-8, as in the logs


def visible_text(page: str) -> str:
    """The page's text (with the SVG titles and descriptions), tags removed, entities decoded,
    whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def report_data(url: str) -> ReportData:
    """The report's data, read through a read-only connection."""
    target = open_target(load_settings(overrides={"target": url}, env={}))
    target.connect(read_only=True)
    try:
        return collect(target, now=NOW)
    finally:
        target.close()


def test_numbers_on_the_sample(sample_url: str) -> None:
    data = report_data(sample_url)
    o = data.overview
    assert (o.plays, o.listeners, o.sessions, o.days) == (6820, 96, 776, 30)
    assert (o.matched_plays, o.paid_plays, o.events, o.logged_out_events) == (1, 5591, 8056, 286)
    assert o.first_play == datetime(2018, 11, 1, 21, 1, 46, 796000)
    assert o.last_play == datetime(2018, 11, 30, 19, 54, 24, 796000)
    assert data.top_songs_logged[:3] == [
        Ranked("You're The One", "Dwight Yoakam", 37),
        Ranked("Undo", BJORK, 28),
        Ranked("Revelry", "Kings Of Leon", 27),
    ]
    assert data.top_artists_logged[:2] == [
        Ranked("Coldplay", "", 58, 24),
        Ranked("Kings Of Leon", "", 55, 19),
    ]
    assert data.top_songs_matched == [Ranked("Setanta matins", "Elena", 1)]
    assert data.top_artists_matched == [Ranked("Elena", "", 1)]
    assert data.plays_by_level == {"free": (1229, 82), "paid": (5591, 22)}
    assert data.users_by_level == {"free": 74, "paid": 22}
    assert data.top_locations[0] == Ranked("San Francisco-Oakland-Hayward, CA", "", 691, 2)
    assert data.top_listeners[0] == Ranked("Chloe Cuevas", "user 49 · paid now", 689)
    assert data.plays_by_hour[16] == 542 and data.plays_by_hour[3] == 109
    assert sum(data.plays_by_hour) == 6820
    assert data.plays_by_weekday == [396, 1014, 1071, 1364, 1052, 1295, 628]
    assert data.plays_by_day[0] == (date(2018, 11, 1), 11)
    assert max(data.plays_by_day, key=lambda d: d[1]) == (date(2018, 11, 15), 479)
    assert sum(u for _, u in data.user_activity) == 96
    assert sum(p * u for p, u in data.user_activity) == 6820
    assert data.table_counts == {
        "songplays": 6820, "users": 96, "songs": 71, "artists": 69, "time": 6813,
        "staging_events": 8056, "staging_songs": 71, "load_errors": 0,
    }  # fmt: skip
    assert [(f.kind, f.files, f.records, f.rejected) for f in data.files] == [
        ("log", 30, 8056, 0),
        ("song", 71, 71, 0),
    ]
    assert data.rejection_reasons == []
    assert data.checks.ok and not data.checks.failures


def test_page_shows_the_numbers_on_the_sample(sample_url: str) -> None:
    page = render_html(report_data(sample_url))
    text = visible_text(page)
    for shown in (
        "6,820 plays by 96 listeners, 1 Nov 2018 – 30 Nov 2018 (UTC).",
        "Busiest hour: 16:00 with 542 plays; quietest: 03:00 with 109 plays.",
        "Busiest weekday: Wednesday with 1,364 plays; quietest: Sunday with 396 plays.",
        "1 play of 6,820 (0.01%) matched a catalogue song",
        "Paid listeners made 82.0% of plays; 22 of 96 listeners (22.9%) are on the paid level now.",
        "The median listener played 15 songs; the 10 most active listeners made 62.2% of all plays.",
        "1. You're The One by Dwight Yoakam, 37 plays; 2. Undo by " + BJORK + ", 28 plays",
        "Every check passed.",
        f"“{BJORK}” is probably “Björk”",
    ):
        assert shown in text, shown
    for chart_id, marks in CHARTS.items():
        svg = re.search(rf'<figure class="[^"]*" id="{chart_id}".*?</svg>', page, re.S)
        assert svg, chart_id
        assert svg.group(0).count("data-value=") == marks, chart_id
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg.group(0)
    assert page.count('class="chart-svg"') == len(CHARTS)
    assert page.count("<details><summary>Data table</summary>") == len(CHARTS)


def test_page_is_self_contained(sample_url: str) -> None:
    page = render_html(report_data(sample_url))
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|url\(|@import|@font-face", page)
    assert "default-src 'none'" in page  # the browser itself refuses any request


def test_cli_writes_the_report(sample: Path, tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    run_load(url, sample)
    out = tmp_path / "out" / "november.html"
    out.parent.mkdir()
    result = invoke("report", "--target", url, "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert "You&#x27;re The One" in out.read_text(encoding="utf-8")
    assert invoke("report", "--target", url).exit_code == 0  # default -o report.html
    assert (tmp_path / "report.html").is_file()  # tests run in tmp_path


def test_report_of_a_missing_or_empty_warehouse(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert invoke("report", "--target", url).exit_code == ExitCode.TARGET
    settings = load_settings(overrides={"target": url}, env={})
    with open_target(settings) as target:
        target.execute("CREATE TABLE songplays (x INTEGER)")
        with pytest.raises(TargetError, match="has no table artists, load_errors"):
            collect(target)
        target.execute("DROP TABLE songplays")
        create_tables(target)
        page = build_report(target, now=NOW)
    assert "0 plays by 0 listeners, no plays yet (UTC)." in page
    assert page.count("No plays yet.") >= 3 and page.count('<p class="empty">No plays.</p>') == 6
    assert '<p class="empty">No runs recorded yet.</p>' in page and "No load recorded yet." in page


def test_loads_section_lists_the_runs_and_when_the_warehouse_last_loaded(
    tmp_path: Path,
) -> None:
    source = daily_source(tmp_path / "src", 2)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert invoke("run", "--source", str(source), "--target", url, "-q").exit_code == 0
    write_log(source / "log_data" / "day09.json", ["not json"])
    assert invoke("etl", "--source", str(source), "--target", url, "--max-errors", "0").exit_code
    target = open_target(load_settings(overrides={"target": url}, env={}))
    target.connect(read_only=True)
    try:
        data = collect(target, now=NOW)
    finally:
        target.close()
    committed = data.runs[1]["finished_at"]
    text = visible_text(render_html(data))
    loads = text[text.index("Loads Latest runs") :]
    assert loads.startswith(
        f"Loads Latest runs 2 runs recorded here. Last loaded {committed:%Y-%m-%d %H:%M} UTC. "
    )
    rejected, first = (
        loads.split(" UTC etl, incremental ")[1],
        loads.split(" UTC run, first load ")[1],
    )
    assert rejected.startswith(
        "1 new file, 0 changed files, 1 record read, 1 rejected rejected exit 5: 1 records were "
        "rejected, more than --max-errors 0; nothing was committed."
    )
    assert first.startswith(
        "5 new files, 0 changed files, 83 records read, 0 rejected 80 committed"
    )
    assert f"page views by logged-in users. Last loaded {committed:%Y-%m-%d %H:%M} UTC." in text
    assert "Rows over time" in text and "80 after the first shown, 80 now." in text


def test_queries_doc_shows_every_report_query() -> None:
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"^```sql\n(.*?)^```$", doc, re.M | re.S)]
    queries = [s.sql for s in statements("report", DuckDBRenderer())]
    assert blocks == queries, "docs/queries.md is out of step with src/sparkify/sql/report.sql"


def test_report_sql_is_redshift_sql() -> None:
    sqlglot = pytest.importorskip("sqlglot")
    for stmt in statements("report", RedshiftRenderer()):
        assert sqlglot.parse_one(stmt.sql, read="redshift") is not None, stmt.name


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0, "0.0%"),
        (1 / 6820, "0.01%"),
        (0.82, "82.0%"),
        (6819 / 6820, "99.99%"),
        (1e-6, "<0.01%"),
        (1, "100.0%"),
    ],
)
def test_percentages_never_round_to_zero_or_all(share: float, shown: str) -> None:
    assert fmt_pct(share) == shown


def test_small_formatting_helpers() -> None:
    assert nice_ticks(542) == [0, 200, 400, 600]
    assert nice_ticks(1364) == [0, 500, 1000, 1500]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(0) == [0, 1]
    assert plural(1, "play") == "1 play" and plural(6820, "play") == "6,820 plays"
    assert truncate("Horn Concerto No. 4 in E flat K495", 100, 10) == "Horn Concerto No…"
    assert repaired(BJORK) == "Björk" and repaired("Björk") is None and repaired("Coldplay") is None


def test_activity_buckets() -> None:
    dist = [(1, 2), (4, 1), (5, 3), (24, 1), (689, 1)]
    assert activity_buckets(dist) == [
        ("1–4", 3), ("5–9", 3), ("10–24", 1), ("25–49", 0), ("50–99", 0),
        ("100–249", 0), ("250–499", 0), ("500–999", 1),
    ]  # fmt: skip
    assert activity_buckets([]) == [("1–4", 0), ("5–9", 0)]
    assert activity_reading([(1, 1), (3, 1)], 4).startswith("The median listener played 2 songs")
