"""Type-level search with the parameters the search layer supports, paged by offset.

Spec: https://hl7.org/fhir/R4/search.html
"""

from __future__ import annotations

from sqlalchemy import Connection

from enlace.search import basic as search

from .bundles import page_link, search_entry
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import bundle


def search_type(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None = None
) -> FhirResponse:
    lenient = request.preference("handling") == "lenient"
    criteria = search.parse(
        resource_type,
        request.params,
        services.settings.default_page_size,
        services.settings.max_page_size,
        lenient=lenient,
    )
    with services.reading(conn) as reader:
        contents, total = search.find_page(reader, criteria)
    count = str(criteria.count)
    links = [page_link(request, "self")]
    if criteria.offset + len(contents) < total and criteria.count:
        links.append(
            page_link(request, "next", _count=count, _offset=str(criteria.offset + criteria.count))
        )
    if criteria.offset > 0:
        previous = max(criteria.offset - criteria.count, 0)
        links.append(page_link(request, "previous", _count=count, _offset=str(previous)))
    entries = [
        search_entry(resource_id, content, request.base_url, resource_type)
        for resource_id, content in contents
    ]
    return FhirResponse(200, bundle("searchset", entries, links, total=total))
