"""Every interaction leaves its audit entries: the dispatcher runs it inside the request's audit
context (so writes are recorded in their transaction by the repository's observer), then records
what the response showed, or why it was refused."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.logging import request_id_var
from enlace.security.audit_trail import RequestContext, request_context

from .context import Services
from .guard import NOBODY
from .messages import FhirRequest, FhirResponse

_WRITES = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
_UNAUDITED = frozenset({"metadata"})


def audited(
    services: Services,
    request: FhirRequest,
    run: Callable[[], FhirResponse],
    conn: Connection | None = None,
) -> FhirResponse:
    """`conn`: the transaction of the Bundle this request is an entry of; its entries are
    recorded there, and a failing entry is left to the Bundle's own record (it rolls back)."""
    trail = services.audit
    interaction = interaction_of(request)
    if trail is None or interaction in _UNAUDITED:
        return run()
    context = RequestContext(request.access or NOBODY, request_id_var.get(), request.source_ip)
    query = urlencode(request.params) or None
    with request_context(context):
        try:
            response = run()
        except errors.FhirError as exc:
            if conn is None:
                trail.attempted(context, interaction, exc.status, _target(request), query)
            raise
    if request.method == "GET" and _shows_resources(interaction):
        trail.read(context, interaction, response.touched, query, conn)
    elif interaction not in _WRITES.values():  # writes were recorded in their transaction
        trail.attempted(context, interaction, response.status, _target(request), query, conn)
    return response


def interaction_of(request: FhirRequest) -> str:
    """The FHIR restful-interaction code (or operation name) a request is."""
    segments, method = request.segments, request.method
    if not segments:
        return "transaction" if method == "POST" else "capabilities"
    head = segments[0]
    if head.startswith("$") or head in ("metadata", "_history"):
        return {"_history": "history-system"}.get(head, head)
    if len(segments) == 1:
        return "search-type" if method == "GET" else _WRITES.get(method, method.lower())
    rest = segments[1:]
    if rest == ["_search"]:
        return "search-type"
    if rest == ["_history"]:
        return "history-type"
    if rest[0].startswith("$"):
        return rest[0]
    if len(rest) == 1:
        return "read" if method == "GET" else _WRITES.get(method, method.lower())
    if rest[1] == "_history":
        return "vread" if len(rest) == 3 else "history-instance"
    return rest[1] if rest[1].startswith("$") else "search-compartment"


def _shows_resources(interaction: str) -> bool:
    return interaction in ("read", "vread", "search-type", "search-compartment") or (
        interaction.startswith("history") or interaction == "$everything"
    )


def _target(request: FhirRequest) -> tuple[str, str | None] | None:
    segments = request.segments
    if not segments or segments[0].startswith(("$", "_")) or segments[0] == "metadata":
        return None
    return segments[0], segments[1] if len(segments) > 1 and not segments[1].startswith(
        ("$", "_")
    ) else None
