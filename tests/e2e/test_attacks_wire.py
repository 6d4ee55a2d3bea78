"""Header injection and oversized request lines sent over a raw socket to a live `enlace serve`
(SQLite and PostgreSQL): what no HTTP client library would send. Uvicorn refuses a CR, LF or NUL
inside a header, and a folded header line, with 400 before the application runs; a query string
past the limit is the hardening layer's 414; no response ever carries an injected header, and
the server keeps serving."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

INJECTED = [
    b"Prefer: return=minimal\r\n X-Injected: 1",  # obs-fold: a continuation line
    b"Prefer: a\x00b",
    b'If-Match: W/"1"\nX-Injected: 1',  # a bare LF inside a header
    b'If-Match: W/"1"\rX-Injected: 1',  # a bare CR
    b"If-None-Exist: name=x\r\n X-Injected: 1",
]


def exchange(fhir_base: str, request: bytes) -> tuple[bytes, list[bytes]]:
    """(status line, header lines) of the answer to raw request bytes."""
    address = urlsplit(fhir_base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    return lines[0], lines[1:]


def request(path: bytes, *headers: bytes) -> bytes:
    lines = [b"GET " + path + b" HTTP/1.1", b"Host: 127.0.0.1", *headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.mark.parametrize("header", INJECTED)
def test_cr_lf_nul_in_a_header_is_400(live_server: str, header: bytes) -> None:
    status, headers = exchange(live_server, request(b"/fhir/Patient/x", header))
    assert status == b"HTTP/1.1 400 Bad Request"
    assert not any(line.lower().startswith(b"x-injected") for line in headers)
    assert httpx.get(f"{live_server}/metadata").status_code == 200


def test_a_second_header_line_is_just_a_request_header(live_server: str) -> None:
    """`X-Request-Id: a` followed by a `Set-Cookie` request line: the server reads two request
    headers and answers no cookie."""
    raw = request(b"/fhir/metadata", b"X-Request-Id: a", b"Set-Cookie: session=stolen")
    status, headers = exchange(live_server, raw)
    assert status == b"HTTP/1.1 200 OK"
    assert not any(line.lower().startswith(b"set-cookie") for line in headers)
    assert b"x-request-id: a" in [line.lower() for line in headers]


def test_oversized_request_lines(live_server: str) -> None:
    """Past 8 KB of query: 414 with an OperationOutcome from the hardening layer; past what
    uvicorn reads as one request line: its own 400. Either way the server goes on."""
    status, _ = exchange(live_server, request(b"/fhir/Patient?name=" + b"a" * 20_000))
    assert status == b"HTTP/1.1 414 Request-URI Too Long"
    status, _ = exchange(live_server, request(b"/fhir/Patient?name=" + b"a" * 100_000))
    assert status == b"HTTP/1.1 400 Bad Request"
    assert httpx.get(f"{live_server}/metadata").status_code == 200


def test_answers_do_not_name_the_server_software(live_server: str) -> None:
    """ASVS V14.3.3: no `server` header (uvicorn's own is turned off in `enlace serve`)."""
    status, headers = exchange(live_server, request(b"/fhir/metadata"))
    assert status == b"HTTP/1.1 200 OK"
    assert not any(line.lower().startswith(b"server:") for line in headers)
