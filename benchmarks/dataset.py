"""The benchmark's input data: generated once per size and seed, cached, reused.

Layout of one cached data set (``<cache>/<key>/``)::

    full/log_data/...      the first ``days`` days of events   (the full load)
    full/song_data/...     every song file
    extra/log_data/...     day ``days + 1``, held back            (the incremental run)
    incr/log_data/...      symlinks: every file of full/log_data plus the extra day
    incr/song_data ->      symlink to full/song_data
    dataset.json           what was generated (written last: its presence means complete)

The generator is asked for one day more than ``days`` so the extra day is a real
continuation (same users, same catalogue, later timestamps); it gets
``events * (days + 1) / days`` events so the full load holds about ``events``.
Run as a script it generates one data set (the benchmark does that in a child process so
the generator's memory never counts against the approaches measured later).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spec:
    """The generator arguments that identify a cached data set."""

    events: int
    songs: int
    users: int
    days: int
    seed: int
    match_rate: float

    @property
    def key(self) -> str:
        """The cache folder name."""
        return (
            f"e{self.events}-s{self.songs}-u{self.users}-d{self.days}"
            f"-seed{self.seed}-m{self.match_rate:g}"
        )


@dataclass(frozen=True)
class DataSet:
    """A complete cached data set and its sizes (bytes, files, records)."""

    root: Path
    spec: Spec
    log_files: int
    log_bytes: int
    events: int
    song_files: int
    song_bytes: int
    extra_file: str
    extra_bytes: int
    extra_events: int
    generate_seconds: float

    @property
    def full(self) -> Path:
        """The source folder of the full load."""
        return self.root / "full"

    @property
    def incremental(self) -> Path:
        """The source folder of the incremental run (full load + one day)."""
        return self.root / "incr"

    @property
    def input_bytes(self) -> int:
        """Bytes of every file of the full load."""
        return self.log_bytes + self.song_bytes


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for folder, _, names in os.walk(root, followlinks=True):
        out.extend(Path(folder) / n for n in names if n.endswith(".json"))
    return sorted(out)


def _records(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _build(root: Path, spec: Spec) -> DataSet:
    from sparkify.generate import generate

    started = time.perf_counter()
    total_events = round(spec.events * (spec.days + 1) / spec.days)
    full = root / "full"
    generate(
        full,
        events=total_events,
        songs=spec.songs,
        users=spec.users,
        days=spec.days + 1,
        seed=spec.seed,
        match_rate=spec.match_rate,
    )
    logs = _files(full / "log_data")
    last = logs[-1]
    extra = root / "extra" / last.relative_to(full)
    extra.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(last, extra)
    _link_incremental(root, logs[:-1], extra)
    songs = _files(full / "song_data")
    extra_events = _records(extra)
    return DataSet(
        root=root,
        spec=spec,
        log_files=len(logs) - 1,
        log_bytes=sum(p.stat().st_size for p in logs[:-1]),
        events=total_events - extra_events,
        song_files=len(songs),
        song_bytes=sum(p.stat().st_size for p in songs),
        extra_file=extra.relative_to(root / "extra").as_posix(),
        extra_bytes=extra.stat().st_size,
        extra_events=extra_events,
        generate_seconds=time.perf_counter() - started,
    )


def _link_incremental(root: Path, logs: list[Path], extra: Path) -> None:
    """``incr/``: the full load's files (symlinks keep their size and mtime) plus the extra day."""
    incr = root / "incr"
    for path in [*logs, extra]:
        base = root / "full" if path in logs else root / "extra"
        link = incr / path.relative_to(base)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
    (incr / "song_data").symlink_to(root / "full" / "song_data", target_is_directory=True)


def _load(root: Path) -> DataSet | None:
    meta = root / "dataset.json"
    if not meta.is_file():
        return None
    raw = json.loads(meta.read_text())
    raw["root"], raw["spec"] = root, Spec(**raw["spec"])
    return DataSet(**raw)


def generate_cached(cache: Path, spec: Spec) -> DataSet:
    """Generate ``spec`` under ``cache`` in this process (or reuse the complete copy there)."""
    root = cache / spec.key
    found = _load(root)
    if found is not None:
        return found
    if root.exists():
        shutil.rmtree(root)  # an interrupted generation: start again
    root.mkdir(parents=True)
    data = _build(root, spec)
    meta = {k: v for k, v in asdict(data).items() if k != "root"}
    (root / "dataset.json").write_text(json.dumps(meta, indent=2))
    return data


def ensure(cache: Path, spec: Spec) -> tuple[DataSet, bool]:
    """The cached data set for ``spec``, generated in a child process if missing; the flag
    says whether it was reused."""
    found = _load(cache / spec.key)
    if found is not None:
        return found, True
    args = [f"--{k.replace('_', '-')}={v}" for k, v in asdict(spec).items()]
    cmd = [sys.executable, str(Path(__file__).resolve()), f"--cache={cache}", *args]
    subprocess.run(cmd, check=True)
    made = _load(cache / spec.key)
    if made is None:
        raise RuntimeError(f"data generation left no {cache / spec.key / 'dataset.json'}")
    return made, False


def main(argv: list[str] | None = None) -> None:
    """Generate one data set: ``python benchmarks/dataset.py --cache DIR --events N ...``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--cache", type=Path, required=True)
    for name in ("events", "songs", "users", "days", "seed"):
        p.add_argument(f"--{name}", type=int, required=True)
    p.add_argument("--match-rate", type=float, required=True)
    a = p.parse_args(argv)
    spec = Spec(a.events, a.songs, a.users, a.days, a.seed, a.match_rate)
    generate_cached(a.cache, spec)


if __name__ == "__main__":
    main()
