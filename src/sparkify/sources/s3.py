"""Input files in S3: ``s3://bucket/prefix`` holding ``log_data/`` and ``song_data/``.

Listing is paginated (``list_objects_v2``, 1,000 keys a page); every object's ETag becomes its
manifest checksum, so a later run sees new and changed objects without reading them. Reads are
``GetObject`` calls made by the pipeline's thread pool, :attr:`S3Source.concurrency` at a time:
the real ``song_data`` is ~15,000 one-record objects, and latency, not bandwidth, is the cost.
Paths are relative to each root (``log_data/2018/11/…``), exactly as for a local folder, so the
same data gives the same rows whether it is read from disk or from S3.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sparkify.aws import AwsFailure, aws_client, aws_errors, describe_error, parse_s3_uri
from sparkify.batch import FileKind, SourceFile
from sparkify.errors import ConfigError, SourceError
from sparkify.gcpause import without_gc
from sparkify.sources.base import (
    ACCEPTED,
    Source,
    is_input_name,
    listing_notes,
    pattern_of,
)

if TYPE_CHECKING:
    from sparkify.config import Settings

CONCURRENCY = 32
#: Reads of one object's body, in all, when it breaks off mid-transfer.
BODY_ATTEMPTS = 3


@dataclass(frozen=True)
class S3Root:
    """Where one kind of input file lives: a bucket and a key prefix ending in ``/``."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, uri: str) -> S3Root:
        """The root named by ``s3://bucket/prefix`` (a trailing ``/`` is implied)."""
        bucket, prefix = parse_s3_uri(uri)
        prefix = prefix.rstrip("/")
        return cls(bucket, f"{prefix}/" if prefix else "")

    @property
    def uri(self) -> str:
        """The root as an ``s3://`` URI."""
        return f"s3://{self.bucket}/{self.prefix}"


def _access_hint(root: S3Root, anonymous: bool) -> str:
    if anonymous:
        return "No AWS credentials were found, so the request was anonymous. " + (
            "Configure credentials (`aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID)."
        )
    return (
        f"Your AWS identity needs s3:ListBucket on arn:aws:s3:::{root.bucket} and s3:GetObject "
        f"on arn:aws:s3:::{root.bucket}/{root.prefix}*."
    )


class S3Source(Source):
    """``log_data`` and ``song_data`` under two S3 roots (usually one bucket and prefix)."""

    concurrency = CONCURRENCY

    def __init__(self, roots: dict[FileKind, S3Root], client: Any) -> None:
        self.roots = roots
        self.client = client
        self.ignored: dict[FileKind, Counter[str]] = {}
        from botocore import UNSIGNED

        self.anonymous = client.meta.config.signature_version is UNSIGNED

    def describe(self) -> str:
        log, song = self.roots[FileKind.LOG], self.roots[FileKind.SONG]
        if log.bucket == song.bucket and log.prefix.endswith("log_data/"):
            parent = log.prefix[: -len("log_data/")]
            if song.prefix == f"{parent}song_data/":
                return f"s3://{log.bucket}/{parent}".rstrip("/")
        return f"{log.uri} + {song.uri}"

    def locations(self) -> tuple[str, str]:
        return self.roots[FileKind.LOG].uri.rstrip("/"), self.roots[FileKind.SONG].uri.rstrip("/")

    def _fail(self, e: BaseException, root: S3Root, action: str) -> SourceError:
        problem = describe_error(e, action)
        if problem.kind is AwsFailure.ACCESS_DENIED:
            return SourceError(problem.message, _access_hint(root, self.anonymous))
        if problem.kind is AwsFailure.NO_BUCKET:
            return SourceError(
                f"S3 bucket '{root.bucket}' does not exist ({root.uri}).",
                "Check the bucket name in --source/--log-data/--song-data (and endpoint_url).",
            )
        return SourceError(problem.message, problem.hint)

    def _list_root(self, kind: FileKind, root: S3Root) -> list[SourceFile]:
        files: list[SourceFile] = []
        ignored = self.ignored[kind] = Counter()
        seen_any = False
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=root.bucket, Prefix=root.prefix
        )
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    seen_any = True
                    key: str = obj["Key"]
                    name = key.rsplit("/", 1)[-1]
                    if not is_input_name(name):
                        if name:  # not a "folder" marker
                            ignored[pattern_of(name)] += 1
                        continue
                    files.append(
                        SourceFile(
                            path=f"{kind.folder}/{key[len(root.prefix) :]}",
                            kind=kind,
                            size=int(obj["Size"]),
                            location=f"s3://{root.bucket}/{key}",
                            mtime=obj["LastModified"].timestamp(),
                            etag=str(obj["ETag"]).strip('"'),
                        )
                    )
        except aws_errors() as e:
            raise self._fail(e, root, f"list {root.uri}") from e
        if not files:
            what = "no objects"
            if seen_any:
                what = f"only other files ({', '.join(f'{p}: {n:,}' for p, n in ignored.items())})"
            raise SourceError(
                f"{root.uri} holds {what}: no {kind.folder} files ({ACCEPTED}) to load.",
                f"Check the prefix (`aws s3 ls {root.uri}`); it must hold the {kind.folder} files.",
            )
        return files

    def listing_notes(self, files: list[SourceFile]) -> list[str]:
        where = {kind: root.uri for kind, root in self.roots.items()}
        return listing_notes(files, self.ignored, where)

    @without_gc
    def list_files(self) -> list[SourceFile]:
        files = [f for kind, root in self.roots.items() for f in self._list_root(kind, root)]
        files.sort(key=lambda f: f.path)
        return files

    def read_bytes(self, file: SourceFile) -> bytes:
        """The object's bytes. botocore retries the request itself (with backoff); a body cut
        off mid-transfer (connection reset, read timeout) is fetched again here, up to
        :data:`BODY_ATTEMPTS` times in all, because botocore's retries end with the headers."""
        bucket, key = parse_s3_uri(file.location)
        args: dict[str, str] = {"Bucket": bucket, "Key": key}
        if file.etag:
            args["IfMatch"] = f'"{file.etag}"'
        attempt = 1
        while True:
            try:
                response = self.client.get_object(**args)
            except aws_errors() as e:
                raise self._read_error(e, file) from e
            try:
                body: bytes = response["Body"].read()
                return body
            except _body_errors() as e:
                if attempt >= BODY_ATTEMPTS:
                    raise self._read_error(e, file) from e
                time.sleep(random.uniform(0, 0.1 * 2**attempt))
                attempt += 1

    def _read_error(self, e: BaseException, file: SourceFile) -> SourceError:
        problem = describe_error(e, f"read {file.location}")
        if problem.code in ("PreconditionFailed", "412", "NoSuchKey"):
            return SourceError(
                f"{file.location} changed or disappeared while it was being loaded.",
                "Run again: nothing was committed.",
            )
        return self._fail(e, self.roots[file.kind], f"read {file.location}")


def _body_errors() -> tuple[type[BaseException], ...]:
    """botocore's errors for a response body that broke off while it was being read."""
    from botocore import exceptions as bx

    return (bx.ResponseStreamingError, bx.IncompleteReadError, bx.ReadTimeoutError)


def open_s3_source(log_uri: str, song_uri: str, settings: Settings) -> Source:
    """The S3 source for ``log_uri`` and ``song_uri`` (both ``s3://``), with one boto3 client
    made from ``settings`` (``endpoint_url``, ``region``) and boto3's own configuration."""
    if not (log_uri.startswith("s3://") and song_uri.startswith("s3://")):
        raise ConfigError(
            f"Log data ({log_uri}) and song data ({song_uri}) must both be in S3 or both local.",
            "Copy the local part to S3 (aws s3 sync), or the S3 part to a local folder.",
        )
    roots = {FileKind.LOG: S3Root.parse(log_uri), FileKind.SONG: S3Root.parse(song_uri)}
    client = aws_client("s3", settings, max_pool=CONCURRENCY, anonymous_fallback=True)
    return S3Source(roots, client)
