"""Instance-level interactions: read, vread, create, update, patch, delete.

Spec: https://hl7.org/fhir/R4/http.html (sections 3.1.0.3 to 3.1.0.7).
Conditional create/update/delete resolve their criteria through the search layer.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jsonpatch
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.search import engine
from enlace.store import versions
from enlace.store.records import StoredVersion
from enlace.store.versions import ConcurrentWrite

from . import guard, observation_merge
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import information, resource_response, written

_PATCH_ATTEMPTS = 5
_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


def read(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    conn: Connection | None = None,
) -> FhirResponse:
    with services.reading(conn) as conn:
        if resource_type == "Observation" and services.observation_sources:
            reading = observation_merge.read(services, request, resource_id, conn)
            if reading is not None:  # a device reading served as an Observation
                return reading
        version = services.repo.read(conn, resource_type, resource_id)
        guard.check_existing(services, request, conn, resource_type, resource_id, "r")
    if request.headers.get("if-none-match") == version.etag:
        return FhirResponse(304, None, {"ETag": version.etag})
    return _shown(resource_response(version), version)


def vread(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    version_id: str,
    conn: Connection | None = None,
) -> FhirResponse:
    if not (version_id.isascii() and version_id.isdigit()) or len(version_id) > 9:
        raise errors.not_found(f"{resource_type}/{resource_id} has no version '{version_id}'")
    with services.reading(conn) as conn:
        guard.check_target(services, request, conn, resource_type, resource_id, "r")
        version = services.repo.vread(conn, resource_type, resource_id, int(version_id))
    return _shown(resource_response(version), version)


def _shown(response: FhirResponse, version: StoredVersion) -> FhirResponse:
    response.touched.append((version.resource_type, version.id, version.content or b""))
    return response


def create(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None = None
) -> FhirResponse:
    resource = services.checked_resource(request.json(), resource_type)
    resource.pop("id", None)  # the server assigns ids on create (R4 3.1.0.4)
    condition = request.headers.get("if-none-exist")
    guard.require_type(services, request, resource_type, "c")
    with services.writing(conn) as conn:
        if condition:
            versions.serialize_on(conn, f"{resource_type}?{condition}")
            existing = _matches(services, request, conn, resource_type, condition, "If-None-Exist")
            if len(existing) > 1:
                raise errors.precondition_failed(
                    f"If-None-Exist '{condition}' matches {len(existing)} {resource_type} resources"
                )
            if existing:
                version = services.repo.read(conn, resource_type, existing[0])
                return written(version, 200, request, "A matching resource already exists")
        version = services.repo.create(conn, resource)
        guard.check_written(services, request, conn, version, "c")
    return written(version, 201, request)


def update(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    conn: Connection | None = None,
) -> FhirResponse:
    resource = services.checked_resource(request.json(), resource_type)
    body_id = resource.get("id")
    if body_id is None:
        raise errors.bad_request(
            "An update needs the resource id in the body", f"{resource_type}.id"
        )
    if body_id != resource_id:
        raise errors.bad_request(
            f"The body id '{body_id}' does not match the URL id '{resource_id}'",
            f"{resource_type}.id",
        )
    if_match = parse_if_match(request)
    with services.writing(conn) as conn:
        guard.check_target(services, request, conn, resource_type, resource_id, "u", "c")
        result = services.repo.update(conn, resource, resource_id, if_match)
        guard.check_written(services, request, conn, result.version, _written_as(result))
    return written(result.version, 201 if result.created else 200, request)


def _written_as(result: Any) -> str:
    return "c" if result.created else "u"


def conditional_update(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None = None
) -> FhirResponse:
    resource = services.checked_resource(request.json(), resource_type)
    query = _query_string(request)
    with services.writing(conn) as conn:
        versions.serialize_on(conn, f"{resource_type}?{query}")
        existing = _matches(services, request, conn, resource_type, query, "conditional update")
        if len(existing) > 1:
            raise errors.precondition_failed(
                f"The criteria '{query}' match {len(existing)} {resource_type} resources"
            )
        body_id = resource.get("id")
        if existing and body_id and body_id != existing[0]:
            raise errors.bad_request(
                f"The body id '{body_id}' differs from the matching resource '{existing[0]}'",
                f"{resource_type}.id",
            )
        if existing:
            guard.check_existing(services, request, conn, resource_type, existing[0], "u")
            result = services.repo.update(conn, resource, existing[0], parse_if_match(request))
            guard.check_written(services, request, conn, result.version, "u")
            return written(result.version, 200, request)
        if body_id and services.repo.current(conn, resource_type, body_id):
            raise errors.conflict(
                f"No {resource_type} matches '{query}', but {resource_type}/{body_id} exists: "
                "the body id names a resource the criteria do not select"
            )
        guard.require_type(services, request, resource_type, "c")
        version = services.repo.create(conn, resource, body_id)
        guard.check_written(services, request, conn, version, "c")
    return written(version, 201, request)


def patch(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    conn: Connection | None = None,
) -> FhirResponse:
    """Apply a patch to the current version. Without If-Match a concurrent writer is not an
    error: the patch is applied again to the version that writer committed."""
    operations = _patch_document(request)
    if_match = parse_if_match(request)
    for attempt in range(_PATCH_ATTEMPTS):
        try:
            with services.writing(conn) as writer:
                guard.check_existing(services, request, writer, resource_type, resource_id, "u")
                version = _patch_once(
                    services, writer, resource_type, resource_id, operations, if_match
                )
                guard.check_written(services, request, writer, version, "u")
            return written(version, 200, request)
        except ConcurrentWrite:
            if if_match is not None or conn is not None or attempt == _PATCH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _patch_once(
    services: Services,
    conn: Connection,
    resource_type: str,
    resource_id: str,
    operations: list[Any] | dict[str, Any],
    if_match: int | None,
) -> StoredVersion:
    current = services.repo.read(conn, resource_type, resource_id)
    if if_match is not None and if_match != current.version_id:
        raise errors.precondition_failed(
            f"{resource_type}/{resource_id} is at version {current.version_id}, not {if_match}"
        )
    resource = services.checked_resource(_apply_patch(current, operations), resource_type)
    if resource.get("id") != resource_id:
        raise errors.bad_request("A patch may not change the resource id", f"{resource_type}.id")
    return services.repo.update(conn, resource, resource_id, current.version_id, "PATCH").version


def conditional_patch(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None = None
) -> FhirResponse:
    query = _query_string(request)
    with services.reading(conn) as reader:
        existing = _matches(services, request, reader, resource_type, query, "conditional patch")
    if len(existing) != 1:
        status = 404 if not existing else 412
        raise errors.error(
            status,
            "not-found" if not existing else "multiple-matches",
            f"The criteria '{query}' match {len(existing)} {resource_type} resources; a patch needs one",
        )
    return patch(services, request, resource_type, existing[0], conn)


def delete(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    conn: Connection | None = None,
) -> FhirResponse:
    with services.writing(conn) as conn:
        guard.check_target(services, request, conn, resource_type, resource_id, "d")
        version = services.repo.delete(conn, resource_type, resource_id, parse_if_match(request))
    if version is None:
        return information(f"{resource_type}/{resource_id} did not exist or was already deleted")
    return FhirResponse(204, None, {"ETag": version.etag})


def conditional_delete(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None = None
) -> FhirResponse:
    query = _query_string(request)
    with services.writing(conn) as conn:
        existing = _matches(services, request, conn, resource_type, query, "conditional delete")
        if len(existing) > 1:
            raise errors.precondition_failed(
                f"The criteria '{query}' match {len(existing)} {resource_type} resources; "
                "conditional delete removes one at a time"
            )
        if not existing:
            return information(f"No {resource_type} matches '{query}'; nothing deleted")
        guard.check_existing(services, request, conn, resource_type, existing[0], "d")
        version = services.repo.delete(conn, resource_type, existing[0])
    assert version is not None
    return FhirResponse(204, None, {"ETag": version.etag})


def parse_if_match(request: FhirRequest) -> int | None:
    header = request.headers.get("if-match")
    if not header:
        return None
    match = _ETAG.match(header.strip())
    if not match:
        raise errors.bad_request(f"If-Match '{header}' is not a version ETag like W/\"3\"")
    return int(match[1])


def _matches(
    services: Services,
    request: FhirRequest,
    conn: Any,
    resource_type: str,
    query: str,
    what: str,
) -> list[str]:
    """Conditional criteria match only what the asker may read: others' resources neither
    satisfy If-None-Exist nor get overwritten, and their existence does not show."""
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise errors.bad_request(f"The {what} criteria are empty")
    visible = guard.visibility(services, request)
    return engine.find_ids(conn, services.search.current(), resource_type, params, what, visible)


def _query_string(request: FhirRequest) -> str:
    return urlencode(request.params)


def _patch_document(request: FhirRequest) -> list[Any] | dict[str, Any]:
    """A JSON Patch (RFC 6902) array, or a JSON Merge Patch (RFC 7396) object as fhirpy sends."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    document = request.json()
    if content_type == "application/json-patch+json":
        if not isinstance(document, list):
            raise errors.bad_request("A JSON Patch document is an array of operations")
        return document
    if content_type in (
        "application/merge-patch+json",
        "application/json",
        "application/fhir+json",
    ):
        if not isinstance(document, dict):
            raise errors.bad_request("A JSON Merge Patch document is an object")
        return document
    raise errors.error(
        415,
        "not-supported",
        f"PATCH needs application/json-patch+json or application/merge-patch+json (got '{content_type}')",
    )


def _apply_patch(current: StoredVersion, operations: list[Any] | dict[str, Any]) -> Any:
    if isinstance(operations, dict):
        return merge_patch(current.resource(), operations)
    try:
        return jsonpatch.JsonPatch(operations).apply(current.resource())
    except jsonpatch.JsonPatchTestFailed as exc:
        raise errors.error(422, "processing", f"JSON Patch test failed: {exc}") from exc
    except (
        jsonpatch.JsonPatchException,
        jsonpatch.JsonPointerException,
        TypeError,
        KeyError,
    ) as exc:
        raise errors.error(422, "processing", f"The JSON Patch cannot be applied: {exc}") from exc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
