"""Batch and transaction Bundles.

Spec: https://hl7.org/fhir/R4/http.html#transaction. A transaction validates every entry first,
assigns ids to `urn:uuid:` entries, resolves conditional references, rewrites references, then runs
DELETE, POST, PUT/PATCH and GET entries (in that order) in one database transaction: one failing
entry rolls everything back. A batch runs each entry on its own and reports each outcome.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.search import engine
from enlace.store import versions
from enlace.store.records import StoredVersion

from . import guard
from .context import Services
from .messages import FhirRequest, FhirResponse, outcome_response
from .references import conditional_references, rewrite_references

Dispatch = Callable[..., FhirResponse]
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}


@dataclass
class Entry:
    index: int
    method: str
    url: str
    full_url: str | None
    resource: dict[str, Any] | None
    request: dict[str, Any]
    target_id: str | None = None
    matched_existing: bool = False  # a POST whose ifNoneExist found its resource

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.strip("/")


def process_bundle(services: Services, request: FhirRequest, dispatch: Dispatch) -> FhirResponse:
    body = request.json()
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise errors.bad_request("POST to the base URL needs a Bundle of type batch or transaction")
    kind = body.get("type")
    if kind not in ("batch", "transaction"):
        raise errors.bad_request(
            f"Bundle.type must be 'batch' or 'transaction', got '{kind}'", "Bundle.type"
        )
    entries = _entries(body)
    if kind == "batch":
        return _batch(services, request, entries, dispatch)
    return _transaction(services, request, entries, dispatch)


def _entries(bundle: dict[str, Any]) -> list[Entry]:
    raw = bundle.get("entry", [])
    if not isinstance(raw, list):
        raise errors.bad_request("Bundle.entry must be an array", "Bundle.entry")
    entries = []
    problems = []
    for index, item in enumerate(raw):
        where = f"Bundle.entry[{index}]"
        request = item.get("request") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not request.get("method") or not request.get("url"):
            problems.append(
                Issue(
                    "required",
                    "Each entry needs request.method and request.url",
                    f"{where}.request",
                )
            )
            continue
        method = str(request["method"]).upper()
        if method not in _ORDER:
            problems.append(
                Issue("value", f"Unsupported method '{method}'", f"{where}.request.method")
            )
            continue
        resource = item.get("resource")
        if method in ("POST", "PUT") and not isinstance(resource, dict):
            problems.append(
                Issue("required", f"A {method} entry needs a resource", f"{where}.resource")
            )
            continue
        entries.append(
            Entry(index, method, str(request["url"]), item.get("fullUrl"), resource, request)
        )
    if problems:
        raise errors.FhirError(400, problems)
    return entries


def _batch(
    services: Services, request: FhirRequest, entries: list[Entry], dispatch: Dispatch
) -> FhirResponse:
    results = []
    for entry in entries:
        sub = _sub_request(request, entry)
        try:
            response = dispatch(services, sub)
        except errors.FhirError as exc:
            response = outcome_response(exc)
        results.append(_response_entry(response))
    return FhirResponse(200, {"resourceType": "Bundle", "type": "batch-response", "entry": results})


def _transaction(
    services: Services, request: FhirRequest, entries: list[Entry], dispatch: Dispatch
) -> FhirResponse:
    _check_resources(services, entries)
    with services.db.begin() as conn:
        mapping = _assign_identities(services, request, conn, entries)
        for reference in {r for e in entries for r in conditional_references(e.resource)}:
            mapping[reference] = _resolve_conditional(services, request, conn, reference)
        for entry in entries:
            if entry.resource is not None:
                rewrite_references(entry.resource, mapping)
        responses: dict[int, dict[str, Any]] = {}
        for entry in sorted(entries, key=lambda e: _ORDER[e.method]):
            try:
                responses[entry.index] = _run(services, conn, request, entry, dispatch)
            except errors.FhirError as exc:  # the whole transaction rolls back
                exc.issues = [_located(issue, entry.index) for issue in exc.issues]
                raise
    ordered = [responses[e.index] for e in entries]
    return FhirResponse(
        200, {"resourceType": "Bundle", "type": "transaction-response", "entry": ordered}
    )


def _located(issue: Issue, index: int) -> Issue:
    """The issue as seen from the Bundle: which entry failed."""
    where = f"Bundle.entry[{index}]"
    return Issue(
        issue.code, f"{where}: {issue.diagnostics}", issue.expression or where, issue.severity
    )


def _check_resources(services: Services, entries: list[Entry]) -> None:
    """Validate every resource before anything is written; report all entries' issues at once."""
    issues: list[Issue] = []
    for entry in entries:
        if entry.resource is None or entry.method == "PATCH":
            continue
        expected = entry.path.split("/")[0] or None
        for issue in services.validate(entry.resource, expected):
            where = f"Bundle.entry[{entry.index}].resource"
            path = issue.expression or ""
            expression = where + (path[path.find(".") :] if "." in path else "")
            issues.append(Issue(issue.code, issue.diagnostics, expression, issue.severity))
    if issues:
        raise errors.FhirError(400, issues)


def _assign_identities(
    services: Services, request: FhirRequest, conn: Connection, entries: list[Entry]
) -> dict[str, str]:
    """Decide which resource each POST/PUT entry writes; map fullUrls to `Type/id`."""
    mapping: dict[str, str] = {}
    targets: dict[str, int] = {}
    for entry in entries:
        if entry.resource is None or entry.method not in ("POST", "PUT"):
            continue
        resource_type = entry.resource["resourceType"]
        if entry.method == "POST":
            entry.target_id = _post_target(services, request, conn, entry, resource_type)
        else:
            entry.target_id = _put_target(services, request, conn, entry, resource_type)
        key = f"{resource_type}/{entry.target_id}"
        if key in targets:  # R4 3.1.0.11.2: two entries may not resolve to one resource
            raise errors.bad_request(
                f"Bundle.entry[{entry.index}] and Bundle.entry[{targets[key]}] both write {key}",
                f"Bundle.entry[{entry.index}]",
            )
        targets[key] = entry.index
        if entry.full_url:
            mapping[entry.full_url] = key
    return mapping


def _post_target(
    services: Services, request: FhirRequest, conn: Connection, entry: Entry, resource_type: str
) -> str:
    condition = entry.request.get("ifNoneExist")
    if not condition:
        return services.repo.new_id()
    versions.serialize_on(conn, f"{resource_type}?{condition}")
    existing = _conditional_ids(services, request, conn, resource_type, condition)
    if len(existing) > 1:
        raise errors.precondition_failed(
            f"Bundle.entry[{entry.index}]: ifNoneExist '{condition}' matches {len(existing)} resources"
        )
    entry.matched_existing = bool(existing)
    return existing[0] if existing else services.repo.new_id()


def _put_target(
    services: Services, request: FhirRequest, conn: Connection, entry: Entry, resource_type: str
) -> str:
    assert entry.resource is not None
    body_id = entry.resource.get("id")
    segments = entry.path.split("/")
    if len(segments) == 2:
        if body_id != segments[1]:
            raise errors.bad_request(
                f"The body id '{body_id}' does not match the URL id '{segments[1]}'",
                f"Bundle.entry[{entry.index}].resource.id",
            )
        return segments[1]
    query = urlsplit(entry.url).query
    versions.serialize_on(conn, f"{resource_type}?{query}")
    found = _conditional_ids(services, request, conn, segments[0], query)
    if len(found) > 1:
        raise errors.precondition_failed(
            f"Bundle.entry[{entry.index}]: '{entry.url}' matches {len(found)} resources"
        )
    if found and body_id and body_id != found[0]:
        raise errors.bad_request(
            f"The body id '{body_id}' differs from the matching resource '{found[0]}'",
            f"Bundle.entry[{entry.index}].resource.id",
        )
    if not found and body_id and services.repo.current(conn, resource_type, body_id):
        raise errors.conflict(
            f"Bundle.entry[{entry.index}]: no {resource_type} matches '{query}', but "
            f"{resource_type}/{body_id} exists and the criteria do not select it"
        )
    return found[0] if found else body_id or services.repo.new_id()


def _resolve_conditional(
    services: Services, request: FhirRequest, conn: Connection, reference: str
) -> str:
    resource_type, _, query = reference.partition("?")
    services.require_type(resource_type)
    found = _conditional_ids(services, request, conn, resource_type, query)
    if len(found) != 1:
        raise errors.precondition_failed(
            f"The conditional reference '{reference}' matches {len(found)} resources; it must match one"
        )
    return f"{resource_type}/{found[0]}"


def _conditional_ids(
    services: Services, request: FhirRequest, conn: Connection, resource_type: str, query: str
) -> list[str]:
    """Matches among what the submitter may read (see crud._matches)."""
    params = parse_qsl(query, keep_blank_values=True)
    config = services.search.current()
    visible = guard.visibility(services, request)
    return engine.find_ids(conn, config, resource_type, params, f"'{query}'", visible)


def _run(
    services: Services, conn: Connection, request: FhirRequest, entry: Entry, dispatch: Dispatch
) -> dict[str, Any]:
    repo = services.repo
    if entry.method == "POST" and entry.resource is not None and entry.target_id:
        resource_type = entry.resource["resourceType"]
        if entry.matched_existing:
            guard.check_existing(services, request, conn, resource_type, entry.target_id, "r")
            version = repo.read(conn, resource_type, entry.target_id)
            return _written_entry(version, 200, request)
        guard.require_type(services, request, resource_type, "c")
        version = repo.create(conn, entry.resource, entry.target_id)
        guard.check_written(services, request, conn, version, "c")
        return _written_entry(version, 201, request)
    if entry.method == "PUT" and entry.resource is not None and entry.target_id:
        resource_type = entry.resource["resourceType"]
        guard.check_target(services, request, conn, resource_type, entry.target_id, "u", "c")
        result = repo.update(conn, entry.resource, entry.target_id, _if_match(entry))
        guard.check_written(services, request, conn, result.version, "c" if result.created else "u")
        return _written_entry(result.version, 201 if result.created else 200, request)
    sub = _sub_request(request, entry)
    return _response_entry(dispatch(services, sub, conn))


def _if_match(entry: Entry) -> int | None:
    header = entry.request.get("ifMatch")
    if not header:
        return None
    from .crud import parse_if_match

    return parse_if_match(FhirRequest("PUT", entry.path, headers={"if-match": header}))


def _sub_request(request: FhirRequest, entry: Entry) -> FhirRequest:
    headers = {"prefer": request.headers.get("prefer", "")}
    for field_name, header in (
        ("ifMatch", "if-match"),
        ("ifNoneExist", "if-none-exist"),
        ("ifNoneMatch", "if-none-match"),
    ):
        if entry.request.get(field_name):
            headers[header] = str(entry.request[field_name])
    method = "GET" if entry.method == "HEAD" else entry.method
    sub = FhirRequest.from_url(method, entry.url, request.base_url, headers, request.access)
    sub.guard_cache = request.guard_cache
    if entry.method == "PATCH" and entry.resource is not None:
        sub.headers["content-type"] = "application/json-patch+json"
        sub.parsed_body = _patch_from_binary(entry)
    elif entry.resource is not None:
        sub.parsed_body = entry.resource
    return sub


def _patch_from_binary(entry: Entry) -> Any:
    resource = entry.resource or {}
    if resource.get("resourceType") != "Binary" or "data" not in resource:
        raise errors.bad_request(
            "A PATCH entry carries a Binary with a JSON Patch document",
            f"Bundle.entry[{entry.index}].resource",
        )
    try:
        return orjson.loads(base64.b64decode(resource["data"]))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise errors.bad_request(
            f"The Binary does not hold a JSON Patch: {exc}",
            f"Bundle.entry[{entry.index}].resource.data",
        ) from exc


def _written_entry(version: StoredVersion, status: int, request: FhirRequest) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "response": {
            "status": status_line(status),
            "location": f"{version.reference}/_history/{version.version_id}",
            "etag": version.etag,
            "lastModified": version.last_updated,
        },
    }
    if request.preference("return") != "minimal" and version.content is not None:
        entry["resource"] = orjson.Fragment(version.content)
    return entry


def _response_entry(response: FhirResponse) -> dict[str, Any]:
    """A Bundle entry's response part (and resource or outcome) from an interaction's answer."""
    answer: dict[str, Any] = {"status": status_line(response.status)}
    for header, element in (
        ("Location", "location"),
        ("ETag", "etag"),
        ("Last-Modified", "lastModified"),
    ):
        if header in response.headers:
            answer[element] = response.headers[header]
    entry: dict[str, Any] = {"response": answer}
    body = response.body
    if isinstance(body, bytes):
        entry["resource"] = orjson.Fragment(body)
    elif isinstance(body, dict) and response.status >= 400:
        answer["outcome"] = body
    elif isinstance(body, dict):
        entry["resource"] = body
    return entry


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"
