"""Fixtures for the infra tests: one local moto server per session, fresh state per test.

AWS is reached through the ordinary ``endpoint_url`` setting (or ``AWS_ENDPOINT_URL``), never
by patching boto3. Every test runs with fake credentials, no ``SPARKIFY_*`` or ``AWS_*``
variables from the developer's shell, no ~/.aws files and no instance metadata lookups.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from sparkify.infra import AwsClients, ClusterSettings, WaitPolicy, make_clients

FAKE_KEY_ID = "AKIAFAKESPARKIFYTEST1"
FAKE_SECRET = "fakeSparkifySecretKeyDoNotPrint0123456789"
TEST_CIDR = "203.0.113.7/32"
# Nothing listens on the discard port: the "what is my IP" lookup fails at once, as it would
# on this machine (no internet) even with the default URL.
UNREACHABLE_URL = "http://127.0.0.1:9/"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 (a free port) for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials; no SPARKIFY_* / AWS_* leaking in from the shell; own working folder."""
    for name in list(os.environ):
        if name.startswith(("SPARKIFY_", "AWS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def moto(moto_server: str) -> str:
    """The moto server's URL, with every resource of earlier tests wiped."""
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10):
        pass
    return moto_server


@pytest.fixture
def settings(moto: str) -> ClusterSettings:
    """Default settings pointed at moto, with an explicit allowed range."""
    return ClusterSettings(endpoint_url=moto, allow_cidr=TEST_CIDR, ip_lookup_url=UNREACHABLE_URL)


ClientsFor = Callable[[ClusterSettings], AwsClients]


@pytest.fixture(scope="session")
def _clients_cache() -> dict[str, AwsClients]:
    return {}


@pytest.fixture
def clients_for(_clients_cache: dict[str, AwsClients]) -> ClientsFor:
    """``make_clients`` with the clients kept across tests (loading botocore's service models
    costs ~0.5 s per session; the clients hold no moto state, which is reset per test)."""

    def get(settings: ClusterSettings) -> AwsClients:
        key = repr(settings)
        if key not in _clients_cache:
            _clients_cache[key] = make_clients(settings)
        return _clients_cache[key]

    return get


@pytest.fixture
def clients(settings: ClusterSettings, clients_for: ClientsFor) -> AwsClients:
    """The library's own clients (one session) for ``settings``."""
    return clients_for(settings)


@dataclass
class Aws:
    """Independent boto3 clients used by tests to read back what AWS really holds."""

    iam: Any
    ec2: Any
    redshift: Any


@pytest.fixture(scope="session")
def _aws(moto_server: str) -> Aws:
    session = boto3.session.Session(
        region_name="us-west-2", aws_access_key_id=FAKE_KEY_ID, aws_secret_access_key=FAKE_SECRET
    )
    return Aws(
        iam=session.client("iam", endpoint_url=moto_server),
        ec2=session.client("ec2", endpoint_url=moto_server),
        redshift=session.client("redshift", endpoint_url=moto_server),
    )


@pytest.fixture
def aws(moto: str, _aws: Aws) -> Aws:
    """Plain boto3 clients on the (freshly reset) moto server, separate from the library's."""
    return _aws


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def policy(self, timeout: float = 60.0, interval: float = 15.0) -> WaitPolicy:
        return WaitPolicy(timeout=timeout, interval=interval, clock=self.clock, sleep=self.sleep)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A fresh fake clock at t=0."""
    return FakeClock()
