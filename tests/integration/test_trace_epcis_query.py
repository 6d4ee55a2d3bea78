"""EPCIS query (by EPC, bizStep, location, time; paged), the recall workflow and the pharmacist's
verification, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from enlace.interactions.context import Services
from enlace.modules.trace.epcis_capture import capture_document
from enlace.modules.trace.epcis_model import EpcisError
from enlace.modules.trace.epcis_query import EventQuery, find_events
from enlace.modules.trace.events_alerts import list_alerts
from enlace.modules.trace.gs1 import GS1Code, datamatrix_content
from enlace.modules.trace.pack_state_recall import recall_lot
from enlace.modules.trace.pack_state_verify import verify_pack
from tests.integration.trace_epcis_support import (
    GTIN,
    LOT,
    PHARMACY,
    PLANT,
    T0,
    commissioning,
    document,
    event,
    kinds,
    pack,
    reset,
)

HOUR_US = 3_600_000_000
T0_US = int(T0.timestamp()) * 1_000_000


@pytest.fixture
def chain(services: Services) -> Iterator[Services]:
    reset(services)
    events = [
        commissioning(["1", "2", "3"]),
        event("ObjectEvent", 60, "shipping", epcs=[pack("1"), pack("2")], disposition="in_transit"),
        event("ObjectEvent", 180, "receiving", epcs=[pack("1"), pack("2")], place=PHARMACY),
        event("ObjectEvent", 240, "dispensing", epcs=[pack("1")], place=PHARMACY),
    ]
    capture_document(services.db, document(*events), T0)
    yield services


def ids(services: Services, query: EventQuery) -> list[str]:
    return [e["bizStep"] for e in find_events(services.db, query).events]


def test_query_by_epc_step_location_and_time(chain: Services) -> None:
    assert ids(chain, EventQuery(epc=pack("1"))) == [
        "commissioning",
        "shipping",
        "receiving",
        "dispensing",
    ]
    assert ids(chain, EventQuery(epc=f"urn:epc:id:sgtin:{GTIN[1:8]}.{GTIN[0]}{GTIN[8:13]}.3")) == [
        "commissioning"
    ]
    assert ids(chain, EventQuery(biz_step="urn:epcglobal:cbv:bizstep:shipping")) == ["shipping"]
    assert ids(chain, EventQuery(location=PHARMACY)) == ["receiving", "dispensing"]
    window = EventQuery(since_us=T0_US + HOUR_US, until_us=T0_US + 4 * HOUR_US)
    assert ids(chain, window) == ["shipping", "receiving"]  # dispensing is at the bound
    assert ids(chain, EventQuery(location=PLANT, biz_step="receiving")) == []


def test_pages_follow_the_log_order(chain: Services) -> None:
    first = find_events(chain.db, EventQuery(limit=3))
    assert len(first.events) == 3 and first.next_after is not None
    rest = find_events(chain.db, EventQuery(limit=3, after=first.next_after))
    assert [e["bizStep"] for e in rest.events] == ["dispensing"] and rest.next_after is None
    assert all(e["recordTime"] == "2026-03-02T09:00:00.000Z" and e["eventID"] for e in first.events)


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        (EventQuery(limit=0), "?limit"),
        (EventQuery(limit=1001), "?limit"),
        (EventQuery(biz_step="teleporting"), "?bizStep"),
        (EventQuery(since_us=5, until_us=5), "?GE_eventTime"),
    ],
)
def test_bad_queries_are_refused(chain: Services, query: EventQuery, pointer: str) -> None:
    with pytest.raises(EpcisError) as caught:
        find_events(chain.db, query)
    assert caught.value.problems[0].pointer == pointer


def test_recall_turns_packs_red_and_lists_holders(chain: Services) -> None:
    with chain.db.begin() as conn:
        report = recall_lot(conn, GTIN, LOT, "sub-potent", T0)
    assert report.packs == 2  # pack 1 was dispensed already
    assert [(h.location, h.packs) for h in report.holders] == [(PHARMACY, 1), (PLANT, 1)]
    with chain.db.read() as conn:
        assert verify_pack(conn, pack("2"), date(2026, 3, 3)).status == "recalled"
        assert kinds(list_alerts(conn, kind="recall")) == ["recall", "recall"]
    dispense = event("ObjectEvent", 300, "dispensing", epcs=[pack("2")], place=PHARMACY)
    late = capture_document(chain.db, document(dispense), T0)
    assert kinds(late.alerts) == ["dispense-recalled"]
    later = capture_document(chain.db, document(commissioning(["4"], 500)), T0)
    assert later.accepted == 1
    with chain.db.read() as conn:
        assert verify_pack(conn, pack("4"), date(2026, 3, 3)).status == "recalled"


def test_verify_answers(chain: Services) -> None:
    today = date(2026, 3, 3)
    scan = datamatrix_content(GS1Code(GTIN, lot=LOT, serial="2", expiry="271130"))
    with chain.db.read() as conn:
        verdict = verify_pack(conn, scan, today)
        assert verdict.status == "authentic" and verdict.may_dispense
        assert (verdict.lot, verdict.expiry, verdict.state) == (LOT, "2027-11-30", "at_location")
        assert verdict.product and verdict.last_location == "Ciudad de México"
        assert verify_pack(conn, pack("1"), today).status == "already_dispensed"
        assert verify_pack(conn, pack("99"), today).status == "unknown"
        assert verify_pack(conn, "]d2garbage", today).status == "unknown"
        assert verify_pack(conn, f"https://id.gs1.org/01/{GTIN}", today).status == "unknown"
        assert verify_pack(conn, pack("3"), date(2028, 1, 1)).status == "expired"
