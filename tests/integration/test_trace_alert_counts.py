"""`trace.alerts_by_facility`: traceability alerts per catalog facility over a window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from enlace.interactions.context import Services
from enlace.modules import trace
from enlace.modules.catalog import FACILITIES
from enlace.modules.trace.epcis_tables import alerts


def _alert(location: str | None, created: str) -> dict[str, object]:
    at = int(datetime.fromisoformat(created).replace(tzinfo=UTC).timestamp()) * 1_000_000
    return {"kind": "unknown-epc", "epc": None, "event_id": None, "location": location,
            "message": "m", "created_us": at}  # fmt: skip


def test_alerts_counted_per_facility_in_the_window(services: Services) -> None:
    a, b = FACILITIES[0].slug, FACILITIES[1].slug
    place_a, place_b = trace.facility_location_id(a), trace.facility_location_id(b)
    rows = [
        _alert(place_a, "2026-09-01T00:00:00"),  # first instant of the window
        _alert(f"{place_a}/254/shelf-3", "2026-09-30T23:59:59"),  # a sub-location of A
        _alert(place_a, "2026-10-01T00:00:00"),  # after the window
        _alert(place_b, "2026-09-12T10:00:00"),
        _alert(place_b, "2026-08-31T23:59:59"),  # before it
        _alert(None, "2026-09-12T10:00:00"),  # no location
        _alert("https://id.gs1.org/414/0000000000017", "2026-09-12T10:00:00"),  # not a facility
    ]
    with services.db.begin() as conn:
        conn.execute(insert(alerts), rows)
    with services.db.read() as conn:
        found = trace.alerts_by_facility(conn, date(2026, 9, 1), date(2026, 10, 1))
    assert found == {a: 2, b: 1}


def test_no_alerts_gives_an_empty_count(services: Services) -> None:
    with services.db.read() as conn:
        assert trace.alerts_by_facility(conn, date(2026, 9, 1), date(2026, 10, 1)) == {}
