"""The unfilled-prescription rate read from stored MedicationRequests and MedicationDispenses
(search and store public APIs) on both stores.

Written 2026-03-01T10:00Z, 30 units each: rx-a handed over in full at +2 h; rx-b 10 units at
+5 h and 20 at +30 h; rx-c nothing; rx-d cancelled (not counted); rx-e written in February
(outside the period). Day 2026-03-04: 24 h -> b, c unfilled of a, b, c = 2/3; 72 h -> c = 1/3.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.supply_kpis import read_prescriptions, unfilled_counts
from enlace.store.bulk import PutItem


def request(rid: str, authored: str, status: str = "active") -> dict[str, object]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
        "authoredOn": authored,
        "dispenseRequest": {
            "quantity": {"value": 30},
            "performer": {"reference": "Organization/org-pharmacy-x"},
        },
    }


def dispense(did: str, rid: str, when: str, units: int) -> dict[str, object]:
    return {
        "resourceType": "MedicationDispense",
        "id": did,
        "status": "completed",
        "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
        "subject": {"reference": "Patient/p1"},
        "authorizingPrescription": [{"reference": f"MedicationRequest/{rid}"}],
        "quantity": {"value": units},
        "whenHandedOver": when,
    }


def test_unfilled_rates_from_stored_resources(services: Services) -> None:
    t0 = "2026-03-01T10:00:00Z"
    resources = [
        request("rx-a", t0),
        request("rx-b", t0),
        request("rx-c", t0),
        request("rx-d", t0, status="cancelled"),
        request("rx-e", "2026-02-10T10:00:00Z"),
        dispense("md-a", "rx-a", "2026-03-01T12:00:00Z", 30),
        dispense("md-b1", "rx-b", "2026-03-01T15:00:00Z", 10),
        dispense("md-b2", "rx-b", "2026-03-02T16:00:00Z", 20),
    ]
    with services.writing() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    with services.reading() as conn:
        found = read_prescriptions(services, conn, date(2026, 3, 1), date(2026, 3, 4))
    assert sorted(p.id for p in found) == ["rx-a", "rx-b", "rx-c"]
    day = date(2026, 3, 4)
    [overall_24, *_] = unfilled_counts(found, day, 24)
    [overall_72, *_] = unfilled_counts(found, day, 72)
    assert (overall_24.unfilled, overall_24.of) == (2, 3)
    assert (overall_72.unfilled, overall_72.of) == (1, 3)
    assert {u.pharmacy for u in unfilled_counts(found, day, 24)} == {"*", "pharmacy-x"}


def test_cli_prints_the_rates_and_refuses_bad_days(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    with services.writing() as conn:
        services.repo.put_many(conn, [PutItem(request("rx-c", "2026-03-01T10:00:00Z"))])
    runner = CliRunner()
    shown = runner.invoke(app, ["supply", "unfilled", "--date", "2026-03-04", "--days", "7"])
    assert shown.exit_code == 0, shown.output
    assert "24 h  *: unfilled 100.0 % (1/1)" in shown.output
    assert "72 h  pharmacy-x: unfilled 100.0 % (1/1)" in shown.output
    for args in (["--days", "0"], ["--date", "2026-02-31"], ["--date", "2999-01-01"]):
        refused = runner.invoke(app, ["supply", "unfilled", *args])
        assert refused.exit_code == 2 and "error:" in refused.output
