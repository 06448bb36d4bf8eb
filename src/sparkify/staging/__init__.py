"""Input text to staging rows: split a batch of files into numbered lines with Arrow
(:mod:`~sparkify.staging.lines`) and type them with DuckDB (:mod:`~sparkify.staging.parse`).

The pipeline drives it for every target that parses in DuckDB; the Redshift target reuses the
line splitting to find the records it uploads. It knows nothing of the pipeline or targets.
"""
