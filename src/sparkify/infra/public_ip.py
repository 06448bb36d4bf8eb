"""Which address range the security group lets in: the configured one, or the caller's.

When ``allow_cidr`` is not set, the caller's public IPv4 address is asked of an HTTPS "what is
my IP" service (``ip_lookup_url``, default https://checkip.amazonaws.com, which answers with
the address as plain text) with a short timeout, and used as a /32. When that fails, ``infra up``
refuses and asks for ``--allow-cidr``: it never falls back to ``0.0.0.0/0``.
"""

from __future__ import annotations

import http.client
import ipaddress
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sparkify.errors import ConfigError
from sparkify.infra.settings import ClusterSettings

Fetch = Callable[[str, float], str]
_MAX_ANSWER_BYTES = 200


@dataclass(frozen=True)
class CidrChoice:
    """The range to allow, where it came from, and a warning when it is the whole internet."""

    cidr: str
    source: str
    warning: str | None = None


def fetch_text(url: str, timeout: float) -> str:
    """GET ``url`` and return the start of its body as text (raises OSError/ValueError)."""
    request = urllib.request.Request(url, headers={"User-Agent": "sparkify-infra"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read(_MAX_ANSWER_BYTES)
    return body.decode("ascii")


def detect_public_ipv4(url: str, timeout: float, fetch: Fetch = fetch_text) -> str:
    """The caller's public IPv4 address as reported by ``url``; ConfigError when unknown."""
    try:
        answer = fetch(url, timeout).strip()
        address = ipaddress.ip_address(answer)
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise _cannot_detect(url, str(e) or type(e).__name__) from e
    if address.version != 4 or not address.is_global:
        raise _cannot_detect(url, f"it answered {answer!r}, not a public IPv4 address")
    return str(address)


def _cannot_detect(url: str, reason: str) -> ConfigError:
    return ConfigError(
        f"cannot find your public IP address to allow on the cluster port (asked {url}: {reason})",
        "Pass the address range you connect from, e.g. --allow-cidr 203.0.113.7/32, "
        "or set allow_cidr in [cluster].",
    )


def choose_allow_cidr(settings: ClusterSettings, fetch: Fetch = fetch_text) -> CidrChoice:
    """The configured ``allow_cidr`` (with a warning if it is open to everyone), else the
    caller's detected public address as a /32."""
    if settings.allow_cidr is not None:
        cidr = settings.allow_cidr
        warning = None
        if ipaddress.ip_network(cidr).prefixlen == 0:
            warning = (
                f"allow_cidr {cidr} lets the whole internet reach port {settings.port}; "
                "use your own address (/32) unless you really mean it"
            )
        return CidrChoice(cidr=cidr, source="allow_cidr setting", warning=warning)
    address = detect_public_ipv4(settings.ip_lookup_url, settings.ip_lookup_timeout, fetch)
    return CidrChoice(
        cidr=f"{address}/32", source=f"your public address, from {settings.ip_lookup_url}"
    )
