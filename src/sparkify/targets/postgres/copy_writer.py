"""Bulk loading into PostgreSQL: Arrow record batches as ``COPY … (FORMAT csv)`` data (for
columns whose type was changed in the warehouse; the usual format is binary, see
:mod:`.binary`), and a writer that runs the COPYs in a background thread, in order, while
the caller parses the next batch (DuckDB, NumPy and Arrow release the GIL, so client and
server work overlap).
"""

from __future__ import annotations

import contextlib
import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa
import pyarrow.csv as pcsv

#: Rows per Arrow record batch streamed into COPY (~20 MB of CSV for log events).
COPY_BATCH_ROWS = 65_536
_CSV = pcsv.WriteOptions(include_header=False, quoting_style="needed")


def csv_chunks(batches: Iterable[pa.RecordBatch]) -> Iterator[bytes]:
    """The data of a CSV COPY (``FORMAT csv``) for ``batches``: NULL is an empty field, '' is
    ``""``, text is quoted (tabs, newlines, quotes, backslashes kept verbatim) and NUL
    characters removed."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        buf = io.BytesIO()
        pcsv.write_csv(batch, buf, _CSV)
        data = buf.getvalue()
        yield data.replace(b"\x00", b"") if b"\x00" in data else data


class CopyWriter:
    """Runs jobs (COPYs) one at a time in a background thread, in the order submitted.

    The connection belongs to the writer while jobs are pending: its owner calls
    :meth:`drain` before using the connection itself. At most ``depth`` jobs are queued or
    running, so the caller is never further ahead than that (memory stays bounded)."""

    def __init__(self, depth: int = 2) -> None:
        self._depth = depth
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job``; waits first while ``depth`` jobs are pending. Raises what an
        earlier job raised."""
        while len(self._pending) >= self._depth:
            self._settle_first()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparkify-copy")
        self._pending.append(self._pool.submit(job))

    def _settle_first(self) -> None:
        """Wait for the oldest job. If it failed, let the others end too, then raise its
        error. An interruption of the wait itself (Ctrl-C) leaves the job pending, for
        :meth:`cancel` to stop."""
        try:
            self._pending[0].result()
        except Exception:
            self._pending.popleft()
            self._wait_all()
            raise
        self._pending.popleft()

    def _wait_all(self) -> None:
        """Let every pending job end (jobs after a failure fail fast on the aborted
        transaction); their errors are the first failure's consequences."""
        while self._pending:
            with contextlib.suppress(BaseException):
                self._pending.popleft().result()

    def drain(self) -> None:
        """Wait until every job has run. Raises the first job's error, if one failed."""
        while self._pending:
            self._settle_first()

    def cancel(self, interrupt: Callable[[], None]) -> None:
        """Drop the jobs not started, stop a running one with ``interrupt`` (a server-side
        cancel), and wait for it to end. Never raises."""
        for future in self._pending:
            future.cancel()
        if any(f.running() for f in self._pending):
            with contextlib.suppress(Exception):
                interrupt()
        self._wait_all()

    def close(self) -> None:
        """Stop the thread (after :meth:`cancel` or :meth:`drain`)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
