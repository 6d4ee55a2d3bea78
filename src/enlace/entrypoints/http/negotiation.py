"""Content negotiation: JSON only (406 for what a client wants, 415 for what it sends)."""

from __future__ import annotations

from collections.abc import Mapping

from enlace.kernel import errors

_JSON_TYPES = ("json", "application/fhir+json", "application/json", "application/json-patch+json")


def check_formats(method: str, headers: Mapping[str, str], params: list[tuple[str, str]]) -> None:
    """406 when the client wants only XML (or another format); 415 when it sends one."""
    requested = next((v for k, v in params if k == "_format"), None)
    if requested and not any(t in requested for t in ("json",)):
        raise errors.error(
            406, "not-supported", f"_format '{requested}' is not supported; this server speaks JSON"
        )
    accept = headers.get("accept", "")
    if accept and not _accepts_json(accept):
        raise errors.error(
            406,
            "not-supported",
            f"Accept '{accept}' excludes JSON; this server speaks application/fhir+json",
        )
    content_type = headers.get("content-type", "")
    if method in ("POST", "PUT", "PATCH") and content_type and not _is_json_or_form(content_type):
        raise errors.error(
            415,
            "not-supported",
            f"Content-Type '{content_type}' is not supported; send application/fhir+json",
        )


def _accepts_json(accept: str) -> bool:
    for part in accept.split(","):
        media, *parameters = (p.strip().lower() for p in part.split(";"))
        if any(_is_zero_quality(p) for p in parameters):
            continue  # q=0 means "not acceptable" (RFC 9110 12.4.2)
        if media in ("*/*", "application/*") or "json" in media:
            return True
    return False


def _is_zero_quality(parameter: str) -> bool:
    name, _, value = parameter.partition("=")
    if name.strip() != "q":
        return False
    try:
        return float(value) == 0
    except ValueError:
        return False


def _is_json_or_form(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return "json" in media or media == "application/x-www-form-urlencoded"
