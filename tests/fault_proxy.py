"""Test harness: a small HTTP proxy in front of the moto server that injects faults.

Point boto3 at :attr:`FaultProxy.url` (the ``endpoint_url`` setting). Every request is matched
against the proxy's rules in order; the first rule that matches and still has shots left
decides the fault, otherwise the request is forwarded unchanged. Faults:

- ``throttle``: HTTP 503 ``SlowDown`` (S3's throttling answer);
- ``error``: HTTP 500 ``InternalError``;
- ``reset``: the connection is reset (RST) before any answer;
- ``slow``: the answer is delayed by :attr:`Rule.delay` seconds, then forwarded;
- ``truncate``: the upstream answer's headers are sent, then half its body, then a reset.

:attr:`FaultProxy.log` records ``(method, path, fault)`` for every request (fault ``""`` when
forwarded), so a test can count the retries a client made.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
    "<Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
)
_ANSWERS = {
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
    "error": (500, "InternalError", "We encountered an internal error. Please try again."),
}


@dataclass
class Rule:
    """Inject ``fault`` into requests whose method is ``method`` (``*``: any) and whose path
    contains ``path_part``; ``shots`` times (``None``: every time)."""

    fault: str
    path_part: str = ""
    method: str = "*"
    shots: int | None = 1
    delay: float = 0.0

    def take(self, method: str, path: str) -> bool:
        """Whether this rule fires for the request (using up one shot)."""
        if self.method not in ("*", method) or self.path_part not in path:
            return False
        if self.shots is None:
            return True
        if self.shots <= 0:
            return False
        self.shots -= 1
        return True


class FaultProxy:
    """A threaded proxy on 127.0.0.1 (a free port) forwarding to ``upstream``."""

    def __init__(self, upstream: str, rules: list[Rule] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules = rules or []
        self.log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's endpoint URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fault_for(self, method: str, path: str) -> Rule | None:
        """The rule that fires for this request (if any); the request is logged."""
        with self._lock:
            rule = next((r for r in self.rules if r.take(method, path)), None)
            self.log.append((method, path, rule.fault if rule else ""))
            return rule

    def count(self, fault: str | None = None, path_part: str = "") -> int:
        """Requests seen whose path contains ``path_part`` (with ``fault``, when given)."""
        with self._lock:
            return sum(
                1 for _, p, f in self.log if path_part in p and (fault is None or f == fault)
            )

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rule = proxy.fault_for(self.command, self.path)
                fault = rule.fault if rule else ""
                if fault == "reset":
                    self._reset()
                    return
                if fault in _ANSWERS:
                    self._answer(*_ANSWERS[fault])
                    return
                if fault == "slow" and rule is not None:
                    time.sleep(rule.delay)
                self._forward(body, truncate=fault == "truncate")

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

            def _reset(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()

            def _answer(self, status: int, code: str, message: str) -> None:
                data = _ERROR_XML.format(code=code, message=message).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _forward(self, body: bytes, *, truncate: bool) -> None:
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if truncate and len(data) > 1:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._reset()
                    return
                self.wfile.write(data)

        return Handler


@contextmanager
def fault_proxy(upstream: str, rules: list[Rule] | None = None) -> Iterator[FaultProxy]:
    """A running :class:`FaultProxy` for the duration of the ``with`` block."""
    proxy = FaultProxy(upstream, rules)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
