"""How the DuckDB target writes its file: a load appended in several batches is written once,
not rewritten when the checkpoint would merge the batches' partly filled row groups."""

from __future__ import annotations

from pathlib import Path

from sparkify.config import load_settings
from sparkify.targets import open_target
from sparkify.targets.duckdb import DuckDBTarget


def _setting(target: DuckDBTarget, name: str) -> str:
    return str(target.con.execute("SELECT current_setting(?)", [name]).fetchone()[0])


def test_the_write_connection_checkpoints_without_merging_row_groups(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_target(load_settings(overrides={"target": url})) as target:
        assert isinstance(target, DuckDBTarget)
        assert _setting(target, "max_vacuum_tasks") == "0"


def test_appends_in_batches_are_not_rewritten_by_the_checkpoint(tmp_path: Path) -> None:
    # eight appends of 150,000 rows in one transaction leave partly filled row groups; a
    # checkpoint that merged them would write the table twice (the file about doubles)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_target(load_settings(overrides={"target": url})) as target:
        assert isinstance(target, DuckDBTarget)
        con = target.con
        con.execute("CREATE TABLE t (id BIGINT, s VARCHAR)")
        con.execute("BEGIN TRANSACTION")
        for k in range(8):
            con.execute(
                "INSERT INTO t SELECT i, md5(i::VARCHAR) FROM range(?, ?) r(i)",
                [k * 150_000, (k + 1) * 150_000],
            )
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        used, free = con.execute(
            "SELECT used_blocks, free_blocks FROM pragma_database_size()"
        ).fetchone()
    assert free <= used // 4, (used, free)
