"""The demo data set loaded when no source is configured, so `sparkify run` works offline."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sparkify.pipeline.binding import DEMO
from sparkify.sources.local import LocalSource

DEMO_EVENTS = 20_000
DEMO_SONGS = 2_000
DEMO_USERS = 100
DEMO_DAYS = 30
DEMO_SEED = 42


class DemoSource(LocalSource):
    """The generated demo in its temporary folder, bound to as :data:`binding.DEMO` (not as
    the folder, which is new each time)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder / "log_data", folder / "song_data")

    def locations(self) -> tuple[str, str]:
        return DEMO, DEMO

    def describe(self) -> str:
        return f"the generated demo data (seed {DEMO_SEED})"


@contextmanager
def demo_source() -> Iterator[DemoSource]:
    """The generated demo data in a temporary folder (the same bytes every time, so a second
    run finds nothing new); removed afterwards."""
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
        yield DemoSource(Path(tmp))


def describe_demo() -> str:
    """One line saying what the demo data is."""
    return (
        f"{DEMO_EVENTS:,} events over {DEMO_DAYS} days from {DEMO_USERS} users, "
        f"{DEMO_SONGS:,} songs (seed {DEMO_SEED})"
    )
