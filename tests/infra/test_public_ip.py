"""Which range the security group allows: never the whole internet unless typed, with a warning."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from sparkify.errors import ConfigError
from sparkify.infra import ClusterSettings, choose_allow_cidr
from sparkify.infra.public_ip import detect_public_ipv4

from .conftest import UNREACHABLE_URL


@pytest.fixture
def ip_service() -> Iterator[tuple[str, list[bytes]]]:
    """A local stand-in for checkip.amazonaws.com answering whatever the test puts in."""
    answers: list[bytes] = [b"93.184.216.34\n"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answers[0]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", answers
    server.shutdown()
    server.server_close()


def test_configured_range_is_used_as_is() -> None:
    choice = choose_allow_cidr(ClusterSettings(allow_cidr="203.0.113.7"))
    assert (choice.cidr, choice.warning) == ("203.0.113.7/32", None)
    assert choice.source == "allow_cidr setting"


def test_typed_open_range_is_allowed_with_a_warning() -> None:
    choice = choose_allow_cidr(ClusterSettings(allow_cidr="0.0.0.0/0"))
    assert choice.cidr == "0.0.0.0/0"
    assert choice.warning is not None and "whole internet" in choice.warning


def test_detected_address_becomes_a_slash_32(ip_service: tuple[str, list[bytes]]) -> None:
    url, _ = ip_service
    choice = choose_allow_cidr(ClusterSettings(ip_lookup_url=url))
    assert choice.cidr == "93.184.216.34/32"
    assert url in choice.source
    assert choice.warning is None


@pytest.mark.parametrize("answer", [b"<html>captive portal</html>", b"10.0.0.5", b"::1", b""])
def test_odd_answers_are_refused(ip_service: tuple[str, list[bytes]], answer: bytes) -> None:
    url, answers = ip_service
    answers[0] = answer
    with pytest.raises(ConfigError) as info:
        choose_allow_cidr(ClusterSettings(ip_lookup_url=url))
    assert "--allow-cidr" in (info.value.hint or "")


def test_unreachable_lookup_refuses_and_asks_for_allow_cidr() -> None:
    with pytest.raises(ConfigError) as info:
        detect_public_ipv4(UNREACHABLE_URL, 2.0)
    assert "cannot find your public IP address" in info.value.message
    assert UNREACHABLE_URL in info.value.message
    assert "--allow-cidr" in (info.value.hint or "")


def test_default_lookup_fails_cleanly_without_internet() -> None:
    """On this machine (no internet) the real default URL fails; never a silent 0.0.0.0/0."""
    settings = ClusterSettings(ip_lookup_timeout=2.0)
    try:
        choice = choose_allow_cidr(settings)
    except ConfigError as e:
        assert "checkip.amazonaws.com" in e.message
    else:  # a machine with internet: the answer must still be one address
        assert choice.cidr.endswith("/32")
