"""Where a rest-hook may point (OWASP API7, server-side request forgery).

A Subscription makes this server send requests to a URL a client chose. In production that URL must
not reach the platform's own network: loopback, private (RFC 1918, unique-local), link-local (the
cloud metadata address 169.254.169.254), multicast, unspecified and reserved addresses are refused —
when the Subscription is written (an IP literal or `localhost`) and again at every delivery, after
resolving the host name, so DNS that later points inward does not get through. Development allows
them (the demo's stand-in registry listens on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def inward_address(address: str) -> str | None:
    """Why this IP address is inside the platform's network, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{flag}"):
            return f"{ip} is a {flag.replace('_', '-')} address"
    return None


def literal_problem(url: str) -> str | None:
    """Refusal of a URL whose host is, as written, inside the network (no DNS lookup)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return f"{host} is this machine"
    return inward_address(host)


def resolved_problem(url: str) -> str | None:
    """Refusal of a URL any of whose resolved addresses is inside the network."""
    parts = urlsplit(url)
    problem = literal_problem(url)
    if problem or not parts.hostname:
        return problem
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve {parts.hostname}: {exc}"
    for *_, sockaddr in found:
        problem = inward_address(str(sockaddr[0]))
        if problem:
            return f"{parts.hostname} resolves to {problem}"
    return None


class InwardEndpoint(Exception):
    """The endpoint leads into the platform's own network; the delivery is not attempted."""
