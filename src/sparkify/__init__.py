"""sparkify: song-play analytics warehouse on DuckDB, PostgreSQL or Redshift.

Library use::

    from sparkify import load_settings, open_source, open_target, pipeline
    settings = load_settings(overrides={"source": "data/", "target": "duckdb:///w.duckdb"})
    with open_target(settings) as target:
        result = pipeline.run(open_source(settings), target, settings)
"""

from sparkify import pipeline
from sparkify.config import Settings, load_settings
from sparkify.errors import SparkifyError
from sparkify.sources import open_source
from sparkify.targets import open_target

__version__ = "0.1.0"

__all__ = ["Settings", "SparkifyError", "load_settings", "open_source", "open_target", "pipeline"]
