"""`coverage.member_months_by_patient`: months covered per beneficiary within a window."""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.modules import coverage


def _coverage(services: Services, cid: str, patient: str, period: dict[str, str],
              status: str = "active") -> None:  # fmt: skip
    resource: dict[str, Any] = {
        "resourceType": "Coverage", "id": cid, "status": status, "period": period,
        "beneficiary": {"reference": f"Patient/{patient}"},
        "payor": [{"reference": "Organization/org-imss"}],
    }  # fmt: skip
    with services.db.begin() as conn:
        services.repo.update(conn, resource, cid)


def test_months_in_force_per_beneficiary(services: Services) -> None:
    _coverage(services, "c1", "p1", {"start": "2026-01-01"})  # all of Q3: 3 months
    _coverage(services, "c2", "p2", {"start": "2026-08-16", "end": "2026-12-31"})
    _coverage(services, "c3", "p3", {"start": "2026-10-01"})  # starts after the window
    _coverage(services, "c4", "p4", {"start": "2026-01-01"}, status="cancelled")
    _coverage(services, "c5", "p1", {"start": "2026-09-01", "end": "2026-09-15"})  # a second one
    with services.db.read() as conn:
        found = coverage.member_months_by_patient(
            services.repo, conn, date(2026, 7, 1), date(2026, 9, 30)
        )
    # p2: Aug 16-31 = 16/31 + all of September 1 = 1.5161; p1: 3 + 15/30 = 3.5
    assert found == {"p1": 3.5, "p2": round(16 / 31 + 1, 4)}


def test_no_coverages_gives_no_months(services: Services) -> None:
    with services.db.read() as conn:
        assert (
            coverage.member_months_by_patient(
                services.repo, conn, date(2026, 7, 1), date(2026, 9, 30)
            )
            == {}
        )
