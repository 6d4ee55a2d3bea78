"""Type-level and compartment search, and Patient/[id]/$everything, as searchset Bundles.

Spec: https://hl7.org/fhir/R4/search.html, https://hl7.org/fhir/R4/patient-operation-everything.html.
Unknown parameters are ignored with a warning in an OperationOutcome entry (search.mode
`outcome`), or refused with a 400 under `Prefer: handling=strict`. Pages are linked by keyset
cursors (`_cursor`), or by `_offset` when the client paged by offset.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.search import compartment, engine
from enlace.search.includes import Found, Readable, fetch
from enlace.search.query import non_negative_int, parse_instant_us, parse_query
from enlace.search.runtime import refresh_if_stale
from enlace.store.schema import resources

from . import guard, observation_merge
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import bundle
from .search_render import Renderer

_PAGING = ("_cursor", "_offset")


def search_type(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    conn: Connection | None = None,
    compartment_of: tuple[str, str] | None = None,
) -> FhirResponse:
    query = parse_query(
        resource_type,
        request.params,
        services.settings.default_page_size,
        services.settings.max_page_size,
        strict=request.preference("handling") == "strict",
    )
    visible = guard.visibility(services, request)
    visible.require_type(resource_type, "s")
    scope = None
    if compartment_of is not None:
        scope = compartment.compartment_condition(resources, *compartment_of, resource_type)
    config = refresh_if_stale(services)
    render = Renderer(services, query.summary, query.elements, [resource_type])
    with services.reading(conn) as reader:
        if compartment_of is not None:  # the compartment's owner must be visible to look in it
            guard.check_existing(services, request, reader, *compartment_of, "r")
        # Device readings join an Observation search of one patient (observation_merge).
        merged = observation_merge.search(services, request, query, visible, reader, compartment_of)
        if merged.response is not None:
            return merged.response
        result = engine.run(reader, config, query, visible, scope)
    entries = [render.entry(found, request.base_url, "match") for found in result.matches]
    entries += [render.entry(found, request.base_url, "include") for found in result.included]
    if result.warnings or merged.warnings:
        entries.append(_outcome_entry(result.warnings + merged.warnings))
    links = [_link(request, "self")]
    if result.next_cursor:
        links.append(_link(request, "next", _cursor=result.next_cursor))
    if result.previous_cursor:
        links.append(_link(request, "previous", _cursor=result.previous_cursor))
    if result.next_offset is not None:
        links.append(_link(request, "next", _offset=str(result.next_offset)))
    if result.previous_offset is not None:
        links.append(_link(request, "previous", _offset=str(result.previous_offset)))
    response = FhirResponse(200, bundle("searchset", entries, links, total=result.total))
    response.touched = [
        (f.resource_type, f.id, f.content) for f in result.matches + result.included
    ]
    return response


def everything(
    services: Services, request: FhirRequest, patient_id: str, conn: Connection | None = None
) -> FhirResponse:
    """Patient/[id]/$everything: the patient, its compartment, and the resources they reference
    outside it (medications, practitioners, organizations...), paged by (type, id)."""
    params = dict(request.params)
    count = (
        min(
            non_negative_int(
                "_count", params.get("_count", str(services.settings.default_page_size))
            ),
            services.settings.max_page_size,
        )
        or 1
    )
    types = _types(services, params.get("_type"))
    since = _since(params.get("_since"))
    render = Renderer(services, None, None, [])
    readable = guard.readable(services, request)
    with services.reading(conn) as reader:
        if not _exists(reader, patient_id, readable):
            raise errors.not_found(f"Patient/{patient_id} is not known")
        page = compartment.everything(
            reader, patient_id, types, since, count, params.get("_cursor")
        )
        members = fetch(reader, [(m.resource_type, m.id) for m in page.members], readable)
        referenced = _referenced(reader, members, types, readable)
    entries = [render.entry(found, request.base_url, "match") for found in members]
    entries += [render.entry(found, request.base_url, "include") for found in referenced]
    links = [_link(request, "self")]
    if page.next_cursor:
        links.append(_link(request, "next", _cursor=page.next_cursor))
    response = FhirResponse(200, bundle("searchset", entries, links))
    response.touched = [(f.resource_type, f.id, f.content) for f in members + referenced]
    return response


def _since(value: str | None) -> int | None:
    return parse_instant_us(value, "_since") if value else None


def _types(services: Services, value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(names - services.definitions.resource_types)
    if unknown:
        raise errors.bad_request(f"_type: unknown resource type {', '.join(unknown)}", "_type")
    return names


def _exists(conn: Connection, patient_id: str, readable: Readable) -> bool:
    return bool(fetch(conn, [("Patient", patient_id)], readable))


def _referenced(
    conn: Connection, members: list[Found], types: frozenset[str] | None, readable: Readable
) -> list[Found]:
    """Resources outside the compartment that the page's members point at, one batch."""
    wanted = compartment.references_outside(conn, members)
    if types is not None:
        wanted = {key for key in wanted if key[0] in types}
    return fetch(conn, wanted, readable)


def _outcome_entry(issues: list[errors.Issue]) -> dict[str, Any]:
    outcome = errors.FhirError(200, issues).outcome()
    return {"resource": outcome, "search": {"mode": "outcome"}}


def _link(request: FhirRequest, relation: str, **paging: str) -> dict[str, str]:
    params = [(k, v) for k, v in request.params if k not in _PAGING]
    params.extend(paging.items())
    encoded = urlencode(params)
    path = request.path.removesuffix("/_search")
    url = f"{request.base_url}/{path}" + (f"?{encoded}" if encoded else "")
    return {"relation": relation, "url": url}
