"""How the library reports progress without printing: a small protocol the CLI implements."""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    """Receives progress events; the command line draws bars from them."""

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        """A task begins; ``total`` units of work are expected (``None``: unknown)."""

    def advance(self, task: str, amount: float = 1) -> None:
        """``amount`` more units of ``task`` are done."""

    def finish(self, task: str) -> None:
        """``task`` is complete."""

    def note(self, message: str) -> None:
        """A one-line message for the user."""


class NullReporter:
    """Reports nothing (library use, tests, ``--quiet``)."""

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        return None

    def advance(self, task: str, amount: float = 1) -> None:
        return None

    def finish(self, task: str) -> None:
        return None

    def note(self, message: str) -> None:
        return None
