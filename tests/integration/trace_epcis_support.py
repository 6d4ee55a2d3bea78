"""Builders for EPCIS test documents, and an empty trace store per test (PostgreSQL is shared)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from enlace.interactions.context import Services
from enlace.modules.catalog import facilities, formulary
from enlace.modules.trace.epcis_locations import facility_location_id, register_facilities
from enlace.modules.trace.epcis_tables import EPCIS_TABLES
from tests.integration.trace_log_support import empty_log

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
GTIN = formulary()[0].gtin
LOT = "L2611A"
EXPIRY = "2027-11-30"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLANT = facility_location_id(facilities(state="09")[0].slug)  # Ciudad de México
PHARMACY = facility_location_id(facilities(state="09")[1].slug)
FAR_AWAY = facility_location_id(facilities(state="19")[0].slug)  # Nuevo León, ~700 km
CASE = "urn:epc:id:sscc:7501234.0000000011"
PALLET = "urn:epc:id:sscc:7501234.0000000028"


def reset(services: Services) -> None:
    empty_log(services)
    with services.db.begin() as conn:
        for table in EPCIS_TABLES:
            conn.execute(table.delete())
        register_facilities(conn)


def pack(serial: str, lot: str | None = None, expiry: str | None = None) -> str:
    uri = f"https://id.gs1.org/01/{GTIN}"
    uri += f"/10/{lot}" if lot else ""
    uri += f"/21/{serial}"
    return uri + (f"?17={expiry}" if expiry else "")


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def event(
    kind: str,
    minutes: float,
    step: str,
    *,
    epcs: list[str] | None = None,
    place: str = PLANT,
    **fields: Any,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": kind,
        "eventTime": at(minutes),
        "eventTimeZoneOffset": "-06:00",
        "bizStep": step,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    if kind != "TransformationEvent":
        found["action"] = fields.pop("action", "OBSERVE")
    if epcs is not None:
        found["epcList"] = epcs
    return found | fields


def commissioning(serials: list[str], minutes: float = 0, expiry: str = EXPIRY) -> dict[str, Any]:
    return event(
        "ObjectEvent",
        minutes,
        "commissioning",
        epcs=[pack(s) for s in serials],
        action="ADD",
        disposition="active",
        ilmd={"cbvmda:lotNumber": LOT, "cbvmda:itemExpirationDate": expiry},
    )


def packing(parent: str, children: list[str], minutes: float) -> dict[str, Any]:
    return event(
        "AggregationEvent", minutes, "packing", action="ADD", parentID=parent, childEPCs=children
    )


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": at(0),
        "epcisBody": {"eventList": list(events)},
    }


def kinds(alerts: list[Any]) -> list[str]:
    return sorted(a.kind for a in alerts)
