"""`monitoring.alert_response.response_by_patient`: acknowledged alerts and minutes waited."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from enlace.interactions.context import Services
from enlace.modules import monitoring
from enlace.modules.monitoring.tables import alerts

MINUTE = 60_000_000


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1_000_000


def _alert(id_: str, patient: str, opened: str, waited_minutes: float | None) -> dict[str, object]:
    at = _at(opened)
    acked = None if waited_minutes is None else at + int(waited_minutes * MINUTE)
    return {"id": id_, "patient": patient, "rule": "bp-crisis", "severity": "urgent",
            "status": "open" if acked is None else "acknowledged", "opened_us": at,
            "received_us": at, "last_evidence_us": at, "acknowledged_us": acked,
            "escalation_level": 0, "summary": "s", "evidence": "{}"}  # fmt: skip


def test_minutes_to_acknowledge_per_patient_in_the_window(services: Services) -> None:
    rows = [
        _alert("a1", "p1", "2026-09-01T00:00:00", 5),  # first instant of the window
        _alert("a2", "p1", "2026-09-30T23:59:00", 15),  # last minute of the window
        _alert("a3", "p1", "2026-09-10T08:00:00", None),  # never acknowledged
        _alert("a4", "p2", "2026-09-02T10:00:00", 90.5),
        _alert("a5", "p2", "2026-10-01T00:00:00", 1),  # opened after the window
        _alert("a6", "p3", "2026-08-31T23:59:59", 1),  # opened before it
    ]
    with services.db.begin() as conn:
        conn.execute(insert(alerts), rows)
    with services.db.read() as conn:
        found = monitoring.alert_response.response_by_patient(
            conn, date(2026, 9, 1), date(2026, 10, 1)
        )
    assert found == [("p1", 2, 20.0), ("p2", 1, 90.5)]


def test_no_alerts_gives_no_rows(services: Services) -> None:
    with services.db.read() as conn:
        assert (
            monitoring.alert_response.response_by_patient(conn, date(2026, 9, 1), date(2026, 10, 1))
            == []
        )
