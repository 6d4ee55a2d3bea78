"""Receipts of serialized goods from EPCIS receiving events (issue 8 part 5).

A receiving (or arriving) ObjectEvent at a facility names the packs that came in. Each pack's
GTIN gives the catalog product; its lot and expiry are the commissioned ones, read through
trace's public API (`packs_at`: the packs now at that place), or, for a pack no longer there,
the lot and expiry its Digital Link carries. Packs are counted per product x lot into one
receipt stock event whose idempotency key is the EPCIS event id: receiving the same event twice
books it once. Only trace's public API is used, never its tables.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.errors import FhirError, Issue, error
from enlace.modules import trace
from enlace.modules.catalog import facilities, medicine_by_gtin
from enlace.modules.inventory.domain import RECEIPT, Item, StockEvent
from enlace.modules.inventory.ledger import Recorded, StockLedger

RECEIVING_STEPS = ("receiving", "arriving")


def facility_of_location(location: str) -> str | None:
    """The catalog facility whose EPCIS location id (trace's synthetic GLN) this is."""
    by_location = {trace.facility_location_id(f.slug): f.slug for f in facilities()}
    return by_location.get(location)


def receive_epcis_event(conn: Connection, ledger: StockLedger, event: dict[str, Any]) -> Recorded:
    """Book the packs of a receiving event (as `trace.query_events` returns it) as a receipt."""
    return ledger.record(conn, receipt_from_epcis(conn, event))


def receipt_from_epcis(conn: Connection, event: dict[str, Any]) -> StockEvent:
    event_id = event.get("eventID")
    if not isinstance(event_id, str) or not event_id:
        raise error(422, "required", "The EPCIS event has no eventID", "/eventID")
    step = str(event.get("bizStep", ""))
    if not step.endswith(RECEIVING_STEPS):
        raise error(422, "business-rule", f"bizStep {step!r} is not a receipt", "/bizStep")
    location = str((event.get("bizLocation") or {}).get("id", ""))
    facility = facility_of_location(location)
    if facility is None:
        message = f"{location!r} is not a facility's location"
        raise error(404, "not-found", message, "/bizLocation/id")
    counts = _count_packs(conn, location, event.get("epcList") or [])
    items = tuple(
        Item(product, lot, units, expiry)
        for (product, lot, expiry), units in sorted(counts.items())
    )
    return StockEvent(
        kind=RECEIPT,
        facility=facility,
        items=items,
        occurred_at=_event_time(event),
        counterpart="EPCIS receiving",
        reference=event_id,
        idempotency_key=f"epcis:{event_id}",
    )


def _count_packs(
    conn: Connection, location: str, epcs: list[Any]
) -> Counter[tuple[str, str, date]]:
    on_hand = {pack.epc: pack for pack in trace.packs_at(conn, [location])}
    counts: Counter[tuple[str, str, date]] = Counter()
    problems: list[Issue] = []
    for n, raw in enumerate(epcs):
        where = f"/epcList/{n}"
        try:
            epc = trace.canonical_pack(str(raw))
            code = trace.parse_digital_link(str(raw))
        except (trace.TraceError, trace.Gs1Error):
            problems.append(Issue("value", f"{str(raw)[:80]!r} is not a serialized pack", where))
            continue
        stocked = on_hand.get(epc)
        lot = stocked.lot if stocked and stocked.lot else code.lot
        expiry_text = stocked.expiry if stocked and stocked.expiry else None
        expiry = date.fromisoformat(expiry_text) if expiry_text else code.expiry_date
        medicine = medicine_by_gtin(code.gtin)
        if medicine is None:
            problems.append(Issue("not-found", f"GTIN {code.gtin} is not in the catalog", where))
        elif lot is None or expiry is None:
            problems.append(Issue("required", f"No lot or expiry known for {epc}", where))
        else:
            counts[(medicine.slug, lot, expiry)] += 1
    if problems:
        raise FhirError(422, problems)
    if not counts:
        raise error(422, "required", "The receiving event names no pack", "/epcList")
    return counts


def _event_time(event: dict[str, Any]) -> datetime:
    try:
        moment = datetime.fromisoformat(str(event.get("eventTime")).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise error(422, "value", "eventTime is not a date-time with a time zone", "/eventTime")
    return moment
