"""Run one benchmark approach in this (fresh) process and write its result as JSON.

``python benchmarks/worker.py JOB.json RESULT.json``. Peak memory is this process's own high
water mark, read at the end: ``VmHWM`` from ``/proc/self/status`` (exact for this process's
address space) with ``getrusage(RUSAGE_SELF).ru_maxrss`` as the portable fallback (on Linux
it can include the parent's peak at the time of the fork/exec, so it is only a cross-check).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from approaches import APPROACHES, Job, NotAvailable, Outcome


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _profiled(job: Job) -> Outcome:
    """Run the approach under pyinstrument (or cProfile) and write the report to job.profile."""
    out = Path(str(job.profile))
    out.mkdir(parents=True, exist_ok=True)
    run = APPROACHES[job.approach]
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        outcome = prof.runcall(run, job)
        with (out / f"{job.approach}.cprofile.txt").open("w") as fh:
            pstats.Stats(prof, stream=fh).sort_stats("cumulative").print_stats(60)
        return outcome
    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        outcome = run(job)
    finally:
        profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    (out / f"{job.approach}.pyinstrument.txt").write_text(text)
    return outcome


def execute(job: Job) -> dict[str, Any]:
    """Run ``job`` and describe the outcome (status ``ok`` or ``not available: …``) with
    this process's memory figures. Any other exception propagates: the process exits with
    the traceback on stderr and the benchmark reports the approach as failed."""
    result: dict[str, Any] = {"approach": job.approach}
    rss_start = _status_kib("VmRSS")
    try:
        outcome = _profiled(job) if job.profile else APPROACHES[job.approach](job)
        result.update(status="ok", **asdict(outcome))
    except NotAvailable as e:
        result.update(status=f"not available: {e}")
    hwm = _status_kib("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mib"] = round((hwm if hwm is not None else maxrss) / 1024, 1)
    result["ru_maxrss_mib"] = round(maxrss / 1024, 1)
    result["rss_at_start_mib"] = round(rss_start / 1024, 1) if rss_start is not None else None
    result["profiled"] = bool(job.profile)
    return result


def main() -> int:
    """Entry point: read the job, run it, write the result."""
    job = Job(**json.loads(Path(sys.argv[1]).read_text()))
    started = time.perf_counter()
    result = execute(job)
    result["process_seconds"] = round(time.perf_counter() - started, 3)
    Path(sys.argv[2]).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
