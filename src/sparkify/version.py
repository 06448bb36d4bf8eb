"""sparkify's version: ``sparkify --version``, the report's footer and every run's row of
``sparkify_runs`` show it."""

from __future__ import annotations

__version__ = "0.1.0"
