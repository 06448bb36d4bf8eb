"""Waiting for AWS to reach a state, with a timeout, progress events and an injectable clock.

Library code never prints and never calls ``time.sleep`` directly: it reports
:class:`InfraEvent` objects to a callback and waits through a :class:`WaitPolicy`, whose
``clock``/``sleep`` pair tests replace with a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from sparkify.errors import InfraError

T = TypeVar("T")


@dataclass(frozen=True)
class InfraEvent:
    """A progress report: a step done, a wait in progress, or a warning."""

    kind: Literal["step", "wait", "warning"]
    message: str
    elapsed: float | None = None


EventSink = Callable[[InfraEvent], None]


def ignore_events(event: InfraEvent) -> None:
    """The default event sink: drop the event."""


@dataclass(frozen=True)
class WaitPolicy:
    """How long and how often to poll; ``clock`` and ``sleep`` are injectable for tests."""

    timeout: float = 1800.0
    interval: float = 15.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def format_seconds(seconds: float) -> str:
    """``75.0`` -> ``"1m15s"``; ``12.4`` -> ``"12s"``."""
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


def wait_until(
    poll: Callable[[], T],
    is_done: Callable[[T], bool],
    *,
    describe: Callable[[T], str],
    what: str,
    policy: WaitPolicy,
    events: EventSink = ignore_events,
    hint: str = "It goes on in AWS; re-run the same command later (it is safe to re-run).",
) -> T:
    """Call ``poll`` until ``is_done`` says so; raise :class:`InfraError` after the timeout.

    ``poll`` may itself raise InfraError for a state that will never get better. Between polls
    it sleeps ``policy.interval`` (never past the deadline) and reports a ``wait`` event.
    """
    start = policy.clock()
    while True:
        value = poll()
        elapsed = policy.clock() - start
        if is_done(value):
            return value
        if elapsed >= policy.timeout:
            raise InfraError(
                f"timed out after {format_seconds(elapsed)} waiting for {what} "
                f"(last state: {describe(value)})",
                hint,
            )
        events(InfraEvent("wait", f"waiting for {what}: {describe(value)}", elapsed))
        policy.sleep(max(0.0, min(policy.interval, policy.timeout - elapsed)))
