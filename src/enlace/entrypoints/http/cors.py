"""Cross-origin requests from an allow-list of web origins (settings.cors_origins).

A browser app on an allowed origin may call the API with a bearer token; any other origin gets
no CORS headers at all, so the browser hides every answer from it, and its preflights get 403.
No `Access-Control-Allow-Credentials`: the API authenticates with the Authorization header, never
with cookies, so cross-origin requests never need the user's cookies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "prefer",
    "if-match",
    "if-none-exist",
    "if-none-match",
    "if-modified-since",
    "accept",
    "x-request-id",
)
# Response headers a FHIR client needs to read: versions, new resource URLs, async job status.
EXPOSED_HEADERS = (
    b"ETag, Last-Modified, Location, Content-Location, X-Request-Id, Retry-After, X-Progress"
)
PREFLIGHT_MAX_AGE = b"600"  # seconds a browser may reuse a preflight answer


@dataclass(frozen=True)
class Preflight:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    refused_because: str = ""  # non-empty: answer 403 with this


class CorsPolicy:
    def __init__(self, origins: tuple[str, ...]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(o.encode("latin-1") for o in origins if o != "*")
        self.enabled = bool(origins)

    def allows(self, origin: bytes | None) -> bool:
        if origin is None or not self.enabled or origin == b"null":
            return False
        return self.any_origin or origin in self.origins

    def add_response_headers(
        self, headers: list[tuple[bytes, bytes]], origin: bytes | None
    ) -> None:
        """`Vary: Origin` whenever CORS is on (caches must not mix answers between origins), and
        the origin echoed back only when it is allowed."""
        if not self.enabled:
            return
        _add_vary_origin(headers)
        if self.allows(origin):
            assert origin is not None
            headers.append((b"access-control-allow-origin", origin))
            headers.append((b"access-control-expose-headers", EXPOSED_HEADERS))

    def preflight(self, origin: bytes | None, method: bytes, requested: bytes) -> Preflight:
        if not self.allows(origin):
            shown = (origin or b"").decode("latin-1")
            return Preflight(
                refused_because=f"Cross-origin requests from '{shown}' are not allowed"
            )
        wanted = method.decode("latin-1").upper()
        if wanted not in ALLOWED_METHODS:
            return Preflight(refused_because=f"Cross-origin {wanted} requests are not allowed")
        names = [h.strip().lower() for h in requested.decode("latin-1").split(",") if h.strip()]
        unknown = [name for name in names if name not in ALLOWED_HEADERS]
        if unknown:
            return Preflight(
                refused_because=f"Cross-origin requests may not send {', '.join(unknown)}"
            )
        return Preflight(
            [
                (b"access-control-allow-methods", ", ".join(sorted(ALLOWED_METHODS)).encode()),
                (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE),
            ]
        )


def _add_vary_origin(headers: list[tuple[bytes, bytes]]) -> None:
    for position, (name, value) in enumerate(headers):
        if name == b"vary":
            if b"origin" not in value.lower() and value.strip() != b"*":
                headers[position] = (name, value + b", Origin")
            return
    headers.append((b"vary", b"Origin"))
