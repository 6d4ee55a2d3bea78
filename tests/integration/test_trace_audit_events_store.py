"""The audit's event check over what the store serves (both stores): events with the
document's own JSON-LD prefixes rehash as captured; an edited or missing event is named."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules.trace.audit import AuditProblem
from enlace.modules.trace.audit_events import EventMatcher, served_events
from enlace.modules.trace.epcis_capture import capture_document
from enlace.modules.trace.epcis_query import ENLACE_CONTEXT, EventQuery, find_events
from enlace.modules.trace.log_store import read_entries, stored_size
from tests.integration.trace_epcis_support import (
    CONTEXT,
    T0,
    commissioning,
    document,
    event,
    pack,
    reset,
)

EXAMPLE = {"example": "http://ns.example.com/epcis/"}


def query_pages(services: Services) -> list[dict[str, Any]]:
    """What GET /epcis/events serves, as query documents of 2 events each."""
    pages, after = [], None
    while True:
        page = find_events(services.db, EventQuery(after=after, limit=2))
        body = {"queryResults": {"resultsBody": {"eventList": page.events}}}
        pages.append({"@context": [*CONTEXT, ENLACE_CONTEXT], "epcisBody": body})
        if page.next_after is None:
            return pages
        after = page.next_after


def check(services: Services) -> EventMatcher:
    matcher = EventMatcher(served_events(query_pages(services)))
    with services.db.read() as conn:
        matcher.entries(0, read_entries(conn, 0, stored_size(conn)))
    matcher.finish()
    return matcher


@pytest.fixture
def captured(services: Services) -> Services:
    reset(services)
    extended = event("ObjectEvent", 5, "shipping", epcs=[pack("1")])
    extended["example:carrier"] = {"example:name": "Fletes del Bajío"}
    own = {**event("ObjectEvent", 9, "receiving", epcs=[pack("1")]), "@context": [EXAMPLE]}
    own["example:dock"] = "4"
    doc = document(commissioning(["1", "2"]), extended, own)
    doc["@context"] = [*CONTEXT, EXAMPLE]
    assert capture_document(services.db, doc, T0).accepted == 3
    return services


def test_served_events_match_their_leaves(captured: Services) -> None:
    assert check(captured).checked == 3


def test_an_edited_event_is_named(captured: Services) -> None:
    with captured.db.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE trace_epcis_events SET raw = REPLACE(raw, 'Bajío', 'Norte') WHERE seq = 1"
        )
    with pytest.raises(AuditProblem) as caught:
        check(captured)
    assert caught.value.code == "event-hash-mismatch" and "(leaf 1)" in caught.value.message


def test_a_missing_event_is_named(captured: Services) -> None:
    with captured.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM trace_epcis_events WHERE seq = 2")
    with pytest.raises(AuditProblem) as caught:
        check(captured)
    assert caught.value.code == "event-missing" and "leaf 2 records event" in caught.value.message
