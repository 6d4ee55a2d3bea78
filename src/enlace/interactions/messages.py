"""Framework-free request and response: what every interaction takes and returns.

The HTTP edge turns a framework request into a FhirRequest and renders the FhirResponse; batch and
transaction Bundles build FhirRequests from their entries and reuse the same interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from enlace.kernel import errors
from enlace.kernel.jsonutil import JSONDecodeError, loads
from enlace.security.access import Access


@dataclass
class FhirRequest:
    method: str
    path: str  # below the FHIR base, without leading slash: "Patient/123/_history/2"
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    base_url: str = ""  # e.g. "http://127.0.0.1:8000/fhir"
    parsed_body: Any = None  # set when the body arrives already parsed (Bundle entries)
    # Who asks: set by the HTTP edge from the verified token (or Access.internal() when auth is
    # off), copied to a Bundle's entries. None grants nothing (interactions/guard.py).
    access: Access | None = None
    guard_cache: Any = field(default=None, repr=False, compare=False)
    source_ip: str | None = None  # the client's address, for the audit trail

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        base_url: str = "",
        headers: dict[str, str] | None = None,
        access: Access | None = None,
    ) -> FhirRequest:
        parts = urlsplit(url)
        path = parts.path.strip("/")
        return cls(
            method.upper(),
            path,
            parse_qsl(parts.query, keep_blank_values=True),
            headers or {},
            base_url=base_url,
            access=access,
        )

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    def json(self) -> Any:
        """The body as JSON; a clear 400 when it is not."""
        if self.parsed_body is not None:
            return self.parsed_body
        if not self.body:
            raise errors.bad_request("The request has no body; a FHIR resource was expected")
        try:
            self.parsed_body = loads(self.body)
        except JSONDecodeError as exc:
            raise errors.bad_request(
                f"The body is not valid JSON: {exc}", code="structure"
            ) from exc
        return self.parsed_body

    def preference(self, name: str) -> str | None:
        for part in self.headers.get("prefer", "").split(";"):
            for item in part.split(","):
                key, _, value = item.strip().partition("=")
                if key.strip() == name:
                    return value.strip().strip('"')
        return None


@dataclass
class FhirResponse:
    status: int
    body: bytes | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/fhir+json"
    # What the response shows (type, id, stored JSON): each is an audit entry for the asker.
    touched: list[tuple[str, str, bytes]] = field(default_factory=list)


def outcome_response(error: errors.FhirError) -> FhirResponse:
    return FhirResponse(error.status, error.outcome(), dict(error.headers))
