"""Receipts of serialized goods from EPCIS receiving events, through trace's public API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import trace
from enlace.modules.catalog import facilities, formulary
from enlace.modules.inventory import StockLedger, receive_epcis_event
from enlace.store.database import Database
from tests.integration.inventory.test_inventory_ledger import on_hand
from tests.integration.trace_epcis_support import (
    EXPIRY,
    LOT,
    PHARMACY,
    PLANT,
    commissioning,
    document,
    event,
    pack,
    reset,
)

PHARMACY_SLUG = facilities(state="09")[1].slug
PRODUCT = formulary()[0].slug


def received(services: Services, *epcs: str) -> dict[str, Any]:
    """Commission packs 1-3 at the plant, ship them, receive `epcs` at the pharmacy; the
    receiving event as trace's query answers it."""
    reset(services)
    doc = document(
        commissioning(["1", "2", "3"]),
        event("ObjectEvent", 5, "shipping", epcs=[pack(s) for s in "123"]),
        event("ObjectEvent", 60, "receiving", epcs=list(epcs), place=PHARMACY),
    )
    with services.db.begin() as conn:
        trace.capture(conn, doc, services.repo.clock())
        page = trace.query_events(conn, trace.EventQuery(biz_step="receiving"))
    [found] = page.events
    return found


def test_receiving_event_becomes_a_receipt_once(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    found = received(services, pack("1"), pack("2"), pack("3"))
    with db.begin() as conn:
        first = receive_epcis_event(conn, ledger, found)
    assert [(x.facility, x.product, x.lot, x.expiry, x.quantity) for x in first.lines] == [
        (PHARMACY_SLUG, PRODUCT, LOT, date.fromisoformat(EXPIRY), 3)
    ]
    assert first.lines[0].reference == found["eventID"]
    with db.begin() as conn:
        again = receive_epcis_event(conn, ledger, found)
    assert again.replayed and again.event_id == first.event_id
    assert on_hand(db, PHARMACY_SLUG) == {(PRODUCT, LOT): 3}


def test_a_pack_not_commissioned_uses_its_digital_link(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    found = received(services, pack("1"), pack("9", lot="LX", expiry="280131"))
    with db.begin() as conn:
        recorded = receive_epcis_event(conn, ledger, found)
    assert sorted((x.lot, x.quantity) for x in recorded.lines) == [(LOT, 1), ("LX", 1)]


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"bizStep": "shipping"}, 422, "/bizStep"),
        ({"bizLocation": {"id": PLANT + "0"}}, 404, "/bizLocation/id"),
        ({"eventID": None}, 422, "/eventID"),
        ({"epcList": ["urn:epc:id:sscc:7501234.0000000011"]}, 422, "/epcList/0"),
        ({"epcList": []}, 422, "/epcList"),
    ],
)
def test_bad_receiving_events_are_refused(
    services: Services,
    db: Database,
    ledger: StockLedger,
    change: dict[str, Any],
    status: int,
    where: str,
) -> None:
    found = received(services, pack("1")) | change
    with pytest.raises(FhirError) as caught, db.begin() as conn:
        receive_epcis_event(conn, ledger, found)
    assert caught.value.status == status and caught.value.issues[0].expression == where
    assert on_hand(db, PHARMACY_SLUG) == {}


def test_a_pack_with_no_lot_anywhere_is_refused(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    found = received(services, pack("1"), pack("8"))
    with pytest.raises(FhirError) as caught, db.begin() as conn:
        receive_epcis_event(conn, ledger, found)
    assert [i.expression for i in caught.value.issues] == ["/epcList/1"]
