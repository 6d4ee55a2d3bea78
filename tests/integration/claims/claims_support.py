"""An insured world with a supply chain for the claims tests: the coverage tests' world, a
pack commissioned, shipped, received and dispensed (EPCIS through trace) at an IMSS pharmacy
against a prescription, and Claims to send."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from enlace.interactions.context import Services
from enlace.modules import claims, trace
from enlace.sim import supply_epcis as ev
from enlace.store.bulk import PutItem
from tests.integration.coverage_support import insured_world

PHARMACY = "pharmacy-imss-09015"
OTHER_PHARMACY = "pharmacy-imss-09003"
METFORMIN_GTIN = "02990001000018"  # metformin-850-tab, 45.00 MXN a pack
DAY = datetime(2026, 2, 1).date()


def claims_world(services: Services) -> Services:
    insured_world(services)
    with services.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM claims_packs")
        conn.exec_driver_sql("DELETE FROM claims_submissions")
        conn.exec_driver_sql("DELETE FROM claims_lines")
        rx = {
            "resourceType": "MedicationRequest",
            "id": "rx-imss",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/p-imss"},
            "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
        }
        services.repo.put_many(conn, [PutItem(rx)])
    return services


def new_serial() -> str:
    return uuid.uuid4().hex[:12].upper()


def pack_link(serial: str, gtin: str = METFORMIN_GTIN) -> str:
    return ev.pack_scan(gtin, serial, "L1", "2027-12-31")


def supply(
    services: Services,
    serial: str,
    dispense_at: str | None = PHARMACY,
    rx: str | None = "rx-imss",
    gtin: str = METFORMIN_GTIN,
) -> None:
    """Commission, ship, receive and (unless `dispense_at` is None) dispense one pack."""
    place = trace.facility_location_id(PHARMACY)
    scan = pack_link(serial, gtin)
    events = [
        ev.commissioning(_eid(), ev.event_time(DAY, 60), [scan], "L1", "2027-12-31"),
        ev.shipping(_eid(), ev.event_time(DAY, 120), ev.PLANT, place, [scan]),
        ev.receiving(_eid(), ev.event_time(DAY, 300), place, [scan]),
    ]
    if dispense_at is not None:
        where = trace.facility_location_id(dispense_at)
        events.append(ev.dispensing(_eid(), ev.event_time(DAY, 600), where, [scan], rx))
    with services.db.begin() as conn:
        trace.capture(conn, ev.document(DAY, events), datetime(2026, 2, 1, 23, tzinfo=UTC))


def _eid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def claim(
    serials: list[str],
    *,
    patient: str = "p-imss",
    coverage: str = "p-imss-cov",
    identifier: str | None = None,
    price: Any = 45.0,
    currency: str = "MXN",
    on: str = "2026-02-01",
    gtin: str = METFORMIN_GTIN,
) -> dict[str, Any]:
    item = {
        "sequence": 1,
        "productOrService": {"coding": [{"system": "https://www.gs1.org/gtin", "code": gtin}]},
        "servicedDate": on,
        "quantity": {"value": len(serials)},
        "unitPrice": {"value": price, "currency": currency},
        "extension": [
            {"url": claims.PACK_EXTENSION, "valueString": pack_link(s, gtin)} for s in serials
        ],
    }
    return {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:test:claims", "value": identifier or str(uuid.uuid4())}],
        "status": "active",
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}
            ]
        },
        "use": "claim",
        "patient": {"reference": f"Patient/{patient}"},
        "created": f"{on}T18:00:00Z",
        "provider": {"reference": f"Organization/org-{PHARMACY}"},
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "normal",
                }
            ]
        },
        "prescription": {"reference": "MedicationRequest/rx-imss"},
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/{coverage}"}}
        ],
        "item": [item],
    }
