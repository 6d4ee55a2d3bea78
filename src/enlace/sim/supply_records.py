"""What the simulated pharmacies' day leaves in the record besides the trace events: the stock
ledger (a receipt of the morning's cases, an issue of the day's fills, per pharmacy) and a
MedicationDispense per fill collected (issue 8 part 7).

The day's fills and cases come from the shared supply plan (supply_chain.py), the same the EPCIS
events are built from, so the ledger, the dispenses and the transparency log tell one story: a
fill that found no pack on the shelf is a stock-out — no dispense, no issue, an unfilled
prescription the KPIs count. Everything is written in the day's transaction; the stock events
carry idempotency keys of the scenario, pharmacy, day and kind.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from enlace.modules import inventory
from enlace.modules.trace import StockedPack
from enlace.sim.care_fhir import CENTRAL
from enlace.sim.fhir_map import SYNTHETIC_TAG
from enlace.sim.supply_chain import Case, distribution_center
from enlace.sim.supply_epcis import pack_scan
from enlace.sim.supply_fills import MEDICINES, Fill

RECEIVE_AT = time(7, 0)
CLOSE_AT = time(21, 0)  # the day's issues are booked at closing
SD = "https://enlace.health/fhir/StructureDefinition/"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_BY_GTIN = {m.gtin: m.slug for m in MEDICINES.values()}


def stock_events(
    seed: int,
    day: int,
    on: date,
    shipments: dict[str, list[Case]],
    fills: list[tuple[Fill, list[StockedPack]]],
) -> list[inventory.StockEvent]:
    """Per pharmacy: one receipt of the cases that arrived, one issue of the packs dispensed."""
    events: list[inventory.StockEvent] = []
    source = distribution_center().slug
    for slug, cases in sorted(shipments.items()):
        received = Counter(_lot_key(p) for case in cases for p in case.packs)
        items = tuple(
            inventory.Item(product, lot, count, date.fromisoformat(expiry))
            for (product, lot, expiry), count in sorted(received.items())
        )
        if items:
            events.append(_event(inventory.RECEIPT, slug, items, on, RECEIVE_AT, seed, day, source))
    issued: dict[str, Counter[tuple[str, str, str]]] = {}
    for fill, packs in fills:
        for pack in packs:
            issued.setdefault(fill.pharmacy, Counter())[_lot_key(pack)] += 1
    for slug, counted in sorted(issued.items()):
        items = tuple(
            inventory.Item(product, lot, count)
            for (product, lot, _), count in sorted(counted.items())
        )
        events.append(_event(inventory.ISSUE, slug, items, on, CLOSE_AT, seed, day, None))
    return events


def _lot_key(pack: StockedPack) -> tuple[str, str, str]:
    return (_BY_GTIN[pack.gtin], pack.lot or "", pack.expiry or "9999-12-31")


def _event(
    kind: str,
    slug: str,
    items: tuple[inventory.Item, ...],
    on: date,
    at: time,
    seed: int,
    day: int,
    counterpart: str | None,
) -> inventory.StockEvent:
    return inventory.StockEvent(
        kind=kind,
        facility=slug,
        items=items,
        occurred_at=datetime.combine(on, at, CENTRAL),
        counterpart=counterpart,
        reference=f"sim:{seed}:day-{day}",
        idempotency_key=f"sim:{seed}:{day}:{slug}:{kind}",
    )


def dispenses(
    world_seed: int, patient_of: Any, on: date, fills: list[tuple[Fill, list[StockedPack]]]
) -> list[dict[str, Any]]:
    """A MedicationDispense per fill that found packs (a partial fill when fewer than asked)."""
    return [
        _dispense(world_seed, patient_of(fill.person), on, fill, packs)
        for fill, packs in fills
        if packs
    ]


def _dispense(
    seed: int, patient: str, on: date, fill: Fill, packs: list[StockedPack]
) -> dict[str, Any]:
    medicine = fill.medicine
    kind = ("RF" if fill.number else "FF") + ("P" if len(packs) < fill.packs else "")
    days = max(1, 30 * len(packs) // fill.packs)
    handed = datetime.combine(on, time(), CENTRAL) + timedelta(minutes=fill.minute)
    return {
        "resourceType": "MedicationDispense",
        "id": dispense_id(fill),
        "meta": {"tag": [dict(SYNTHETIC_TAG)]},
        "extension": [
            {
                "url": SD + "dispensed-pack",
                "valueString": pack_scan(p.gtin, p.serial, p.lot, p.expiry),
            }
            for p in packs
        ],
        "status": "completed",
        "medicationReference": {
            "reference": f"Medication/med-{medicine.slug}",
            "display": medicine.display,
        },
        "subject": {"reference": f"Patient/{patient}"},
        "performer": [{"actor": {"reference": f"Organization/org-{fill.pharmacy}"}}],
        "location": {"reference": f"Location/loc-{fill.pharmacy}"},
        "authorizingPrescription": [{"reference": f"MedicationRequest/{fill.request_id}"}],
        "type": {"coding": [{"system": ACT_CODE, "code": kind}]},
        "quantity": {"value": len(packs) * medicine.pack_size, "unit": medicine.pack_unit},
        "daysSupply": {
            "value": days,
            "unit": "días",
            "system": "http://unitsofmeasure.org",
            "code": "d",
        },
        "whenHandedOver": handed.isoformat(),
    }


def dispense_id(fill: Fill) -> str:
    """Deterministic and at most 64 characters (FHIR ids), whatever the prescription's id."""
    digest = hashlib.blake2b(
        f"{fill.request_id}:{fill.number}".encode(), digest_size=10
    ).hexdigest()
    return f"md-{digest}"
