"""Observation search and read over the stored Observations and the registered observation
sources (device readings), under the same access rules.

When a source joins a search: the search is of Observation, names one patient (`patient=` or
`subject=`, a bare id or `Patient/id`, or the Patient compartment), and asks only for what the
merge can keep: `_count`, `_sort` of `date` or `-date` (default newest first), `_cursor` (the
merge's own, `mr.<stored offset>.<source offset>`) and `_total`. Then both sides are read sorted
by date and merged page by page; each page's cursor carries how far each side got. A search
without one patient is the stored Observations only (device readings are searched per patient),
and so is one of a patient who has no readings, or one the caller may see no readings of: those
answer exactly as before the sources existed (engine order and cursors, total). One with a
parameter a source does not support (or `_include`, `_summary`, `_elements`,
`_offset`) is the stored Observations with a warning entry saying why the readings are not in it.

Who sees readings (`readings_visible`): what a stored vital-signs Observation of the patient
would need, decided from the same Visibility the stored rows are filtered with — a scope
granting the permission on Observation (a scope with a query narrowing grants no readings: a
narrowing is a condition on stored rows), the patient in the token's compartments for
`patient/` scopes, the Patient itself visible (compartment, consent, blocking), and no Consent
denial of the patient's Observations that applies to this access.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.search import compartment, engine
from enlace.search.includes import Found
from enlace.search.query import SearchQuery, SortKey, non_negative_int
from enlace.search.runtime import refresh_if_stale
from enlace.search.values import date_range
from enlace.security.visibility import Visibility
from enlace.store.schema import resources

from . import guard
from .context import Services
from .messages import FhirRequest, FhirResponse
from .observation_source import Dated
from .responses import bundle
from .search_render import Renderer

PATIENT_PARAMS = ("patient", "subject")
CURSOR = "mr."
MAX_CURSOR_OFFSET = 2**40
KEPT_RESULT_PARAMS = frozenset(
    {"_count", "_sort", "_cursor", "_total", "_totalMethod", "_format", "_pretty"}
)


@dataclasses.dataclass
class Merged:
    response: FhirResponse | None = None
    warnings: list[errors.Issue] = dataclasses.field(default_factory=list)


def search(
    services: Services,
    request: FhirRequest,
    query: SearchQuery,
    visible: Visibility,
    conn: Connection,
    compartment_of: tuple[str, str] | None,
) -> Merged:
    """The merged searchset, or none (with warnings, maybe) when the sources do not join."""
    if query.resource_type != "Observation" or not services.observation_sources:
        return Merged()
    patient, filters = _patient_and_filters(query, compartment_of)
    ours = query.cursor is not None and query.cursor.startswith(CURSOR)
    if patient is None or (query.cursor is not None and not ours):
        return Merged()  # no one patient, or a page of a search the engine answered alone
    if not readings_visible(visible, conn, patient, "s"):
        return Merged()  # nothing to add for this caller: the stored search as it always was
    if not ours and not _has_readings(services, conn, patient, filters):
        return Merged()
    unsupported = _unsupported(request, query)
    if unsupported:
        return _declined(unsupported)
    descending = not query.sort or query.sort[0].descending
    stored_at, read_at = _cursor(query.cursor)
    limit = query.count
    dated: list[Dated] = []
    for source in services.observation_sources if limit else ():
        found = source.search(conn, patient, filters, descending, read_at, limit + 1)
        if isinstance(found, str):
            return _declined(found)
        dated += found
    dated.sort(key=lambda d: d[0], reverse=descending)
    stored_query = dataclasses.replace(
        query, sort=[SortKey("date", descending)], offset=stored_at, cursor=None, count=limit
    )
    scope = None
    if compartment_of is not None:
        scope = compartment.compartment_condition(resources, *compartment_of, "Observation")
    result = engine.run(conn, refresh_if_stale(services), stored_query, visible, scope)
    page, took_stored, took_read = _merge(result.matches, dated, limit, descending)
    more = limit > 0 and (  # _count=0 asks for the total only: no next page
        took_stored < len(result.matches)
        or result.next_offset is not None
        or took_read < len(dated)
    )
    total = None
    if result.total is not None:  # the engine counts on a first page or when asked
        total = result.total + sum(
            source.count(conn, patient, filters) for source in services.observation_sources
        )
    cursor = f"{CURSOR}{stored_at + took_stored}.{read_at + took_read}" if more else None
    return Merged(_searchset(services, request, page, cursor, total))


def _patient_and_filters(
    query: SearchQuery, compartment_of: tuple[str, str] | None
) -> tuple[str | None, list[tuple[str, str]]]:
    patients = [value for name, value in query.filters if name in PATIENT_PARAMS]
    filters = [(name, value) for name, value in query.filters if name not in PATIENT_PARAMS]
    if compartment_of is not None and compartment_of[0] == "Patient":
        patients.append(compartment_of[1])
    ids = {value.removeprefix("Patient/") for value in patients}
    if len(ids) != 1:
        return None, filters
    (patient,) = ids
    if "," in patient or "/" in patient or not patient:
        return None, filters
    return patient, filters


def _unsupported(request: FhirRequest, query: SearchQuery) -> str | None:
    for name, _ in request.params:
        if name.startswith("_") and name.split(":")[0] not in KEPT_RESULT_PARAMS:
            return f"the result parameter {name}"
    if query.sort and (len(query.sort) > 1 or query.sort[0].code != "date"):
        return "_sort other than date or -date"
    return None


def _has_readings(
    services: Services, conn: Connection, patient: str, filters: list[tuple[str, str]]
) -> bool:
    """Whether any source holds an Observation of the patient that the search could select (one
    probe each): a patient without such readings keeps the stored search exactly as it was
    (order, total). Probing with the filters first lets a source answer a search for codes it
    never holds (a lab result, an eGFR) without touching its tables."""
    for source in services.observation_sources:
        found = source.search(conn, patient, filters, True, 0, 1)
        if isinstance(found, str):  # unsupported here: any reading of the patient decides
            found = source.search(conn, patient, [], True, 0, 1)
        if found:
            return True
    return False


def _declined(reason: str) -> Merged:
    text = f"Device readings are not included: this search uses {reason}, which they do not support"
    return Merged(warnings=[errors.Issue("not-supported", text, severity="warning")])


def _cursor(text: str | None) -> tuple[int, int]:
    if text is None:
        return 0, 0
    parts = text.removeprefix(CURSOR).split(".")
    if len(parts) != 2:
        raise errors.bad_request(f"_cursor '{text[:40]}' is not one of this search", "_cursor")
    stored_at, read_at = (non_negative_int("_cursor", part) for part in parts)
    if max(stored_at, read_at) > MAX_CURSOR_OFFSET:  # never issued; would overflow SQL LIMIT
        raise errors.bad_request(f"_cursor '{text[:40]}' is not one of this search", "_cursor")
    return stored_at, read_at


def _merge(
    stored: list[Found], dated: list[Dated], limit: int, descending: bool
) -> tuple[list[Found | Dated], int, int]:
    """The first `limit` of both date-sorted lists, and how many each gave."""
    keyed = [(_effective_us(found), found) for found in stored]
    page: list[Found | Dated] = []
    i = j = 0
    while len(page) < limit and (i < len(keyed) or j < len(dated)):
        take_stored = j >= len(dated) or (
            i < len(keyed)
            and (keyed[i][0] >= dated[j][0] if descending else keyed[i][0] <= dated[j][0])
        )
        if take_stored:
            page.append(keyed[i][1])
            i += 1
        else:
            page.append(dated[j])
            j += 1
    return page, i, j


def _effective_us(found: Found) -> int:
    """Where a stored Observation sorts by date: the start of its effective[x], else issued."""
    resource = orjson.loads(found.content)
    period = resource.get("effectivePeriod") or {}
    for text in (
        resource.get("effectiveDateTime"),
        resource.get("effectiveInstant"),
        period.get("start"),
        resource.get("issued"),
    ):
        entry = date_range(text) if isinstance(text, str) else None
        if entry is not None:
            return entry.low_us
    return 0


def _searchset(
    services: Services,
    request: FhirRequest,
    page: list[Found | Dated],
    cursor: str | None,
    total: int | None,
) -> FhirResponse:
    render = Renderer(services, None, None, ["Observation"])
    entries: list[dict[str, Any]] = []
    touched = []
    for item in page:
        if isinstance(item, Found):
            entries.append(render.entry(item, request.base_url, "match"))
            touched.append((item.resource_type, item.id, item.content))
        else:
            resource = item[1]
            url = f"{request.base_url}/Observation/{resource['id']}"
            entries.append({"fullUrl": url, "resource": resource, "search": {"mode": "match"}})
            touched.append(("Observation", resource["id"], orjson.dumps(resource)))
    links = [_link(request, "self")]
    if cursor is not None:
        links.append(_link(request, "next", _cursor=cursor))
    response = FhirResponse(200, bundle("searchset", entries, links, total=total))
    response.touched = touched
    return response


def _link(request: FhirRequest, relation: str, **paging: str) -> dict[str, str]:
    """As search_type's links: the request's parameters, its paging replaced."""
    params = [(k, v) for k, v in request.params if k not in ("_cursor", "_offset")]
    params.extend(paging.items())
    encoded = urlencode(params)
    url = f"{request.base_url}/{request.path.removesuffix('/_search')}"
    return {"relation": relation, "url": url + (f"?{encoded}" if encoded else "")}


def read(
    services: Services, request: FhirRequest, observation_id: str, conn: Connection
) -> FhirResponse | None:
    """Observation/{id} of a source, or None when no source knows the id (a stored one, then).
    A reading the asker may not see is a 404, like a stored one."""
    for source in services.observation_sources:
        found = source.read(conn, observation_id)
        if found is None:
            continue
        patient, resource = found
        visible = guard.visibility(services, request)
        visible.require_type("Observation", "r")
        if not readings_visible(visible, conn, patient, "r"):
            raise errors.not_found(f"Observation/{observation_id} is not known")
        response = FhirResponse(200, resource)
        response.touched = [("Observation", observation_id, orjson.dumps(resource))]
        return response
    return None


def readings_visible(visible: Visibility, conn: Connection, patient: str, permission: str) -> bool:
    """Whether this access may see the patient's readings with `permission` (module docstring)."""
    if visible.unrestricted:
        return True
    access = visible.access
    granted = any(
        scope.covers_type("Observation")
        and permission in scope.permissions
        and not scope.narrowing
        and (scope.context != "patient" or patient in access.patients)
        for scope in access.scopes.resource_scopes
    )
    if not granted or not visible.can_see(conn, "Patient", patient, "r"):
        return False
    return not any(
        rule.patient == patient
        and not rule.labels  # readings carry no security label a labelled denial could match
        and (not rule.classes or "Observation" in rule.classes)
        for rule in visible.consent.rules
    )
