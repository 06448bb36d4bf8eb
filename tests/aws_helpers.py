"""Helpers for tests that use the moto server of :mod:`tests.moto_fixtures`."""

from __future__ import annotations

import gzip
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

FAKE_KEY_ID = "AKIAFAKESPARKIFYPIPE1"
FAKE_SECRET = "fakePipelineSecretDoNotPrint0123456789abc"
REGION = "us-west-2"


def moto_api(endpoint: str, path: str, body: bytes = b"") -> None:
    """POST to moto's control API (``reset``, ``reset-auth``)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def client(service: str) -> Any:
    """A plain boto3 client for the test's own setup and read-back (uses the ``aws`` env)."""
    import boto3

    return boto3.client(service, region_name=REGION)


def make_bucket(s3: Any, name: str) -> None:
    """Create ``name`` in the test region."""
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def upload_tree(
    s3: Any, root: Path, bucket: str, prefix: str, *, gzip_if: Any = None
) -> dict[str, str]:
    """Upload every file under ``root`` to ``bucket/prefix/<relative path>``, gzipping (and
    adding ``.gz`` to) those for which ``gzip_if(relative_path)`` is true; returns key -> path."""
    jobs = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        body = path.read_bytes()
        if gzip_if is not None and gzip_if(rel):
            body, rel = gzip.compress(body), rel + ".gz"
        jobs.append((f"{prefix.rstrip('/')}/{rel}".lstrip("/"), body, rel))
    put_objects(s3, bucket, [(key, body) for key, body, _ in jobs])
    return {key: rel for key, _, rel in jobs}


def put_objects(s3: Any, bucket: str, objects: list[tuple[str, bytes]]) -> None:
    """Upload many small objects concurrently."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda kv: s3.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), objects))
