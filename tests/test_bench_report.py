"""The benchmark's report arithmetic: derived rates, a repeated approach, the verdict lines."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_report"] = module
    spec.loader.exec_module(module)
    return module


def _result(name: str, seconds: float) -> dict[str, Any]:
    return {
        "approach": name,
        "status": "ok",
        "seconds": seconds,
        "parts": {"stage": seconds},
        "peak_rss_mib": 100.0,
        "counts": {},
    }


def test_repeated_approaches_get_rates_and_the_postgres_verdict_takes_the_median_pair() -> None:
    report = _report()
    names = ["sparkify-postgres", "classic-postgres", "sparkify-postgres", "classic-postgres"]
    results = [_result(n, s) for n, s in zip(names, [20.0, 50.0, 30.0, 50.0], strict=True)]
    events = dict.fromkeys(names, 1000)
    nbytes = dict.fromkeys(names, 2_000_000)
    report.derive(results, events, nbytes)
    assert [r["events_per_s"] for r in results] == [50.0, 20.0, 1000 / 30, 20.0]
    assert results[0]["mb_per_s"] == 0.1
    lines = report.verdicts(results)
    pairs = "sparkify-postgres / classic-postgres = 0.40x, 0.60x; median = 0.50x"
    assert f"{pairs} (target <= 0.5x): met" in lines
    assert len(report.table(results).splitlines()) == 2 + len(results)


def test_postgres_verdict_met_at_half() -> None:
    report = _report()
    results = [_result("sparkify-postgres", 25.0), _result("classic-postgres", 50.0)]
    report.derive(
        results,
        dict.fromkeys(["sparkify-postgres", "classic-postgres"], 1),
        {"sparkify-postgres": 1, "classic-postgres": 1},
    )
    assert "sparkify-postgres / classic-postgres = 0.50x (target <= 0.5x): met" in report.verdicts(
        results
    )


def test_postgres_verdict_missed_when_the_median_pair_is_over_half() -> None:
    report = _report()
    names = ["sparkify-postgres", "classic-postgres"] * 3
    seconds = [20.0, 50.0, 26.0, 50.0, 27.0, 50.0]
    results = [_result(n, s) for n, s in zip(names, seconds, strict=True)]
    results.append({"approach": "classic-postgres", "status": "timed out"})
    report.derive(results, dict.fromkeys(names, 1), dict.fromkeys(names, 1))
    pairs = "sparkify-postgres / classic-postgres = 0.40x, 0.52x, 0.54x; median = 0.52x"
    assert f"{pairs} (target <= 0.5x): MISSED" in report.verdicts(results)


def _round(k: int, floor: float, full: float, day: float, data: str = "base") -> list[Any]:
    names = ["floor", "sparkify-duckdb", "sparkify-duckdb-incremental"]
    return [
        _result(n, s) | {"round": k, "data": data}
        for n, s in zip(names, [floor, full, day], strict=True)
    ]


def test_rounds_are_judged_on_the_median_each_against_its_own_floor() -> None:
    report = _report()
    results = _round(1, 4.0, 10.0, 1.0) + _round(2, 5.0, 16.0, 1.6) + _round(3, 4.0, 14.0, 1.2)
    names = ["floor", "sparkify-duckdb", "sparkify-duckdb-incremental"]
    report.derive(results, dict.fromkeys(names, 10), dict.fromkeys(names, 10))
    lines = report.verdicts(results)
    ratios = "sparkify-duckdb full load / floor = 2.50x, 3.20x, 3.50x; median = 3.20x"
    assert f"{ratios} (target <= 3x): MISSED" in lines
    shares = "incremental one-day run / full load = 10.0%, 10.0%, 8.6%; median = 10.0%"
    assert f"{shares} (target <= 10%): met" in lines
    assert any("#3" in line for line in report.table(results).splitlines())


def test_the_larger_data_set_is_judged_against_the_median_full_load() -> None:
    report = _report()
    results = _round(1, 4.0, 10.0, 1.0) + _round(2, 4.0, 12.0, 1.0)
    results += _round(1, 20.0, 62.0, 5.0, data="scale")
    results[-2]["peak_rss_mib"] = 2100.0
    names = ["floor", "sparkify-duckdb", "sparkify-duckdb-incremental"]
    report.derive(results, dict.fromkeys(names, 10), dict.fromkeys(names, 10))
    lines = report.verdicts(results, 2_000_000, 10_000_000)
    scale = [line for line in lines if line.startswith("scale: full load")]
    assert scale == [
        "scale: full load 62.00s / median full load 11.00s (5.00x the events; floor ratio "
        "3.10x) = 5.64x (target <= 5.5x): MISSED"
    ]
    assert "scale: sparkify-duckdb peak RSS = 2100 MiB (target <= 2048 MiB): MISSED" in lines
    assert "scale: incremental one-day run / full load = 8.1%" in lines
