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
