"""The transaction statements the targets send themselves.

Every target's connection runs in autocommit mode (DuckDB's is, psycopg's and
``redshift_connector``'s are opened so) and sparkify sends BEGIN, COMMIT and ROLLBACK as
statements, so the tracer sees every statement of a run, its transaction included.
"""

from __future__ import annotations

BEGIN = "BEGIN"
#: DuckDB's spelling of BEGIN.
BEGIN_TRANSACTION = "BEGIN TRANSACTION"
#: A transaction in which the server refuses every write (``sparkify query``).
BEGIN_READ_ONLY = "BEGIN READ ONLY"
COMMIT = "COMMIT"
ROLLBACK = "ROLLBACK"
