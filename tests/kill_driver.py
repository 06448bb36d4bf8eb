"""Test harness (not library code): run `etl` and SIGKILL this very process when the target's
tracer sees its K-th statement (before it runs). When never killed, prints the position of the
run's COMMIT: the last statement whose kill must leave the previous state.

    python -m tests.kill_driver SOURCE TARGET_URL K
"""

from __future__ import annotations

import os
import signal
import sys

from sparkify.config import load_settings
from sparkify.pipeline.run import etl
from sparkify.sources import open_source
from sparkify.targets import open_target


def main() -> None:
    source, url, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seen = [0]
    commit_at = [0]

    def tracer(sql: str) -> None:
        seen[0] += 1
        if sql.strip().upper() == "COMMIT":
            commit_at[0] = seen[0]
        if seen[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    settings = load_settings(overrides={"source": source, "target": url})
    with open_target(settings, tracer=tracer) as target:
        etl(open_source(settings), target)
    print(commit_at[0])


if __name__ == "__main__":
    main()
