"""`adherence.pdc_by_clinic`: therapies with PDC >= 0.8 / therapies with a PDC, per clinic."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from enlace.interactions.context import Services
from enlace.modules import adherence
from enlace.modules.adherence.tables import therapies


def _therapy(patient: str, clinic: str | None, pdc: float | None, as_of: str) -> dict[str, object]:
    return {"patient": patient, "therapy": "metformin", "as_of": as_of, "medication": "m",
            "fills": 3, "first_fill": "2026-01-01", "last_fill": "2026-09-01", "pdc": pdc,
            "mpr": pdc, "supply_left": 0, "covered_until": "2026-09-30",
            "persistence_days": 200, "switched": False, "clinic": clinic}  # fmt: skip


def test_pdc_by_clinic_counts_adherent_over_measured(services: Services) -> None:
    rows = [
        _therapy("p1", "org-a", 0.8, "2026-09-30"),  # exactly 0.8: adherent
        _therapy("p2", "org-a", 0.79, "2026-09-30"),
        _therapy("p3", "org-a", None, "2026-09-30"),  # one fill: no PDC, not measured
        _therapy("p4", "org-a", 0.95, "2026-10-01"),  # measured after as_of: unknown
        _therapy("p5", "org-b", 0.5, "2026-09-01"),
        _therapy("p6", None, 0.9, "2026-09-01"),  # no clinic
    ]
    with services.db.begin() as conn:
        conn.execute(insert(therapies), rows)
    with services.db.read() as conn:
        found = adherence.pdc_by_clinic(conn, date(2026, 9, 30))
    assert found == [("org-a", 1, 2), ("org-b", 0, 1)]


def test_pdc_by_clinic_without_therapies_is_empty(services: Services) -> None:
    with services.db.read() as conn:
        assert adherence.pdc_by_clinic(conn, date(2026, 9, 30)) == []
