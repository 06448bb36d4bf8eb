"""The PostgreSQL target's background COPY writer (targets/postgres/copy_writer.py): jobs run one at a time
in the order submitted, the caller is never more than ``depth`` jobs ahead, the first failure
is raised to the caller, and cancel stops a running job and drops the rest."""

from __future__ import annotations

import threading
import time

import pytest

from sparkify.targets.postgres.copy_writer import CopyWriter


def test_jobs_run_in_order_one_at_a_time() -> None:
    writer = CopyWriter(depth=2)
    done: list[int] = []
    running = threading.Semaphore(1)

    def job(i: int) -> None:
        assert running.acquire(blocking=False), "two jobs ran at once"
        time.sleep(0.01)
        done.append(i)
        running.release()

    for i in range(6):
        writer.submit(lambda i=i: job(i))
        assert len(done) >= i + 1 - 2  # never more than `depth` jobs behind
    writer.drain()
    writer.close()
    assert done == list(range(6))


def test_the_first_failure_is_raised_and_the_later_jobs_end_first() -> None:
    writer = CopyWriter(depth=3)
    ended: list[str] = []

    def fail() -> None:
        time.sleep(0.02)
        ended.append("fail")
        raise RuntimeError("COPY failed")

    def later() -> None:
        ended.append("later")
        raise RuntimeError("transaction aborted")

    writer.submit(fail)
    writer.submit(later)
    with pytest.raises(RuntimeError, match="COPY failed"):
        writer.drain()
    assert ended == ["fail", "later"]
    writer.drain()  # nothing left
    writer.close()


def test_cancel_interrupts_the_running_job_and_drops_the_others() -> None:
    writer = CopyWriter(depth=3)
    started, stop = threading.Event(), threading.Event()
    ran: list[str] = []

    def long_copy() -> None:
        started.set()
        assert stop.wait(5), "never interrupted"
        ran.append("interrupted")
        raise RuntimeError("canceling statement due to user request")

    writer.submit(long_copy)
    writer.submit(lambda: ran.append("queued"))
    assert started.wait(5)
    writer.cancel(stop.set)
    writer.close()
    assert ran == ["interrupted"]
