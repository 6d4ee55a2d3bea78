"""E-prescription intake (`POST [base]/MedicationRequest/$prescribe`).

A physician's MedicationRequest is checked before it is stored (prescription.py for its own
content; here what needs the record): the patient exists and the asker may see them; the
prescriber is an active Practitioner with a professional licence (cédula profesional) and,
for a physician signed in, is that physician; the medicine is in the catalog formulary; the
pharmacy it is routed to is a catalog pharmacy. Coverage is checked at order (the cited
Coverage, else the patient's coverage in force) for one fill: covered or not, tier, the
patient's cost, prior authorization, a formulary alternative. The stored prescription and the
coverage answer come back together as Parameters (`prescription`, `coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant
from enlace.kernel.errors import Issue
from enlace.modules import coverage
from enlace.store.bulk import PutItem

from . import prescription as rx_parse
from .lookups import known_pharmacy, platform_ids
from .prescription import Prescription

# A licence is an identifier of one of these systems (SEP's register; the simulation's own).
LICENCE_SUFFIXES = ("/cedula-profesional", "/cedula-profesional-synthetic")
PRESCRIBE_ROLES = ("physician", "administrator")


class Asker(Protocol):
    """Who asks (interactions.module_operations.Asker): call it to apply their grants."""

    @property
    def kind(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def organization(self) -> str | None: ...
    @property
    def fhir_user(self) -> str | None: ...

    def __call__(self, resource_type: str, resource_id: str) -> None: ...


@dataclass(frozen=True)
class CoverageAtOrder:
    coverage_id: str | None
    covered: bool
    reason: str | None
    tier: str | None
    patient_centavos: int
    payer_centavos: int
    prior_authorization: bool
    alternative: str | None  # Medication/med-<slug> the plan covers instead


def prescribe(
    services: Any, conn: Connection, body: dict[str, Any], asker: Asker
) -> dict[str, Any]:
    today = services.repo.clock().date()
    rx = rx_parse.parse(body, today)
    _known(services, conn, asker, "Patient", rx.patient_id, "subject")
    _prescriber(services, conn, asker, rx.requester_id)
    if rx.medicine is None:
        raise _unprocessable(
            f"{rx.medication_reference} is not in the formulary", "medicationReference"
        )
    if rx.performer_slug is not None and known_pharmacy(rx.performer_slug) is None:
        raise _unprocessable(
            f"Organization/org-{rx.performer_slug} is not a pharmacy", "dispenseRequest.performer"
        )
    checked = coverage_at_order(services, conn, rx, today)
    stored = _stored(services, body, rx, checked)
    services.repo.put_many(conn, [PutItem(stored)])
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "prescription", "resource": stored},
            {"name": "coverage", "part": _coverage_parts(checked)},
        ],
    }


def coverage_at_order(
    services: Any, conn: Connection, rx: Prescription, today: date
) -> CoverageAtOrder:
    """One fill of the prescription under the cited coverage, else the patient's own."""
    assert rx.medicine is not None
    coverage_id = rx.coverage_id or _patient_coverage(services, conn, rx.patient_id)
    cash = rx.packs * rx.medicine.price_centavos  # what the patient pays when not covered
    if coverage_id is None:
        return CoverageAtOrder(None, False, "no-policy", None, cash, 0, False, None)
    routed = known_pharmacy(rx.performer_slug)
    network = routed.institution if routed else None  # the plan's network is by institution
    item = coverage.item(rx.medicine.slug, rx.packs, network)
    result = coverage.check(services, conn, coverage_id, [item], today)
    found = result.items[0]
    alternative = f"Medication/med-{found.alternative.slug}" if found.alternative else None
    reason = result.reason or found.reason
    return CoverageAtOrder(
        coverage_id,
        found.covered,
        str(reason) if reason else None,
        found.tier,
        found.patient_centavos if found.covered else cash,
        found.payer_centavos if found.covered else 0,
        found.prior_authorization,
        alternative,
    )


def _patient_coverage(services: Any, conn: Connection, patient_id: str) -> str | None:
    ids = platform_ids(
        services,
        conn,
        "Coverage",
        [("beneficiary", f"Patient/{patient_id}"), ("status", "active")],
        limit=5,
    )
    return ids[0] if ids else None


def _known(
    services: Any, conn: Connection, asker: Asker, kind: str, rid: str, where: str
) -> dict[str, Any]:
    try:
        asker(kind, rid)
        found = services.repo.current(conn, kind, rid)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        found = None
    if found is None or found.deleted:
        raise _unprocessable(f"{kind}/{rid} is not known", where)
    resource: dict[str, Any] = found.resource()
    return resource


def _prescriber(services: Any, conn: Connection, asker: Asker, practitioner_id: str) -> None:
    own = f"Practitioner/{practitioner_id}"
    if asker.kind == "user" and asker.role == "physician" and asker.fhir_user != own:
        raise errors.FhirError(
            403,
            [
                Issue(
                    "forbidden",
                    "a physician prescribes in their own name",
                    f"{rx_parse.WHERE}.requester",
                )
            ],
        )
    practitioner = _known(services, conn, asker, "Practitioner", practitioner_id, "requester")
    if practitioner.get("active") is False:
        raise _unprocessable(f"{own} is not active", "requester")
    licensed = any(
        str(i.get("system", "")).endswith(LICENCE_SUFFIXES) and i.get("value")
        for i in practitioner.get("identifier", [])
    )
    if not licensed:
        raise _unprocessable(f"{own} has no professional licence (cédula profesional)", "requester")


def _stored(
    services: Any, body: dict[str, Any], rx: Prescription, checked: CoverageAtOrder
) -> dict[str, Any]:
    request = dict(body.get("dispenseRequest") or {})
    request["validityPeriod"] = {
        "start": rx.valid_from.isoformat(),
        "end": rx.valid_until.isoformat(),
    }
    stored = {
        **body,
        "id": services.repo.new_id(),
        "authoredOn": body.get("authoredOn") or fhir_instant(services.repo.clock()),
        "dispenseRequest": request,
    }
    if checked.coverage_id and not body.get("insurance"):
        stored["insurance"] = [{"reference": f"Coverage/{checked.coverage_id}"}]
    return stored


def _coverage_parts(checked: CoverageAtOrder) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {"name": "covered", "valueBoolean": checked.covered},
        {"name": "patientCostCentavos", "valueInteger": checked.patient_centavos},
        {"name": "payerCostCentavos", "valueInteger": checked.payer_centavos},
        {"name": "priorAuthorization", "valueBoolean": checked.prior_authorization},
    ]
    if checked.coverage_id:
        parts.append(
            {"name": "coverage", "valueReference": {"reference": f"Coverage/{checked.coverage_id}"}}
        )
    if checked.reason:
        parts.append({"name": "reason", "valueCode": checked.reason})
    if checked.tier:
        parts.append({"name": "tier", "valueCode": checked.tier})
    if checked.alternative:
        parts.append({"name": "alternative", "valueReference": {"reference": checked.alternative}})
    return parts


def _unprocessable(diagnostics: str, path: str) -> errors.FhirError:
    return errors.FhirError(422, [Issue("business-rule", diagnostics, f"{rx_parse.WHERE}.{path}")])
