"""Pausing Python's cyclic garbage collector during bulk work.

A load keeps hundreds of thousands of small objects alive (file listings, manifest entries,
file contents) while it allocates many more; each automatic collection walks all of them
again, which cost about 10 % of a full load's time. Nothing sparkify allocates on these paths
relies on cycle collection (reference counting frees it), so the collector is paused for the
duration and restored afterwards.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable automatic cyclic collection inside the block; restore the previous state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` inside :func:`paused_gc`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper
