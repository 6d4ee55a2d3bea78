"""The prescription form asks the same CDS Hooks `order-sign` service as external EHRs, in
process (enlace.modules.cds.call, not over HTTP), reading the record as the signed-in physician
(the same interactions and grants as the API). A card of warning or critical stops the form for
review: its suggestions that replace the medicine become buttons that put the alternative in the
form and check again; "sign anyway" confirms. Decision support that cannot run is said on the
form, and the physician may still sign (a missing check never blocks care silently)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from enlace.entrypoints.http.cds_routes import store_fetch
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import cds
from enlace.security.access import Access

SIGN_SERVICE = "enlace-order-sign"
log = logging.getLogger("enlace.web.prescribe")
STOPPING = ("warning", "critical")


@dataclass
class Review:
    cards: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None  # why decision support could not run

    @property
    def stops(self) -> bool:
        return self.failure is not None or any(c["indicator"] in STOPPING for c in self.cards)


def review(
    services: Services,
    access: Access,
    base_url: str,
    source_ip: str | None,
    order: dict[str, Any],
    user_ref: str,
    lang: str,
) -> Review:
    patient = str(order["subject"]["reference"]).removeprefix("Patient/")
    body = {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": user_ref,
            "patientId": patient,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {**order, "status": "draft"}}],
            },
        },
    }
    fetch = store_fetch(services, access, base_url, source_ip)
    try:
        answer = cds.call(services, SIGN_SERVICE, body, fetch, lang)
    except errors.FhirError as exc:
        return Review(failure="; ".join(i.diagnostics for i in exc.issues) or str(exc.status))
    return Review([_shown(card) for card in answer["cards"]])


def _shown(card: dict[str, Any]) -> dict[str, Any]:
    """The card with each suggestion's replacement medicine (catalog slug), if it has one."""
    suggestions = []
    for suggestion in card.get("suggestions") or []:
        slug = None
        for action in suggestion.get("actions") or []:
            reference = str(
                ((action.get("resource") or {}).get("medicationReference") or {}).get(
                    "reference", ""
                )
            )
            if action.get("type") == "create" and reference.startswith("Medication/med-"):
                slug = reference.removeprefix("Medication/med-")
        suggestions.append(
            {"label": suggestion["label"], "slug": slug, "uuid": suggestion.get("uuid", "")}
        )
    return {**card, "shown_suggestions": suggestions}


def record_outcome(
    services: Services, form: dict[str, str], applied: tuple[str, str] | None
) -> None:
    """The physician's answer to the cards, as CDS Hooks feedback: the suggestion applied is
    `accepted`; signing anyway `overrides` the cards that stopped the form (their uuids ride in
    the form). A uuid the service did not issue (a tampered form) records nothing."""
    now = datetime.now(UTC).isoformat()
    items: list[dict[str, Any]] = []
    if applied is not None:
        card, suggestion = applied
        items.append(
            {
                "card": card,
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": suggestion}],
                "outcomeTimestamp": now,
            }
        )
    elif form.get("reviewed") == "1":
        for card in filter(None, form.get("cds_cards", "").split(",")):
            items.append({"card": card, "outcome": "overridden", "outcomeTimestamp": now})
    if not items:
        return
    try:
        cds.record_feedback(services, SIGN_SERVICE, {"feedback": items})
    except errors.FhirError as exc:
        log.warning("prescription form feedback not recorded: %s", exc.outcome())
