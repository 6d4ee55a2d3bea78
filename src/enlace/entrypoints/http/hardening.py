"""The outermost ASGI layer: security headers, CORS allow-list, per-client rate limits, and the
size, shape and query-cost limits every request meets before the application sees it.

`harden(app, settings)` wraps the whole application (`app.create_app`). What it does, in order:
1. rate limit (token bucket per client, `enlace.security.ratelimit`; health probes exempt): 429;
2. query string: longer than `max_query_bytes` 414; too many parameters or OR values 400;
3. CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): 204 for an
   allowed origin, method and headers, else 403;
4. request body: read here up to `max_body_bytes` (413 past it, declared or streamed), JSON bodies
   measured for depth and value count (400), form bodies for parameters (400); then handed on;
5. every response, the application's and these refusals alike, gets the security headers and,
   for an allowed origin, the CORS headers.
Refusals are OperationOutcomes (`application/fhir+json`), like every other FHIR error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool

from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps
from enlace.kernel.settings import Settings
from enlace.security import limits
from enlace.security.hardening import production_problems, startup_warnings
from enlace.security.ratelimit import TokenBuckets, client_id_of, retry_after_seconds

from .cors import CorsPolicy, Preflight
from .fhir_asgi import is_fhir_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("enlace.http")

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})  # probes must not be told to wait
# Responses that may be cached when the application says nothing: the CapabilityStatement,
# discovery documents and static assets. Everything else defaults to `no-store` (patient data,
# tokens, login pages).
CACHEABLE_PREFIXES = ("/fhir/metadata", "/.well-known/", "/fhir/.well-known/", "/assets/")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Larger bodies are measured on a worker thread: tens of milliseconds for a hostile 10 MiB body
# would otherwise stall every other request of this process's event loop.
THREADED_SCAN_BYTES = 256 * 1024

_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # Camera stays available to the pages themselves (scanning a pack's code).
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()"),
)
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
_NO_STORE = (b"cache-control", b"no-store")
# Pages: own scripts, styles and images only; no inline script or style, no plugins, never framed.
# No `form-action`: browsers apply it to the redirect after a form post, and the consent form's
# answer redirects to the client application's own origin (OAuth authorization code).
_CSP_HTML = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
)
_CSP_API = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class Hardened:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = limits.RequestLimits.from_settings(settings)
        self.cors = CorsPolicy(settings.cors_origins)
        self.always_https = settings.production  # production serves TLS (security.hardening)
        rate, burst = settings.rate_limit_per_second, settings.rate_limit_burst
        self.buckets = TokenBuckets(rate, burst) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = Inbound(scope)
        outbound = Outbound(self, scope, inbound.origin, send)
        client = self._client_keys(scope, inbound)
        refusal = self._rate_limited(client) or self._query_refusal(scope, inbound.fhir)
        if refusal is None and inbound.preflight:
            answer = self.cors.preflight(
                inbound.origin, inbound.request_method, inbound.request_headers
            )
            await outbound.preflight(answer)
            return
        if refusal is None and inbound.has_body:
            body, refusal = await self._read_body(receive, inbound)
            if body is None and refusal is None:
                return  # the client went away mid-body: nobody to answer
            receive = _replay(body or b"", receive)
        if refusal is not None:
            _log_refusal(scope, refusal)
            await outbound.refuse(refusal)
            return
        await self.app(scope, receive, outbound.send)
        if client is not None and outbound.status == 401:
            self._forged(client)

    def finish_headers(
        self, headers: list[Any], scope: Scope, origin: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        """The response's headers plus whichever security and CORS headers it lacks."""
        # ASGI servers and Starlette send lower-case names (fhir_asgi too).
        out: list[tuple[bytes, bytes]] = list(headers)
        names = {name for name, _ in out}
        html = b"content-type" in names and any(
            n == b"content-type" and v.startswith(b"text/html") for n, v in out
        )
        out += [header for header in _SECURITY_HEADERS if header[0] not in names]
        if (self.always_https or scope.get("scheme") == "https") and _HSTS[0] not in names:
            out.append(_HSTS)
        if html:  # added even next to the page's own policy: a browser enforces both
            out.append(_CSP_HTML)
        elif _CSP_API[0] not in names:
            out.append(_CSP_API)
        if _NO_STORE[0] not in names and not scope["path"].startswith(CACHEABLE_PREFIXES):
            out.append(_NO_STORE)
        self.cors.add_response_headers(out, origin)
        return out

    def _client_keys(self, scope: Scope, inbound: Inbound) -> tuple[str, str | None] | None:
        """(remote address key, client id key or None); None when no limit applies."""
        if self.buckets is None or scope["path"] in UNLIMITED_PATHS:
            return None
        peer = scope.get("client")
        address = "ip:" + (peer[0] if peer else "unknown")
        client_id = client_id_of(inbound.authorization) if inbound.authorization else None
        return address, ("client:" + client_id if client_id else None)

    def _rate_limited(self, keys: tuple[str, str | None] | None) -> errors.FhirError | None:
        if keys is None or self.buckets is None:
            return None
        address, client = keys
        if client is None:
            wait = self.buckets.take(address)
        else:  # an address in debt (its forged tokens were rejected) is refused outright
            wait = self.buckets.debt_wait(address) or self.buckets.take(client)
        if not wait:
            return None
        seconds = retry_after_seconds(wait)
        refusal = errors.error(
            429,
            "throttled",
            f"Too many requests from this client (limit {self.buckets.rate:g} a second, "
            f"bursts of {self.buckets.burst:g}); retry after {seconds} s",
        )
        refusal.headers["Retry-After"] = str(seconds)
        return refusal

    def _forged(self, keys: tuple[str, str | None]) -> None:
        """A token rejected with 401: its request is charged to the address, not the client."""
        address, client = keys
        if client is not None and self.buckets is not None:
            self.buckets.refund(client)
            self.buckets.charge(address)

    def _query_refusal(self, scope: Scope, fhir: bool) -> errors.FhirError | None:
        query: bytes = scope.get("query_string", b"")
        if not query:
            return None
        if len(query) > self.limits.max_query_bytes:
            return limits.uri_too_long(self.limits.max_query_bytes)
        max_values = self.limits.max_param_values if fhir else None
        nul = not fhir and limits.has_nul(query)
        if not nul and not limits.query_string_may_exceed(
            query, self.limits.max_params, max_values
        ):
            return None
        params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        refusal = _refusal_of(limits.check_parameters, params, self.limits.max_params, max_values)
        return refusal or (_refusal_of(limits.check_no_nul, params) if nul else None)

    async def _read_body(
        self, receive: Receive, inbound: Inbound
    ) -> tuple[bytes | None, errors.FhirError | None]:
        limit = self.limits.max_body_bytes
        if inbound.declared_length is not None and inbound.declared_length > limit:
            return None, limits.body_too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None, limits.body_too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                body = b"".join(chunks)
                if len(body) < THREADED_SCAN_BYTES:
                    return body, self._body_refusal(body, inbound)
                return body, await run_in_threadpool(self._body_refusal, body, inbound)

    def _body_refusal(self, body: bytes, inbound: Inbound) -> errors.FhirError | None:
        kind = inbound.content_type
        if b"json" in kind or (not kind and body.lstrip()[:1] in (b"{", b"[")):
            lim = self.limits
            return _refusal_of(
                limits.check_json_body, body, lim.max_json_depth, lim.max_json_values
            )
        if kind.startswith(b"application/x-www-form-urlencoded"):
            params = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            max_values = self.limits.max_param_values if inbound.fhir else None
            lim = self.limits
            refusal = _refusal_of(limits.check_parameters, params, lim.max_params, max_values)
            if refusal is None and not inbound.fhir and limits.has_nul(body):
                refusal = _refusal_of(limits.check_no_nul, params)
            return refusal
        return None


class Inbound:
    """The few request headers the hardening layer reads, found in one pass."""

    __slots__ = (
        "authorization",
        "content_type",
        "declared_length",
        "fhir",
        "has_body",
        "origin",
        "preflight",
        "request_headers",
        "request_method",
    )

    def __init__(self, scope: Scope) -> None:
        self.origin: bytes | None = None
        self.authorization = b""
        self.content_type = b""
        self.declared_length: int | None = None
        self.request_headers = b""
        self.request_method = b""
        chunked = False
        for name, value in scope["headers"]:
            if name == b"origin":
                self.origin = value
            elif name == b"authorization":
                self.authorization = value
            elif name == b"content-type":
                self.content_type = value.lower()
            elif name == b"content-length":
                self.declared_length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"access-control-request-method":
                self.request_method = value
            elif name == b"access-control-request-headers":
                self.request_headers = value
        method = scope["method"]
        self.fhir = is_fhir_path(scope["path"])
        self.preflight = (
            method == "OPTIONS" and self.origin is not None and bool(self.request_method)
        )
        self.has_body = method in _BODY_METHODS and (chunked or bool(self.declared_length))


class Outbound:
    """Sends the application's messages with the hardening headers added to the response start."""

    __slots__ = ("_send", "hardened", "origin", "scope", "status")

    def __init__(self, hardened: Hardened, scope: Scope, origin: bytes | None, send: Send) -> None:
        self.hardened = hardened
        self.scope = scope
        self.origin = origin
        self._send = send
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            headers = self.hardened.finish_headers(
                message.get("headers", []), self.scope, self.origin
            )
            message = {**message, "headers": headers}
        await self._send(message)

    async def refuse(self, refusal: errors.FhirError) -> None:
        body = dumps(refusal.outcome())
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refusal.headers.items()
        ]
        headers += [
            (b"content-type", b"application/fhir+json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await self.send(
            {"type": "http.response.start", "status": refusal.status, "headers": headers}
        )
        await self.send({"type": "http.response.body", "body": body})

    async def preflight(self, answer: Preflight) -> None:
        if answer.refused_because:
            await self.refuse(errors.error(403, "forbidden", answer.refused_because))
            return
        headers = [*answer.headers, (b"content-length", b"0")]
        await self.send({"type": "http.response.start", "status": 204, "headers": headers})
        await self.send({"type": "http.response.body", "body": b""})


def harden(app: ASGIApp, settings: Settings) -> Hardened:
    return Hardened(app, settings)


def check_startup(settings: Settings, warn: bool = True) -> None:
    """Exit with status 2, listing why, when production settings are unsafe; else log warnings."""
    problems = production_problems(settings)
    if problems:
        print("enlace: refusing to start with these settings:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2)
    if warn:
        for warning in startup_warnings(settings):
            log.warning(warning)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then the real channel (for disconnects)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _refusal_of(check: Callable[..., None], *args: Any) -> errors.FhirError | None:
    try:
        check(*args)
    except errors.FhirError as refusal:
        return refusal
    return None


def _log_refusal(scope: Scope, refusal: errors.FhirError) -> None:
    # 429s are debug: a client hammering the server would otherwise flood the log too.
    level = logging.DEBUG if refusal.status == 429 else logging.INFO
    if log.isEnabledFor(level):
        fields = {"method": scope["method"], "path": scope["path"], "status": refusal.status}
        log.log(level, "refused: %s", refusal.message, extra={"fields": fields})
