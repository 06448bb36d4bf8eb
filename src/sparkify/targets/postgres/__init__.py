"""The PostgreSQL target: connection settings (``connect``), the binary and CSV COPY streams
(``binary``, ``copy_writer``) and the star built in the client on a first load
(``client_build``)."""

from __future__ import annotations

from sparkify.targets.postgres.target import PostgresTarget

__all__ = ["PostgresTarget"]
