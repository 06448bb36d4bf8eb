"""Limits every target applies to input records, so that each gives the same answer.

Redshift's COPY refuses a JSON record larger than 4 MB and a text value longer than its
column's declared width; DuckDB and PostgreSQL would accept both. sparkify rejects such
records on every target, with the same reason text, into ``load_errors``.
"""

from __future__ import annotations

#: Redshift COPY's limit on one JSON object ("4 MB", taken as 4 MiB). COPY reads each record
#: wrapped with its lineage (``{"source_file": …, "source_line": …, "record": …}``), so the
#: wrapper has to fit under this limit too.
COPY_OBJECT_BYTES = 4 * 1024 * 1024
#: The largest JSON record (one object, in UTF-8 bytes, without its line end) any target loads:
#: 4 MB read as 4,000,000 bytes, which leaves the lineage wrapper 194,304 bytes under COPY's limit.
MAX_RECORD_BYTES = 4_000_000
#: How much of an oversized record ``load_errors.raw_text`` keeps: its first characters only.
OVERSIZED_RAW_CHARS = 1024


def oversized_record_reason(size: int) -> str:
    """The ``load_errors`` reason for a record of ``size`` UTF-8 bytes over the limit."""
    return (
        f"record of {size:,} bytes is larger than the 4 MB limit on one JSON record "
        f"({MAX_RECORD_BYTES:,} bytes, for Redshift COPY); raw_text keeps its first "
        f"{OVERSIZED_RAW_CHARS:,} characters"
    )


def too_long_reason(field: str, size: int, limit: int) -> str:
    """The ``load_errors`` reason for a text value of ``size`` UTF-8 bytes over its column's
    declared width of ``limit`` bytes."""
    return f"field {field}: {size:,} bytes, longer than its column's limit of {limit:,} bytes"
