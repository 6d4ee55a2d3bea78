"""Shared response shapes: a written resource honouring Prefer, paging links, Bundles."""

from __future__ import annotations

from typing import Any

from enlace.kernel.errors import Issue, operation_outcome
from enlace.store.records import StoredVersion

from .messages import FhirRequest, FhirResponse


def _version_headers(version: StoredVersion) -> dict[str, str]:
    return {"ETag": version.etag, "Last-Modified": version.last_updated}


def version_headers(version: StoredVersion, request: FhirRequest) -> dict[str, str]:
    """ETag and Last-Modified, plus the Location of the version a write created."""
    headers = _version_headers(version)
    if request.base_url:
        headers["Location"] = (
            f"{request.base_url}/{version.reference}/_history/{version.version_id}"
        )
    return headers


def resource_response(version: StoredVersion) -> FhirResponse:
    return FhirResponse(200, version.content, _version_headers(version))


def written(
    version: StoredVersion, status: int, request: FhirRequest, note: str = ""
) -> FhirResponse:
    """The answer to a write, shaped by `Prefer: return=minimal|representation|OperationOutcome`."""
    headers = version_headers(version, request)
    wanted = request.preference("return") or "representation"
    if wanted == "minimal" or version.content is None:
        return FhirResponse(status, None, headers)
    if wanted == "OperationOutcome":
        text = note or f"{version.reference} stored as version {version.version_id}"
        outcome = operation_outcome([Issue("informational", text, severity="information")])
        return FhirResponse(status, outcome, headers)
    return FhirResponse(status, version.content, headers)


def information(text: str, status: int = 200) -> FhirResponse:
    return FhirResponse(
        status, operation_outcome([Issue("informational", text, severity="information")])
    )


def bundle(
    bundle_type: str,
    entries: list[dict[str, Any]],
    links: list[dict[str, str]] | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"resourceType": "Bundle", "type": bundle_type}
    if total is not None:
        result["total"] = total
    if links:
        result["link"] = links
    if entries:  # FHIR JSON forbids empty arrays
        result["entry"] = entries
    return result
