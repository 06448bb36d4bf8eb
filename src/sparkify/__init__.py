"""sparkify: song-play analytics warehouse on DuckDB, PostgreSQL or Redshift.

Library use::

    from sparkify import load_settings, open_source, open_target, run
    settings = load_settings(overrides={"source": "data/", "target": "duckdb:///w.duckdb"})
    with open_target(settings) as target:
        result = run(open_source(settings), target, settings)
    print(result.etl.table_counts, result.checks.ok)
"""

from sparkify.config import Settings, load_settings
from sparkify.errors import SparkifyError
from sparkify.pipeline.check import run_checks
from sparkify.pipeline.run import create_tables, etl, run
from sparkify.sources import open_source
from sparkify.targets import open_target
from sparkify.version import __version__ as __version__

__all__ = [
    "Settings",
    "SparkifyError",
    "create_tables",
    "etl",
    "load_settings",
    "open_source",
    "open_target",
    "run",
    "run_checks",
]
