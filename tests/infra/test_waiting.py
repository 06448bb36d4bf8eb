"""Waiting logic with a fake clock: polls, progress events, deadline, timeout message."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sparkify.errors import InfraError
from sparkify.infra import InfraEvent
from sparkify.infra.waiting import format_seconds, wait_until

from .conftest import FakeClock


def _poller(states: list[str]) -> Callable[[], str]:
    remaining = list(states)

    def poll() -> str:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return poll


def test_returns_once_done_and_reports_each_wait(fake_clock: FakeClock) -> None:
    events: list[InfraEvent] = []
    result = wait_until(
        _poller(["creating", "creating", "available"]),
        lambda s: s == "available",
        describe=str,
        what="cluster 'x' to be available",
        policy=fake_clock.policy(timeout=600, interval=15),
        events=events.append,
    )
    assert result == "available"
    assert fake_clock.sleeps == [15, 15]
    assert [(e.kind, e.message, e.elapsed) for e in events] == [
        ("wait", "waiting for cluster 'x' to be available: creating", 0.0),
        ("wait", "waiting for cluster 'x' to be available: creating", 15.0),
    ]


def test_done_at_first_poll_never_sleeps(fake_clock: FakeClock) -> None:
    wait_until(
        lambda: "available",
        lambda s: s == "available",
        describe=str,
        what="x",
        policy=fake_clock.policy(),
    )
    assert fake_clock.sleeps == []


def test_times_out_with_last_state_and_never_sleeps_past_deadline(fake_clock: FakeClock) -> None:
    with pytest.raises(InfraError) as info:
        wait_until(
            lambda: "modifying",
            lambda s: s == "available",
            describe=str,
            what="cluster 'x' to be available",
            policy=fake_clock.policy(timeout=40, interval=15),
            hint="re-run later",
        )
    assert fake_clock.sleeps == [15, 15, 10]
    assert fake_clock.now == 40
    assert info.value.message == (
        "timed out after 40s waiting for cluster 'x' to be available (last state: modifying)"
    )
    assert info.value.hint == "re-run later"


def test_poll_errors_propagate(fake_clock: FakeClock) -> None:
    def poll() -> str:
        raise InfraError("cluster is in state 'hardware-failure'")

    with pytest.raises(InfraError, match="hardware-failure"):
        wait_until(poll, bool, describe=str, what="x", policy=fake_clock.policy())
    assert fake_clock.sleeps == []


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (12.4, "12s"), (75, "1m15s")])
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
