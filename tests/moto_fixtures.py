"""AWS for the pipeline tests: one local moto server per session, reached like real AWS.

boto3 is pointed at the server through the ordinary ``endpoint_url`` setting (and
``AWS_ENDPOINT_URL`` for clients a test makes itself), never by patching. Register with
``pytest_plugins = ["tests.moto_fixtures"]``; helpers for the tests are in
:mod:`tests.aws_helpers`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_helpers import FAKE_KEY_ID, FAKE_SECRET, REGION, moto_api


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 (a free port), shared by the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A wiped moto server with fake credentials and no AWS_* settings from the shell; returns
    the endpoint URL (also exported as AWS_ENDPOINT_URL for the test's own clients)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    moto_api(moto_endpoint, "reset")
    return moto_endpoint
