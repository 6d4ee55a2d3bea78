"""The adherence daily job on both stores: measures of hand-made dispenses worked out by hand,
rollup keys from the record, a rerun of the day leaves the same rows, a bad dispense is counted
and named, the future is refused with nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.adherence import publishing, service, sources
from enlace.modules.adherence.tables import runs, scores, therapies
from tests.integration.adherence.job_support import (
    AS_OF,
    CLINIC,
    DOCTOR,
    dispense,
    patient,
    put,
    small_world,
)


def table_rows(services: Services, table: Any) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key))]


def test_job_measures_therapies_by_hand(services: Services) -> None:
    small_world(services)
    report = service.run_daily(services, AS_OF)
    assert report.fills == 5 and report.problems == 1 and report.skipped == 1
    assert report.measured == 2
    assert "dispense" in report.problem_lines[0] and "whenHandedOver" in report.problem_lines[0]
    rows = {row["patient"]: row for row in table_rows(services, therapies)}
    p1, p2 = rows["p1"], rows["p2"]
    # p1: 2025-10-01 .. 2025-12-31 is 92 days; three 30-day fills laid end to end cover 90.
    assert p1["therapy"] == "atc:A10BA" and p1["condition"] == "diabetes"
    assert p1["pdc"] == pytest.approx(90 / 92) and p1["mpr"] == pytest.approx(90 / 92)
    assert p1["fills"] == 3 and p1["last_fill"] == "2025-11-30"
    assert p1["covered_until"] == "2025-12-30" and p1["supply_left"] == 0
    assert p1["discontinued_on"] is None
    assert (p1["practitioner"], p1["clinic"], p1["pharmacy"]) == (DOCTOR, CLINIC, "org-ph1")
    assert p1["state"] == "Jalisco" and p1["as_of"] == "2025-12-31"
    # p2: 2025-06-01 .. 2025-12-31 is 214 days, 60 covered; supply ended 2025-07-30, and 60
    # days without supply from 2025-07-31 make it a discontinuation dated that day.
    assert p2["pdc"] == pytest.approx(60 / 214)
    assert p2["discontinued_on"] == "2025-07-31" and p2["persistence_days"] == 60
    [run] = table_rows(services, runs)
    assert run["as_of"] == "2025-12-31" and run["therapies"] == 2 and run["dispenses"] == 7


def test_rerun_of_a_day_leaves_the_same_rows(services: Services) -> None:
    small_world(services)
    service.run_daily(services, AS_OF)
    first = (table_rows(services, therapies), table_rows(services, scores))
    service.run_daily(services, AS_OF)
    assert (table_rows(services, therapies), table_rows(services, scores)) == first
    assert len(table_rows(services, runs)) == 1


def test_an_earlier_day_sees_only_its_past(services: Services) -> None:
    small_world(services)
    service.run_daily(services, date(2025, 10, 15))
    rows = {row["patient"]: row for row in table_rows(services, therapies)}
    # On 2025-10-15 p1 had one fill (no PDC yet: fewer than 2 fills) with 16 days left.
    assert rows["p1"]["fills"] == 1 and rows["p1"]["pdc"] is None
    assert rows["p1"]["supply_left"] == 16
    assert rows["p2"]["discontinued_on"] == "2025-07-31"  # 60 days without supply by 09-28


def test_a_future_day_is_refused_and_nothing_written(services: Services) -> None:
    small_world(services)
    with pytest.raises(errors.FhirError) as refused:
        service.run_daily(services, date(2026, 2, 1))
    assert refused.value.status == 400 and "after today" in refused.value.message
    assert table_rows(services, therapies) == [] and table_rows(services, runs) == []


def test_an_empty_record_runs_and_says_so(services: Services) -> None:
    report = service.run_daily(services, AS_OF)
    assert (report.fills, report.measured, report.scored) == (0, 0, 0)
    [run] = table_rows(services, runs)
    assert run["therapies"] == 0


def test_month_end_run_publishes_the_measures_as_fhir_once(services: Services) -> None:
    small_world(services)
    report = service.run_daily(services, AS_OF)  # 2025-12-31: a month's last day
    # 2 Observations + 4 MeasureReports (clinic, pharmacy, payer, state) + the Measure
    assert report.published == 7
    with services.db.read() as conn:
        found = [v.resource() for v in services.repo.scan(conn, "Observation")]
        reports = [v.resource() for v in services.repo.scan(conn, "MeasureReport")]
    adherence = [o for o in found if o["code"]["coding"][0]["code"] == "therapy-adherence"]
    assert {o["subject"]["reference"] for o in adherence} == {"Patient/p1", "Patient/p2"}
    for resource in adherence + reports:
        assert services.validate(resource) == []
    # 2 therapies: every stratum is under 11 and suppressed, the overall figures are not
    assert {r["id"] for r in reports} == {f"adh-{d}-2025-12" for d in publishing.DIMENSIONS}
    again = service.run_daily(services, AS_OF)
    assert again.published == 0  # same content: no new version


def test_a_mid_month_run_publishes_only_when_asked(services: Services) -> None:
    small_world(services)
    assert service.run_daily(services, date(2025, 12, 15)).published == 0
    assert service.run_daily(services, date(2025, 12, 15), publish=True).published == 7
    later = service.run_daily(services, date(2025, 12, 20), publish=True)
    assert later.published == 6  # the month's resources updated in place; the Measure unchanged
    with services.db.read() as conn:
        observations = services.repo.scan(conn, "Observation")
    assert len(observations) == 2 and {o.version_id for o in observations} == {2}


def test_a_hospital_stay_is_not_counted_against_the_patient(services: Services) -> None:
    small_world(services)
    patient(services, "p5", "Cinco")
    dispense(services, "d5-1", "p5", "metformin-850-tab", "2025-10-01")
    dispense(services, "d5-2", "p5", "metformin-850-tab", "2025-11-10")
    put(
        services,
        {
            "resourceType": "Encounter",
            "id": "stay-p5",
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "IMP",
            },
            "subject": {"reference": "Patient/p5"},
            "period": {"start": "2025-10-31T08:00:00-06:00", "end": "2025-11-09T12:00:00-06:00"},
        },
    )
    service.run_daily(services, AS_OF)
    rows = {row["patient"]: row for row in table_rows(services, therapies)}
    # 92 days from 2025-10-01 to 12-31, 10 of them in hospital (10-31 .. 11-09): 82 counted;
    # covered 10-01 .. 10-30 and 11-10 .. 12-09: 60 days.
    assert rows["p5"]["pdc"] == pytest.approx(60 / 82)


def test_gather_finds_home_deliveries_and_exclusions(services: Services) -> None:
    small_world(services)
    put(
        services,
        {
            "resourceType": "SupplyDelivery",
            "id": "sd1",
            "status": "in-progress",
            "patient": {"reference": "Patient/p1"},
        },
    )
    put(
        services,
        {
            "resourceType": "Condition",
            "id": "esrd-p2",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "N18.6"}]},
            "subject": {"reference": "Patient/p2"},
        },
    )
    with services.db.read() as conn:
        record = sources.gather(conn, services.repo, AS_OF)
    assert record.delivered == {"p1"} and record.excluded == {"p2"}
    assert record.patients["p1"].name == "Ana Uno" and len(record.dispenses) == 7
    service.run_daily(services, AS_OF)
    rows = {row["patient"]: row for row in table_rows(services, therapies)}
    assert rows["p2"]["pdc"] is None  # ESRD: excluded from PDC (PQA)
