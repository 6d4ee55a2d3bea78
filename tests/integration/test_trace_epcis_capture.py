"""EPCIS capture on SQLite and PostgreSQL: the supply chain of three packs from commissioning to
the patient, aggregation moving whole pallets, duplicates, refusals without partial writes, and
one log leaf per accepted event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules.trace.epcis_capture import CaptureReport, capture_document
from enlace.modules.trace.epcis_hash import event_hash, namespaces
from enlace.modules.trace.epcis_ids import canonical_epc
from enlace.modules.trace.epcis_leaf import parse_leaf_entry
from enlace.modules.trace.epcis_model import EpcisError
from enlace.modules.trace.epcis_tables import objects
from enlace.modules.trace.log_store import read_entries, stored_size
from enlace.modules.trace.pack_state_verify import verify_pack
from tests.integration.trace_epcis_support import (
    CASE,
    PALLET,
    PHARMACY,
    T0,
    commissioning,
    document,
    event,
    kinds,
    pack,
    packing,
    reset,
)

TODAY = date(2026, 3, 10)


@pytest.fixture
def trace(services: Services) -> Iterator[Services]:
    reset(services)
    yield services


def capture(services: Services, *events: dict[str, Any]) -> CaptureReport:
    return capture_document(services.db, document(*events), services.repo.clock())


def state(services: Services, serial: str) -> tuple[str, str | None, str | None]:
    query = select(objects.c.state, objects.c.location, objects.c.parent)
    with services.db.read() as conn:
        row = conn.execute(query.where(objects.c.epc == canonical_epc(pack(serial)))).one()
    return row[0], row[1], row[2]


def verify(services: Services, code: str) -> str:
    with services.db.read() as conn:
        return verify_pack(conn, code, TODAY).status


def ship_pallet(services: Services) -> None:
    capture(
        services,
        commissioning(["1", "2", "3"]),
        packing(CASE, [pack("1"), pack("2"), pack("3")], 10),
        packing(PALLET, [CASE], 20),
        event("ObjectEvent", 60, "shipping", epcs=[PALLET], disposition="in_transit"),
    )


def test_a_pallet_moves_its_packs(trace: Services) -> None:
    ship_pallet(trace)
    assert state(trace, "2")[0] == "in_transit"
    capture(trace, event("ObjectEvent", 300, "receiving", epcs=[PALLET], place=PHARMACY))
    assert state(trace, "2") == ("at_location", PHARMACY, canonical_epc(CASE))
    assert verify(trace, pack("2", "L2611A", "271130")) == "authentic"


def test_unpacking_frees_the_children(trace: Services) -> None:
    ship_pallet(trace)
    capture(trace, event("AggregationEvent", 90, "unpacking", action="DELETE", parentID=CASE))
    capture(trace, event("ObjectEvent", 300, "receiving", epcs=[PALLET], place=PHARMACY))
    assert state(trace, "1")[0] == "in_transit"  # no longer in the case that was received
    assert state(trace, "1")[2] is None


def test_dispense_twice_and_after_recall(trace: Services) -> None:
    ship_pallet(trace)
    capture(trace, event("ObjectEvent", 300, "receiving", epcs=[PALLET], place=PHARMACY))
    dispense = event("ObjectEvent", 400, "dispensing", epcs=[pack("1")], place=PHARMACY)
    assert capture(trace, dispense).alerts == []
    assert verify(trace, pack("1")) == "already_dispensed"
    again = capture(trace, {**dispense, "eventTime": "2026-03-02T16:00:00Z"})
    assert kinds(again.alerts) == ["second-dispense"]


def test_events_for_an_unknown_serial_are_accepted_and_flagged(trace: Services) -> None:
    report = capture(trace, event("ObjectEvent", 5, "shipping", epcs=[pack("X9")]))
    assert report.accepted == 1 and kinds(report.alerts) == ["unknown-epc"]
    assert verify(trace, pack("X9")) == "unknown"


def test_lot_and_expiry_claims_are_checked(trace: Services) -> None:
    capture(trace, commissioning(["1"]))
    claimed = event("ObjectEvent", 30, "receiving", epcs=[pack("1", "FAKE", "291231")])
    assert kinds(capture(trace, claimed).alerts) == ["batch-mismatch", "expiry-mismatch"]
    assert verify(trace, pack("1", "FAKE")) == "suspect"


def test_impossible_travel_and_places_outside_the_chain(trace: Services) -> None:
    from tests.integration.trace_epcis_support import FAR_AWAY

    capture(trace, commissioning(["1"]))
    jump = event("ObjectEvent", 10, "receiving", epcs=[pack("1")], place=FAR_AWAY)
    assert kinds(capture(trace, jump).alerts) == ["impossible-travel"]
    stray = event(
        "ObjectEvent", 9000, "receiving", epcs=[pack("1")], place="urn:epc:id:sgln:0614141.00777.0"
    )
    assert kinds(capture(trace, stray).alerts) == ["outside-chain"]


def test_expired_pack(trace: Services) -> None:
    capture(trace, commissioning(["1"], expiry="2026-03-01"))
    dispense = event("ObjectEvent", 60, "dispensing", epcs=[pack("1")])
    assert kinds(capture(trace, dispense).alerts) == ["dispense-expired"]
    capture(trace, commissioning(["2"], expiry="2026-03-01"))
    assert verify(trace, pack("2")) == "expired"


def test_same_content_twice_is_idempotent(trace: Services) -> None:
    first = capture(trace, commissioning(["1", "2"]))
    with trace.db.read() as conn:
        size = stored_size(conn)
    second = capture(trace, commissioning(["1", "2"]))
    assert (first.accepted, second.accepted, second.duplicates) == (1, 0, 1)
    with trace.db.read() as conn:
        assert stored_size(conn) == size


def test_a_reused_event_id_refuses_the_whole_document(trace: Services) -> None:
    capture(
        trace, {**commissioning(["1"]), "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001"}
    )
    other = {**commissioning(["2"]), "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001"}
    fine = event("ObjectEvent", 5, "shipping", epcs=[pack("1")])
    with pytest.raises(EpcisError) as caught:
        capture(trace, fine, other)
    assert [p.pointer for p in caught.value.problems] == ["/epcisBody/eventList/1/eventID"]
    with trace.db.read() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM trace_epcis_events").scalar()
        assert count == 1 and stored_size(conn) == 1  # nothing of the refused document


def test_out_of_order_events_keep_their_time_and_the_log_order(trace: Services) -> None:
    capture(trace, commissioning(["1"]))
    capture(trace, event("ObjectEvent", 300, "receiving", epcs=[pack("1")], place=PHARMACY))
    late = capture(trace, event("ObjectEvent", 60, "shipping", epcs=[pack("1")]))
    assert late.alerts == [] and late.events[0].log_index == 2
    assert state(trace, "1")[:2] == ("at_location", PHARMACY)


def test_each_event_has_its_leaf(trace: Services) -> None:
    docs = document(commissioning(["1"]), event("ObjectEvent", 5, "shipping", epcs=[pack("1")]))
    report = capture_document(trace.db, docs, T0)
    ns = namespaces(docs["@context"])
    with trace.db.read() as conn:
        leaves = [parse_leaf_entry(e) for e in read_entries(conn, 0, 2)]
    expected = [event_hash(e, ns) for e in docs["epcisBody"]["eventList"]]
    assert [leaf.event_hash for leaf in leaves] == expected
    assert [e.log_index for e in report.events] == [0, 1]
    assert leaves[0].record_time == "2026-03-02T09:00:00.000Z"


def test_shipping_to_an_unregistered_destination_leaves_the_chain(trace: Services) -> None:
    capture(trace, commissioning(["1"]))
    out = event("ObjectEvent", 60, "shipping", epcs=[pack("1")], disposition="in_transit")
    out["destinationList"] = [
        {"type": "location", "destination": "urn:epc:id:sgln:0614141.00777.0"}
    ]
    report = capture(trace, out)
    assert kinds(report.alerts) == ["outside-chain"] and "destination" in report.alerts[0].message
    inside = {**out, "eventTime": "2026-03-02T11:00:00Z"}
    inside["destinationList"] = [{"type": "location", "destination": PHARMACY}]
    assert capture(trace, inside).alerts == []
