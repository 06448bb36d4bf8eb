"""Ctrl-C: the process's SIGINT handler notes it, so that a driver reporting the interruption
as an error of its own is still shown (and exits) as an interruption."""

from __future__ import annotations

_interrupted: list[bool] = []


def on_sigint(signum: int, frame: object) -> None:
    """The SIGINT handler :func:`sparkify.cli.main` installs."""
    _interrupted.append(True)
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether Ctrl-C reached this process (a driver may report it as its own error)."""
    return bool(_interrupted)
