"""The S3 staging prefix a Redshift load COPYs from.

Each run writes under ``<s3_staging>/<run id>/``: gzip parts of evenly sized records (a
multiple of the cluster's slices, so every slice loads the same amount; never thousands of
tiny files), the COPY manifests naming exactly those parts, and the JSONPaths files. The
objects a run wrote are deleted once its COPYs have read them.
"""

from __future__ import annotations

import gzip
import itertools
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sparkify.aws import AwsFailure, aws_errors, describe_error, parse_s3_uri
from sparkify.errors import ConfigError, TargetError

FILE_NAME_CHARS = 256  # SYS_LOAD_ERROR_DETAIL.file_name is character(256): longer URLs are cut
NAME_CHARS = 48  # the longest name of an object in a run folder (b001-staging_events-0000.json.gz)
RUN_ID_CHARS = 25  # len(new_run_id())
PART_BYTES = 128 * 1024 * 1024  # uncompressed; ~10-25 MB once gzipped, in AWS's 1 MB-1 GB
GZIP_LEVEL = 3  # ~2x the speed of the default 6 for ~25% more bytes; CPU is the bottleneck
UPLOADS = 8


def new_run_id() -> str:
    """A unique, sortable name for one run's staging folder."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


def part_count(total_bytes: int, rows: int, slices: int) -> int:
    """How many parts ``total_bytes`` of records are cut into: a multiple of ``slices`` with
    parts of at most :data:`PART_BYTES`, but never more parts than records."""
    slices = max(1, slices)
    wanted = slices * max(1, math.ceil(total_bytes / (slices * PART_BYTES)))
    return max(1, min(wanted, rows))


def split_even(ends: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Row ranges ``[start, stop)`` cutting rows whose cumulative byte ends are ``ends`` into
    ``parts`` runs of nearly equal bytes (no empty run)."""
    n = len(ends)
    if n == 0:
        return []
    total = int(ends[-1])
    targets = np.arange(1, parts, dtype=np.float64) * (total / parts)
    cuts = np.searchsorted(ends, targets, side="left") + 1
    bounds = np.unique(np.concatenate(([0], np.clip(cuts, 1, n), [n])))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def check_length(location: str, setting: str) -> None:
    """Raise ``ConfigError`` when the URLs of a run's files under ``location`` (the staging
    prefix, no trailing ``/``) could be longer than Redshift reports in
    ``SYS_LOAD_ERROR_DETAIL.file_name``: a refused record must always be traced to its part."""
    room = FILE_NAME_CHARS - len("/") - RUN_ID_CHARS - len("/") - NAME_CHARS
    if len(location) > room:
        raise ConfigError(
            f"s3_staging {setting} is {len(location)} characters long: Redshift reports the "
            f"records COPY refuses with file names of at most {FILE_NAME_CHARS} characters, "
            "and the URLs of a run's files under it would be longer.",
            f"Use a staging location (s3://bucket/prefix) of at most {room} characters.",
        )


@dataclass
class StagingArea:
    """One run's folder under the staging prefix, and the objects written there."""

    client: Any
    root: str
    run_id: str = field(default_factory=new_run_id)
    written: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        bucket, prefix = parse_s3_uri(self.root)
        if not prefix.strip("/"):
            raise ConfigError(
                f"s3_staging {self.root} names a whole bucket.",
                "Use a prefix of its own, e.g. s3://my-bucket/sparkify-staging.",
            )
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/{self.run_id}/"
        check_length(f"s3://{bucket}/{prefix.strip('/')}", self.root)

    @property
    def url(self) -> str:
        """The run folder's URL (ends with ``/``)."""
        return f"s3://{self.bucket}/{self.prefix}"

    def _fail(self, e: BaseException, action: str) -> TargetError:
        problem = describe_error(e, action)
        hint = problem.hint
        if problem.kind is AwsFailure.ACCESS_DENIED:
            hint = (
                f"The identity running sparkify needs s3:PutObject, s3:GetObject and "
                f"s3:DeleteObject on arn:aws:s3:::{self.bucket}/{self.prefix.split('/')[0]}/*."
            )
        return TargetError(problem.message, hint)

    def put(self, name: str, body: bytes) -> str:
        """Write ``body`` as ``name`` in the run folder; returns its URL."""
        if len(name) > NAME_CHARS:
            raise TargetError(
                f"The staging object name {name} is longer than {NAME_CHARS} characters.",
                "This is a bug in sparkify: report it.",
            )
        key = self.prefix + name
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
        except aws_errors() as e:
            raise self._fail(e, f"upload s3://{self.bucket}/{key}") from e
        self.written.append(key)
        return f"s3://{self.bucket}/{key}"

    def put_parts(self, stem: str, data: memoryview, ranges: list[tuple[int, int]]) -> list[str]:
        """Gzip the byte ranges of ``data`` and upload them as ``stem-0000.json.gz`` … in
        parallel (zlib and sockets release the GIL); returns the URLs in order."""

        def one(item: tuple[int, tuple[int, int]]) -> str:
            i, (start, stop) = item
            body = gzip.compress(data[start:stop], compresslevel=GZIP_LEVEL, mtime=0)
            return self.put(f"{stem}-{i:04d}.json.gz", body)

        with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
            return list(pool.map(one, enumerate(ranges)))

    def region(self, fallback: str | None) -> str | None:
        """The staging bucket's region (COPY's REGION), or ``fallback`` when it cannot be
        asked (no s3:GetBucketLocation)."""
        try:
            answer = self.client.get_bucket_location(Bucket=self.bucket)
        except aws_errors() as e:
            if describe_error(e, "").kind is AwsFailure.NO_BUCKET:
                raise TargetError(
                    f"The staging bucket '{self.bucket}' does not exist ({self.root}).",
                    "Create it in the cluster's region or fix s3_staging.",
                ) from e
            return fallback
        return str(answer.get("LocationConstraint") or "us-east-1")

    def clean(self) -> None:
        """Delete every object this area wrote (best effort: a failure leaves them for the
        bucket's lifecycle rule, see docs/redshift.md)."""
        keys, self.written = self.written, []
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            try:
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True}
                )
            except aws_errors():
                return
