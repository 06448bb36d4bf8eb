"""The demo data set loaded when no source is configured, so `sparkify run` works offline."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEMO_EVENTS = 20_000
DEMO_SONGS = 2_000
DEMO_USERS = 100
DEMO_DAYS = 30
DEMO_SEED = 42


@contextmanager
def demo_source() -> Iterator[Path]:
    """A temporary folder holding the generated demo data (the same bytes every time, so a
    second run finds nothing new); removed afterwards."""
    from sparkify.generate import generate

    with tempfile.TemporaryDirectory(prefix="sparkify-demo-") as tmp:
        generate(
            Path(tmp),
            events=DEMO_EVENTS,
            songs=DEMO_SONGS,
            users=DEMO_USERS,
            days=DEMO_DAYS,
            seed=DEMO_SEED,
        )
        yield Path(tmp)


def describe_demo() -> str:
    """One line saying what the demo data is."""
    return (
        f"{DEMO_EVENTS:,} events over {DEMO_DAYS} days from {DEMO_USERS} users, "
        f"{DEMO_SONGS:,} songs (seed {DEMO_SEED})"
    )
