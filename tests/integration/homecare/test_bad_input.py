"""Bad input to home care: a lot in cold-chain quarantine, implausible vitals, an infusion
without its administration, a visit nobody can take, an unusable prescription schedule — each
refused (or reported) naming the problem, nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import homecare
from tests.integration.coldchain.support import INSULIN, LOT
from tests.integration.coldchain.test_flow import open_excursion
from tests.integration.homecare.support import DAY, prescription, setup

NOON = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def planned_visit(services: Services) -> homecare.VisitView:
    with services.db.begin() as conn:
        homecare.plan_day(conn, DAY)
        (visit,) = homecare.day_visits(conn, DAY)
    return visit


def test_a_lot_in_cold_chain_quarantine_is_not_administered(
    client: TestClient, services: Services
) -> None:
    open_excursion(client, services)  # insulin lot INS-A1 quarantined at the clinic
    setup(services, medication=INSULIN)
    visit = planned_visit(services)
    record = homecare.VisitRecord(
        vitals={"heart-rate": 80},
        administration=homecare.Administration(lot=LOT, dose=10, unit="[iU]", route="SC"),
    )
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
        homecare.document_visit(conn, services.repo, visit.id, "ana", record, NOON)
    assert refused.value.status == 409
    assert f"lot {LOT} of {INSULIN} is in cold-chain quarantine" in refused.value.message
    assert refused.value.issues[0].expression == "administration.lot"
    with services.db.begin() as conn:
        assert homecare.get_visit(conn, visit.id).status == "planned"  # type: ignore[union-attr]
        other = replace(record, administration=homecare.Administration("INS-B2", 10, "[iU]"))
        written = homecare.document_visit(conn, services.repo, visit.id, "ana", other, NOON)
    assert len(written) == 2


def test_implausible_vitals_and_a_missing_administration_are_named(services: Services) -> None:
    setup(services)
    visit = planned_visit(services)
    record = homecare.VisitRecord(vitals={"systolic": 400, "glucose": 5})
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
        homecare.document_visit(conn, services.repo, visit.id, "ana", record, NOON)
    assert refused.value.status == 400
    assert sorted(str(i.expression) for i in refused.value.issues) == [
        "administration",
        "vitals.glucose",
        "vitals.systolic",
    ]
    with services.db.read() as conn:
        assert homecare.get_visit(conn, visit.id).status == "planned"  # type: ignore[union-attr]


def test_a_visit_nobody_can_take_is_reported_with_the_reason(services: Services) -> None:
    setup(services)
    with services.db.begin() as conn:
        away = homecare.Need(
            "wound-east", "p-east", "nursing", "oriente", 19.40, -99.05, date(2026, 11, 26), 7
        )
        oncology = homecare.Need(
            "onco-north", "p-north", "oncology-followup", "norte", 19.46, -99.14, DAY, 7
        )
        homecare.add_need(conn, away)
        homecare.add_need(conn, oncology)
        result = homecare.plan_day(conn, DAY)
        views = {v.id: v for v in homecare.day_visits(conn, DAY)}
    reasons = {views[u.visit_id].patient: u.reason for u in result.unassigned}
    assert reasons == {"p-east": "outside-zones", "p-north": "no-skill"}
    stored = {v.patient: (v.status, v.reason) for v in views.values()}
    assert stored["p-east"] == ("unassigned", "outside-zones")
    assert stored["p-north"] == ("unassigned", "no-skill")
    assert len(views) == 3  # the infusion is planned, the other two kept and reported


def test_unusable_schedules_and_needs_are_refused(services: Services) -> None:
    request = prescription("p1")
    request["id"] = "mr1"
    del request["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]
    with pytest.raises(errors.FhirError) as no_start:
        homecare.need_from_prescription(request, zone="norte", latitude=19.4, longitude=-99.1)
    assert no_start.value.status == 400
    assert (
        no_start.value.issues[0].expression
        == "MedicationRequest.dosageInstruction[0].timing.repeat"
    )
    bad = homecare.Need(
        "n1",
        "p1",
        "infusion",
        "norte",
        19.4,
        -99.1,
        DAY,
        0,
        visit_minutes=300,
        window_start=600,
        window_end=660,
        medication="no-such-medicine",
        facility="x",
    )
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
        homecare.add_need(conn, bad)
    assert sorted(str(i.expression) for i in refused.value.issues) == [
        "every_days",
        "medication",
        "window",
    ]
    with services.db.read() as conn:
        assert homecare.list_needs(conn) == []
