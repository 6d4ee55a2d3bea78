"""`claims.paid_by_patient`: centavos the payer pays per patient over service dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert

from enlace.interactions.context import Services
from enlace.modules import claims
from enlace.modules.claims.tables import lines


def _line(claim: str, patient: str, day: str, paid: int, outcome: str) -> dict[str, object]:
    return {"claim_id": claim, "sequence": 1, "service_date": date.fromisoformat(day),
            "payer": "imss", "pharmacy": "ph", "patient": patient, "coverage": "c",
            "medication": "met", "packs": 1, "unit_centavos": paid,
            "submitted_centavos": paid, "payer_centavos": paid, "patient_centavos": 0,
            "reason": "", "outcome": outcome, "created_us": 1}  # fmt: skip


def test_paid_per_patient_over_service_dates(services: Services) -> None:
    rows = [
        _line("k1", "p1", "2026-09-01", 10_000, "complete"),  # first day
        _line("k2", "p1", "2026-09-30", 2_550, "partial"),  # last day
        _line("k3", "p1", "2026-09-10", 99_999, "queued"),  # awaiting review: not paid
        _line("k4", "p2", "2026-09-10", 0, "error"),  # refused
        _line("k5", "p2", "2026-10-01", 5_000, "complete"),  # after the window
        _line("k6", "p3", "2026-09-05", 700, "complete"),
    ]
    with services.db.begin() as conn:
        conn.execute(delete(lines))  # conftest does not empty the claims tables
        conn.execute(insert(lines), rows)
    with services.db.read() as conn:
        found = claims.paid_by_patient(conn, date(2026, 9, 1), date(2026, 9, 30))
    assert found == {"p1": 12_550, "p3": 700}


def test_nothing_paid_gives_no_rows(services: Services) -> None:
    with services.db.begin() as conn:
        conn.execute(delete(lines))
    with services.db.read() as conn:
        assert claims.paid_by_patient(conn, date(2026, 9, 1), date(2026, 9, 30)) == {}
