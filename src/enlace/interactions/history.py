"""History at instance, type and system level, newest first, paged by a sequence cursor.

Spec: https://hl7.org/fhir/R4/http.html#history
"""

from __future__ import annotations

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.search.query import non_negative_int, parse_instant_us

from . import guard
from .bundles import history_entry, page_link
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import bundle

_KNOWN = {"_count", "_since", "_cursor", "_format", "_pretty"}


def history(
    services: Services,
    request: FhirRequest,
    resource_type: str | None = None,
    resource_id: str | None = None,
    conn: Connection | None = None,
) -> FhirResponse:
    unknown = [name for name, _ in request.params if name not in _KNOWN]
    if unknown:
        raise errors.bad_request(f"Unsupported history parameter '{unknown[0]}'", unknown[0])
    count = _int_param(request, "_count", services.settings.default_page_size)
    count = min(count, services.settings.max_page_size)
    cursor = request.param("_cursor")
    since = request.param("_since")
    since_us = parse_instant_us(since, "_since") if since else None
    before = non_negative_int("_cursor", cursor) if cursor else None
    if resource_type:
        guard.require_type(services, request, resource_type, "r")
    with services.reading(conn) as conn:
        if resource_type and resource_id:
            if not services.repo.current(conn, resource_type, resource_id):
                raise errors.not_found(f"{resource_type}/{resource_id} is not known")
            guard.check_existing(services, request, conn, resource_type, resource_id, "r")
        rows = services.repo.history(
            conn, resource_type, resource_id, since_us, before, limit=count + 1
        )
        page, more = rows[:count], len(rows) > count
        # A page keeps its cursor; versions the asker may not read are left out of it.
        keys = [(version.resource_type, version.id) for _, version in page]
        allowed = guard.visible_keys(services, request, conn, keys, "r")
    shown = [(seq, v) for seq, v in page if (v.resource_type, v.id) in allowed]
    links = [page_link(request, "self")]
    if more and page:
        links.append(page_link(request, "next", _cursor=str(page[-1][0])))
    entries = [history_entry(version, request.base_url) for _, version in shown]
    response = FhirResponse(200, bundle("history", entries, links))
    response.touched = [(v.resource_type, v.id, v.content or b"") for _, v in shown]
    return response


def _int_param(request: FhirRequest, name: str, default: int) -> int:
    value = request.param(name)
    if value is None:
        return default
    return non_negative_int(name, value)
