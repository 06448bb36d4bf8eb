"""Where the real public Udacity sample is: ``$SPARKIFY_SAMPLE_DIR``, by default
``../shared/data/udacity-sample`` beside this repository. Tests that need it skip with the
reason where it is absent, as on a user's machine."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Read once at import, before the ``isolate`` fixture clears ``SPARKIFY_*`` variables.
SAMPLE = Path(
    os.environ.get("SPARKIFY_SAMPLE_DIR") or ROOT.parent / "shared" / "data" / "udacity-sample"
).resolve()
SKIP_REASON = f"the real sample is not at {SAMPLE} (set SPARKIFY_SAMPLE_DIR to a copy)"
