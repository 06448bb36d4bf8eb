"""Compare two commits of sparkify on one benchmark approach, side by side in one invocation.

    python benchmarks/compare.py OLD [NEW] --events 2000000 --songs 100000 [--pairs 3]

Each commit is checked out into its own temporary worktree and measured by its own
``benchmarks/bench.py`` (so each side runs the approach as that commit defines it), with
``PYTHONPATH`` pointing at that worktree's ``src``. Runs alternate old, new, old, new, ... over
one shared data cache, and the verdict is the median of the pairs' ``new / old`` ratios.
NEW defaults to the working tree's HEAD.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _checkout(rev: str, into: Path) -> str:
    """A detached worktree of ``rev`` at ``into``; the full commit id."""
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    _git("worktree", "add", "--detach", str(into), commit)
    return commit


def _one(tree: Path, args: argparse.Namespace, out: Path) -> tuple[float, str]:
    """Seconds of one run of ``args.approach`` measured by ``tree``'s own bench.py, and the
    source digest of the code it measured (to show each side ran its own code)."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    cmd = [sys.executable, str(tree / "benchmarks" / "bench.py")]
    cmd += ["--events", str(args.events), "--songs", str(args.songs)]
    cmd += ["--approaches", args.approach, "--cache-dir", str(args.cache_dir), "--out", str(out)]
    proc = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench.py of {tree.name} failed:\n{proc.stdout}\n{proc.stderr}")
    payload = json.loads(out.read_text())
    results = payload["results"]
    found = [r for r in results if r["approach"] == args.approach and r["status"] == "ok"]
    if not found:
        raise SystemExit(f"bench.py of {tree.name} measured no {args.approach}: {results}")
    return float(found[-1]["seconds"]), str(payload["machine"]["sparkify_source"])


def main(argv: list[str] | None = None) -> int:
    """Measure, print each pair and the median ratio; exit 0."""
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("old", help="the commit measured first in each pair")
    p.add_argument("new", nargs="?", default="HEAD", help="the commit compared with it")
    p.add_argument("--events", type=int, default=2_000_000)
    p.add_argument("--songs", type=int, default=100_000)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--approach", default="sparkify-duckdb")
    p.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    args = p.parse_args(argv)
    args.cache_dir = args.cache_dir.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="sparkify-compare-"))
    trees = {"old": scratch / "old", "new": scratch / "new"}
    try:
        commits = {side: _checkout(getattr(args, side), tree) for side, tree in trees.items()}
        ratios = []
        for k in range(1, args.pairs + 1):
            old, old_code = _one(trees["old"], args, scratch / f"old{k}.json")
            new, new_code = _one(trees["new"], args, scratch / f"new{k}.json")
            ratios.append(new / old)
            print(
                f"pair {k}: old {old:.2f}s (code {old_code}), new {new:.2f}s (code {new_code}), "
                f"new / old = {new / old:.3f}",
                flush=True,
            )
        print(
            f"{args.approach} at {args.events:,} events: new {commits['new'][:10]} / old "
            f"{commits['old'][:10]} = median {statistics.median(ratios):.3f} over {args.pairs} "
            f"pairs (run alternately; below 1 is faster)"
        )
    finally:
        for tree in trees.values():
            if tree.exists():
                _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
