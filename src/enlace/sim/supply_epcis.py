"""The simulated supply chain's identifiers and EPCIS 2.0 events, as a scanner would send them.

Packs are named by GS1 Digital Links carrying lot and expiry (what a GS1 DataMatrix holds), so
capture checks every scan against the commissioning event; cases and pallets by SSCC; places by
the synthetic GLNs of the location registry (`trace.epcis_locations.facility_location_id`).
Event ids are UUIDs derived from the seed and what the event is, so a run writes the same log
however it is cut in pieces. Times are Mexico central time (UTC-06:00).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from enlace.modules.catalog import gs1_check_digit
from enlace.modules.trace import prescription_transaction
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim.care_fhir import CENTRAL

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
GS1 = "https://id.gs1.org"
SSCC_PREFIX = "7509000"  # synthetic GS1 Mexico company prefix of the simulated manufacturer
CASE_EXTENSION, PALLET_EXTENSION = "1", "3"
PLANT_SLUG = "plant-enlace-synthetic"
PLANT = facility_location_id(PLANT_SLUG)
_IDS = uuid.UUID("6f1c8f0e-3c55-4c1e-9a57-2a6d0c5e7a11")  # namespace of simulated event ids


def pack_epc(gtin: str, serial: str) -> str:
    """The canonical EPC, as trace stores it."""
    return f"{GS1}/01/{gtin}/21/{serial}"


def pack_scan(gtin: str, serial: str, lot: str | None, expiry: str | None) -> str:
    """A pack as its DataMatrix reads: Digital Link with lot and (as YYMMDD) expiry."""
    link = f"{GS1}/01/{gtin}" + (f"/10/{lot}" if lot else "") + f"/21/{serial}"
    if expiry:
        link += "?17=" + date.fromisoformat(expiry).strftime("%y%m%d")
    return link


def sscc(extension: str, day: int, number: int) -> str:
    """A case or pallet SSCC (extension, company prefix, 9-digit serial reference, check digit):
    unique per (extension, day, number) for number < 100,000 and days < 10,000 (27 years)."""
    body = f"{extension}{SSCC_PREFIX}{day % 10_000:04d}{number:05d}"
    return f"{GS1}/00/{body}{gs1_check_digit(body)}"


def event_time(on: date, minute: int) -> str:
    return (datetime.combine(on, time(), CENTRAL) + timedelta(minutes=minute)).isoformat()


def event_id(seed: int, *key: object) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_IDS, ":".join(str(k) for k in (seed, *key))))


def object_event(
    eid: str,
    when: str,
    step: str,
    place: str,
    epcs: list[str],
    *,
    action: str = "OBSERVE",
    disposition: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": eid,
        "eventTime": when,
        "eventTimeZoneOffset": "-06:00",
        "epcList": epcs,
        "action": action,
        "bizStep": step,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    if disposition is not None:
        event["disposition"] = disposition
    event.update(extra)
    return event


def commissioning(eid: str, when: str, packs: list[str], lot: str, expiry: str) -> dict[str, Any]:
    ilmd = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry}
    return object_event(
        eid, when, "commissioning", PLANT, packs, action="ADD", disposition="active", ilmd=ilmd
    )


def packing(eid: str, when: str, parent: str, children: list[str]) -> dict[str, Any]:
    return {
        "type": "AggregationEvent",
        "eventID": eid,
        "eventTime": when,
        "eventTimeZoneOffset": "-06:00",
        "parentID": parent,
        "childEPCs": children,
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "in_progress",
        "readPoint": {"id": PLANT},
        "bizLocation": {"id": PLANT},
    }


def unpacking(eid: str, when: str, parent: str, place: str) -> dict[str, Any]:
    """Everything out of `parent` (no childEPCs: all of them)."""
    return {
        "type": "AggregationEvent",
        "eventID": eid,
        "eventTime": when,
        "eventTimeZoneOffset": "-06:00",
        "parentID": parent,
        "action": "DELETE",
        "bizStep": "unpacking",
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }


def shipping(eid: str, when: str, origin: str, to: str, epcs: list[str]) -> dict[str, Any]:
    return object_event(
        eid,
        when,
        "shipping",
        origin,
        epcs,
        disposition="in_transit",
        sourceList=[{"type": "location", "source": origin}],
        destinationList=[{"type": "location", "destination": to}],
    )


def receiving(eid: str, when: str, place: str, epcs: list[str]) -> dict[str, Any]:
    return object_event(eid, when, "receiving", place, epcs, disposition="in_progress")


def dispensing(
    eid: str, when: str, place: str, scans: list[str], prescription: str | None = None
) -> dict[str, Any]:
    """A dispensing event; with the MedicationRequest id it fills as a bizTransaction, so a
    claim for these packs can be matched to the prescription's patient (docs/claims.md)."""
    extra: dict[str, Any] = {}
    if prescription is not None:
        extra["bizTransactionList"] = [prescription_transaction(prescription)]
    return object_event(eid, when, "dispensing", place, scans, disposition="dispensed", **extra)


def inspecting(eid: str, when: str, place: str, scans: list[str]) -> dict[str, Any]:
    return object_event(eid, when, "inspecting", place, scans)


def document(on: date, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": event_time(on, 23 * 60 + 30),
        "epcisBody": {"eventList": events},
    }


def record_time(on: date) -> datetime:
    """When the day's captures are recorded: the simulated evening, not the wall clock."""
    return datetime.combine(on, time(23, 45), CENTRAL)
