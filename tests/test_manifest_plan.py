"""Which listed files a run reads: the manifest comparison (DESIGN.md §3 invariant 2), on every
target. DuckDB joins the listing next to its manifest; the other targets join the manifest's
rows in an in-memory DuckDB. Both must give the same answer."""

from __future__ import annotations

import pyarrow as pa

from sparkify.batch import FileKind, SourceFile
from sparkify.config import load_settings
from sparkify.pipeline import manifest
from sparkify.pipeline.run import create_tables
from sparkify.schema.model import MANIFEST
from sparkify.targets import open_target

LOG, SONG = FileKind.LOG, FileKind.SONG


def _entries() -> pa.Table:
    """What an earlier run loaded: path, kind, size, mtime, checksum, records, rejected,
    id_end."""
    rows = [
        ("log_data/a.json", "log", 100, 1.5, "blake3:aa", 10, 1, 10),
        ("log_data/b.json", "log", 200, 2.25, "blake3:bb", 20, 0, 30),
        ("song_data/c.json", "song", 30, 3.0, "blake3:cc", 1, 0, None),
        ("song_data/d.json", "song", 40, None, "etag-d", 1, 0, None),
        ("song_data/e.json", "song", 50, 5.0, "etag-e", 1, 0, None),
        ("song_data/gone.json", "song", 60, 6.0, "blake3:gg", 1, 0, None),
    ]
    names = MANIFEST.column_names
    types = [pa.string(), pa.string(), pa.int64(), pa.float64(), pa.string()]
    types += [pa.int32(), pa.int32(), pa.int64()]
    return pa.table(
        [pa.array([r[i] for r in rows], t) for i, t in enumerate(types)], names=list(names)
    )


def test_a_run_reads_the_new_and_changed_files_and_knows_the_rest_unchanged(
    target_url: str,
) -> None:
    listing = [
        SourceFile("log_data/a.json", LOG, 100, "/x/a", 1.5),  # same size and mtime
        SourceFile("log_data/b.json", LOG, 200, "/x/b", 2.5),  # touched: mtime differs
        SourceFile("log_data/new.json", LOG, 7, "/x/new", 9.0),  # not loaded yet
        SourceFile("song_data/c.json", SONG, 31, "/x/c", 3.0),  # grew, same mtime
        SourceFile("song_data/d.json", SONG, 40, "s3://k/d", None, "etag-d"),  # same ETag
        SourceFile("song_data/e.json", SONG, 50, "s3://k/e", None, "etag-e2"),  # new ETag
        SourceFile("song_data/f.json", SONG, 1, "/x/f", None),  # mtime unknown: read
    ]
    settings = load_settings(overrides={"target": target_url})
    with open_target(settings) as target:
        create_tables(target)
        with target.transaction():
            target.insert_rows(MANIFEST, _entries())
        plan = manifest.plan(listing, target)
        ids = manifest.id_ends(target)
    assert [f.path for f in plan.to_read] == [
        "log_data/b.json",
        "log_data/new.json",
        "song_data/c.json",
        "song_data/e.json",
        "song_data/f.json",
    ]
    assert plan.unchanged == 2
    assert plan.loaded == 6
    assert plan.known == {
        "log_data/b.json": manifest.Entry(200, 2.25, "blake3:bb", 20, 0, 30),
        "song_data/c.json": manifest.Entry(30, 3.0, "blake3:cc", 1, 0, None),
        "song_data/e.json": manifest.Entry(50, 5.0, "etag-e", 1, 0, None),
    }
    assert ids == {"log_data/a.json": 10, "log_data/b.json": 30}


def test_a_first_run_reads_every_listed_file_without_a_comparison(target_url: str) -> None:
    listing = [SourceFile("log_data/a.json", LOG, 100, "/x/a", 1.5)]
    settings = load_settings(overrides={"target": target_url})
    traced: list[str] = []
    with open_target(settings, tracer=traced.append) as target:
        create_tables(target)
        traced.clear()
        plan = manifest.plan(listing, target)
    assert (plan.to_read, plan.known, plan.loaded, plan.unchanged) == (listing, {}, 0, 0)
    assert len(traced) == 1  # the manifest's size only: nothing was joined or fetched


def test_the_listing_table_keeps_every_file_in_order() -> None:
    listing = [
        SourceFile("log_data/a.json", LOG, 100, "/x/a", 1.5),
        SourceFile("song_data/d.json", SONG, 40, "s3://k/d", None, "etag-d"),
    ]
    table = manifest.listing_table(listing)
    assert table.to_pydict() == {
        "idx": [0, 1],
        "path": ["log_data/a.json", "song_data/d.json"],
        "size": [100, 40],
        "mtime": [1.5, None],
        "etag": [None, "etag-d"],
    }
    assert manifest.listing_table([]).num_rows == 0
