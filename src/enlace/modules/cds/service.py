"""The CDS Hooks use cases: discovery, a hook call, and feedback on the cards.

`call` checks the request (hooks.py), gathers the record from the prefetch or through `fetch`
(records.py: the client's token, this platform's store), runs the checks and writes down every
card issued (cds_cards) so feedback can name it. Coverage and care gaps are asked of their
modules on the platform's behalf: only their verdict is shown, never other records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import Issue

from . import hooks, records
from .cards import Card, finding_card
from .checks import check_orders
from .orders import Order, order_of
from .patient_view import view_cards
from .pricing import coverage_cards
from .tables import cds_cards


def discovery() -> dict[str, Any]:
    return hooks.discovery()


def call(
    services: Any,
    service_id: str,
    body: Any,
    fetch: records.Fetch | None,
    lang: str = "es",
) -> dict[str, Any]:
    request = hooks.parse_request(hooks.service(service_id), body)
    _valid_resources(services, request)
    data = records.gather(request, fetch)
    today = services.repo.clock().date()
    # Only a caller shown to see the patient (a token that read them, or the platform itself)
    # gets cards from this platform's own records: the coverage verdict and the care gaps.
    ours = fetch is not None
    with services.db.read() as conn:
        if request.service.hook == "patient-view":
            made = view_cards(conn, services.repo, request.patient_id, data, today, lang, ours)
        else:
            made = order_cards(services, conn, request, data, today, lang, ours)
    _record(services, request, made)
    return {"cards": [card for _, card in made]}


def _valid_resources(services: Any, request: hooks.HookRequest) -> None:
    """The drafts and the prefetch are FHIR R4 resources (structure, types, cardinality):
    each problem is a 400 at its place in the request, before anything is read from them."""
    issues: list[Issue] = []
    for n, draft in enumerate(request.drafts):
        where = f"context.draftOrders.entry[{n}].resource"
        issues += _placed(services.validate(draft, "MedicationRequest"), where)
    for key, value in request.prefetch.items():
        if value.get("resourceType") == "Bundle" and value.get("entry") == []:
            # Strictly FHIR forbids empty arrays, but an empty search result often arrives so.
            value = {k: v for k, v in value.items() if k != "entry"}
        issues += _placed(services.validate(value), f"prefetch.{key}")
    if issues:
        raise errors.FhirError(400, issues)


def _placed(found: list[Issue], where: str) -> list[Issue]:
    return [
        Issue(i.code, i.diagnostics, where + _tail(i.expression), i.severity)
        for i in found
        if i.severity in ("error", "fatal")
    ]


def _tail(expression: str | None) -> str:
    """`MedicationRequest.dosageInstruction` → `.dosageInstruction` (the type is the place)."""
    if not expression or "." not in expression:
        return ""
    return "." + expression.split(".", 1)[1]


def order_cards(
    services: Any,
    conn: Connection,
    request: hooks.HookRequest,
    data: dict[str, Any],
    today: date,
    lang: str,
    ours: bool = True,
) -> list[tuple[str, Card]]:
    drafts = tuple(order_of(r, draft=True, position=n) for n, r in enumerate(request.drafts))
    drafts = _selected(drafts, request.selections)
    facts = records.facts_of(request.patient_id, data)
    made = [(f.kind, finding_card(f, lang)) for f in check_orders(drafts, facts)]
    if ours:
        coverage_id = records.coverage_id(data)
        made += coverage_cards(services, conn, drafts, coverage_id, today, lang)
    return made


def _selected(drafts: tuple[Order, ...], selections: tuple[str, ...]) -> tuple[Order, ...]:
    """order-select: the checks are about the orders just chosen (all of them when the
    selections name none of the drafts, e.g. drafts sent without ids)."""
    if not selections:
        return drafts
    chosen = tuple(d for d in drafts if d.reference in selections)
    return chosen or drafts


def _record(services: Any, request: hooks.HookRequest, made: list[tuple[str, Card]]) -> None:
    if not made:
        return
    now = epoch_us(services.repo.clock())
    rows = [
        {
            "uuid": card["uuid"],
            "service": request.service.id,
            "patient": request.patient_id,
            "hook_instance": request.hook_instance,
            "kind": kind,
            "indicator": card["indicator"],
            "issued_us": now,
        }
        for kind, card in made
    ]
    with services.db.begin() as conn:
        conn.execute(insert(cds_cards), rows)
