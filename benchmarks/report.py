"""The benchmark's output: the machine description, the results table and the verdicts."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MB = 1_000_000  # throughput: MB/s of input = 10^6 bytes per second; RSS is in MiB (2^20)
TARGETS = {
    "floor_ratio": 3.0,
    "peak_rss_mib": 2048.0,
    "incremental_share": 0.10,
    "pg_ratio": 0.5,
    "scale_ratio": 5.5,
}


def _meminfo_mib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 0)
    except OSError:
        return None
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def source_digest() -> dict[str, str]:
    """A fingerprint of the sparkify code measured (its .py and .sql files) and the time of
    its newest file, so numbers can be tied to a code state without asking git."""
    import hashlib

    import sparkify

    root = Path(sparkify.__file__).parent
    files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".sql"))
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    newest = max(p.stat().st_mtime for p in files)
    stamp = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return {"sparkify_source": digest.hexdigest(), "sparkify_newest_file": stamp}


def machine(pg_version: str | None) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_mib": _meminfo_mib(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "duckdb": _version("duckdb"),
        "pyarrow": _version("pyarrow"),
        "numpy": _version("numpy"),
        "psycopg": _version("psycopg"),
        "sparkify": _version("sparkify"),
        "postgresql": pg_version,
        **source_digest(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def machine_lines(info: dict[str, Any]) -> list[str]:
    """The machine as a few printable lines."""
    return [
        f"machine: {info['nproc']} CPUs ({info['usable_cpus']} usable), "
        f"{info['ram_mib']:.0f} MiB RAM, {info['cpu']}",
        f"         {info['platform']}; load average at start {info['loadavg_at_start']}",
        f"versions: python {info['python']}, duckdb {info['duckdb']}, pyarrow {info['pyarrow']}, "
        f"numpy {info['numpy']}, psycopg {info['psycopg']}, sparkify {info['sparkify']}, "
        f"PostgreSQL {info['postgresql'] or 'not reachable'}",
        f"code: sparkify source digest {info['sparkify_source']} (newest file "
        f"{info['sparkify_newest_file']}); started {info['started']}",
    ]


def _split(parts: dict[str, float]) -> str:
    return " + ".join(f"{k} {v:.2f}" for k, v in parts.items())


def _row(r: dict[str, Any]) -> list[str]:
    ratio = r.get("x_floor")
    tag = "" if r.get("data", "base") == "base" else f" [{r['data']}]"
    tag += f" #{r['round']}" if r.get("round", 1) > 1 else ""
    return [
        r["approach"] + tag + (" (profiled)" if r.get("profiled") else ""),
        f"{r['seconds']:.2f}",
        _split(r["parts"]),
        f"{r['events_per_s']:,.0f}",
        f"{r['mb_per_s']:.1f}",
        f"{r['peak_rss_mib']:.0f}",
        "" if ratio is None else f"{ratio:.2f}",
        r.get("vs", ""),
    ]


def _line(cells: list[str], widths: list[int]) -> str:
    left = [cells[0].ljust(widths[0]), cells[1].rjust(widths[1]), cells[2].ljust(widths[2])]
    right = [c.rjust(w) for c, w in zip(cells[3:7], widths[3:7], strict=True)]
    return "  ".join([*left, *right, cells[7]]).rstrip()


def table(results: list[dict[str, Any]]) -> str:
    """The results as a plain-text table; an approach that did not run shows its status."""
    head = ["approach", "seconds", "split (s)", "events/s", "MB/s", "peak RSS MiB", "x floor", ""]
    rows = {id(r): _row(r) for r in results if r["status"] == "ok"}
    widths = [max(len(row[i]) for row in [head, *rows.values()]) for i in range(len(head))]
    lines = [_line(head, widths)]
    lines.append("-" * len(lines[0]))
    for r in results:
        row = rows.get(id(r))
        lines.append(_line(row, widths) if row else f"{r['approach']:<{widths[0]}}  {r['status']}")
    return "\n".join(lines)


def is_catalogue(name: str) -> bool:
    """The approaches that load the song catalogue and one day of logs, not the full load."""
    return name.startswith("sparkify-songs-")


def _group(r: dict[str, Any]) -> tuple[Any, Any]:
    """The round and data set a result belongs to (a floor is compared within its group)."""
    return r.get("data", "base"), r.get("round", 1)


def derive(results: list[dict[str, Any]], events: dict[str, int], nbytes: dict[str, int]) -> None:
    """Add events/s, MB/s, the ratio to the floor and the incremental share to ``results``
    (each compared with the floor and the full load of its own round)."""
    ok = [r for r in results if r["status"] == "ok"]
    floors = {_group(r): r for r in ok if r["approach"] == "floor"}
    fulls = {_group(r): r for r in ok if r["approach"] == "sparkify-duckdb"}
    for r in ok:
        name = r["approach"]
        floor, full = floors.get(_group(r)), fulls.get(_group(r))
        r["events"], r["input_bytes"] = events[name], nbytes[name]
        r["events_per_s"] = events[name] / r["seconds"]
        r["mb_per_s"] = nbytes[name] / MB / r["seconds"]
        incremental = name.endswith("-incremental")
        partial = incremental or is_catalogue(name)
        r["x_floor"] = None if floor is None or partial else r["seconds"] / floor["seconds"]
        if incremental and full is not None:
            r["share_of_full"] = r["seconds"] / full["seconds"]
            r["vs"] = f"{r['share_of_full']:.0%} of the full load"


def _judged(what: str, values: list[float], key: str, unit: str) -> str:
    """One verdict line: a single value, or each value and their median."""
    if len(values) == 1:
        return _verdict(what, values[0], key, unit)
    each = ", ".join(f"{v:.1%}" if unit == "%" else f"{v:.2f}{unit}" for v in values)
    return _verdict(f"{what} = {each}; median", statistics.median(values), key, unit)


def verdicts(
    results: list[dict[str, Any]], base_events: int | None = None, scale_events: int | None = None
) -> list[str]:
    """One line per project target: measured value(s), target, met or missed. Repeated
    rounds are judged on their median; the ``--scale`` data set on its time against the
    median full load of the rounds."""
    ok = [r for r in results if r["status"] == "ok"]
    base = [r for r in ok if r.get("data", "base") == "base"]
    fulls = [r for r in base if r["approach"] == "sparkify-duckdb"]
    lines = []
    ratios = [r["x_floor"] for r in fulls if r.get("x_floor") is not None]
    if ratios:
        lines.append(_judged("sparkify-duckdb full load / floor", ratios, "floor_ratio", "x"))
    if fulls:
        peak = max(r["peak_rss_mib"] for r in fulls)
        lines.append(_verdict("sparkify-duckdb peak RSS", peak, "peak_rss_mib", " MiB"))
    shares = [
        r["share_of_full"]
        for r in base
        if r["approach"] == "sparkify-duckdb-incremental" and "share_of_full" in r
    ]
    if shares:
        lines.append(
            _judged("incremental one-day run / full load", shares, "incremental_share", "%")
        )
    lines += _scale_lines(ok, fulls, base_events, scale_events)
    pg_line = postgres_verdict(base)
    if pg_line is not None:
        lines.append(pg_line)
    for round_results in _rounds(base):
        agree = agreement(round_results)
        if agree is not None:
            lines.append(agree)
    naive = [r for r in base if r["approach"] == "naive-duckdb"]
    if fulls and naive:
        mid = statistics.median(r["seconds"] for r in fulls)
        lines.append(f"sparkify-duckdb / naive-duckdb = {mid / naive[0]['seconds']:.2f}")
    for r in base:
        if is_catalogue(r["approach"]):
            songs = r["counts"].get("songs_staged", 0)
            lines.append(f"{r['approach']}: {songs:,} song records in {r['seconds']:.2f}s")
            lines += [f"  {note}" for note in r.get("notes", [])]
    return lines


def _rounds(results: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rounds: dict[Any, list[dict[str, Any]]] = {}
    for r in results:
        rounds.setdefault(r.get("round", 1), []).append(r)
    return list(rounds.values())


def _scale_lines(
    ok: list[dict[str, Any]],
    fulls: list[dict[str, Any]],
    base_events: int | None,
    scale_events: int | None,
) -> list[str]:
    """The larger data set: its full load's time against the median full load of the
    rounds (linear within 10 %), its peak RSS, and its incremental day's share."""
    scale = {r["approach"]: r for r in ok if r.get("data") == "scale"}
    big = scale.get("sparkify-duckdb")
    if big is None or not fulls:
        return []
    mid = statistics.median(r["seconds"] for r in fulls)
    grew = f"{scale_events / base_events:.2f}x the events; " if base_events and scale_events else ""
    lines = [
        _verdict(
            f"scale: full load {big['seconds']:.2f}s / median full load {mid:.2f}s "
            f"({grew}floor ratio {big.get('x_floor') or 0:.2f}x)",
            big["seconds"] / mid,
            "scale_ratio",
            "x",
        ),
        _verdict("scale: sparkify-duckdb peak RSS", big["peak_rss_mib"], "peak_rss_mib", " MiB"),
    ]
    inc = scale.get("sparkify-duckdb-incremental")
    if inc is not None and "share_of_full" in inc:
        lines.append(f"scale: incremental one-day run / full load = {inc['share_of_full']:.1%}")
    return lines


def postgres_verdict(results: list[dict[str, Any]]) -> str | None:
    """sparkify on PostgreSQL against the original design: the k-th run of one paired with
    the k-th of the other, judged on the median ratio when the pair was run more than once
    (``--approaches sparkify-postgres,classic-postgres,sparkify-postgres,classic-postgres``)."""
    ok = [r for r in results if r["status"] == "ok"]
    pg = [r["seconds"] for r in ok if r["approach"] == "sparkify-postgres"]
    classic = [r["seconds"] for r in ok if r["approach"] == "classic-postgres"]
    ratios = [a / b for a, b in zip(pg, classic, strict=False)]
    if not ratios:
        return None
    what = "sparkify-postgres / classic-postgres"
    if len(ratios) == 1:
        return _verdict(what, ratios[0], "pg_ratio", "x")
    each = ", ".join(f"{r:.2f}x" for r in ratios)
    return _verdict(f"{what} = {each}; median", statistics.median(ratios), "pg_ratio", "x")


def agreement(results: list[dict[str, Any]]) -> str | None:
    """Whether every full load built star tables of the same sizes (a cheap correctness
    cross-check between approaches)."""
    star = ("songplays", "users", "songs", "artists", "time")
    loads = {
        r["approach"]: tuple(r["counts"].get(t) for t in star)
        for r in results
        if r["status"] == "ok"
        and "songplays" in r.get("counts", {})
        and not r["approach"].endswith("-incremental")
        and not is_catalogue(r["approach"])
    }
    if len(loads) < 2:
        return None
    if len(set(loads.values())) == 1:
        sizes = ", ".join(
            f"{t} {n:,}" for t, n in zip(star, next(iter(loads.values())), strict=True)
        )
        return f"star tables agree across {', '.join(loads)}: {sizes}"
    detail = "; ".join(f"{name} {counts}" for name, counts in loads.items())
    return f"star tables DIFFER ({', '.join(star)}): {detail}"


def _verdict(what: str, value: float, key: str, unit: str) -> str:
    limit = TARGETS[key]
    ok = "met" if value <= limit else "MISSED"
    if unit == "%":
        return f"{what} = {value:.1%} (target <= {limit:.0%}): {ok}"
    value_text = f"{value:.0f}" if unit == " MiB" else f"{value:.2f}"
    return f"{what} = {value_text}{unit} (target <= {limit:g}{unit}): {ok}"
