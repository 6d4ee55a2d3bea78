"""The daily intervention run on both stores: arms, actions with reasons, idempotence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import messaging
from enlace.modules.adherence.intervention_fhir import outreach_task_id
from enlace.modules.adherence.interventions import (
    InterventionReport,
    InterventionSettings,
    TherapyRisk,
    actions_on,
    run_interventions,
)
from enlace.modules.adherence.randomization import Study, arm_for
from enlace.modules.messaging.tables import actions, assignments, outbox

DAY = date(2026, 3, 10)
NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))


def _patients_in(arm: str, study: Study, count: int, stratum: str = "moderate") -> list[str]:
    found = [f"p{i}" for i in range(500) if arm_for(study, f"p{i}", "atc:A10BA", stratum) == arm]
    return found[:count]


def _run(services: Services, scores: list[TherapyRisk], study: Study) -> InterventionReport:
    settings = InterventionSettings(study=study, sender="Clínica Enlace")
    return run_interventions(services.db, services.repo, scores, DAY, NOON, settings)


def _opt_in(services: Services, patients: list[str]) -> None:
    with services.db.begin() as conn:
        for patient in patients:
            messaging.set_preference(conn, patient, "sms", "+5255" + patient, NOON - 10**9)
            messaging.grant(conn, patient, "sms", "Clínica Enlace", "formato", NOON - 10**9)


def test_treated_get_actions_control_never_messaged(services: Services) -> None:
    study = Study(id="s1")
    treated, control = _patients_in("treated", study, 2), _patients_in("control", study, 2)
    _opt_in(services, treated + control)
    scores = [
        TherapyRisk(p, "atc:A10BA", 0.4, days_supply_left=3, medicine="metformina")
        for p in treated + control
    ]
    _run(services, scores, study)
    with services.db.read() as conn:
        messaged = {r.patient for r in conn.execute(select(outbox.c.patient))}
        arms = dict(conn.execute(select(assignments.c.patient, assignments.c.arm)).all())
        recorded = actions_on(conn, DAY)
    assert messaged == set(treated)
    assert {arms[p] for p in control} == {"control"} and {arms[p] for p in treated} == {"treated"}
    assert {a["rule"] for a in recorded} == {"R1-reminder"}
    reason = recorded[0]["features"]
    assert isinstance(reason, dict)
    assert reason["probability"] == 0.4 and reason["features"]["days_supply_left"] == 3


def test_high_risk_task_notice_and_idempotent_rerun(services: Services) -> None:
    study = Study(id="s2")
    [patient] = _patients_in("treated", study, 1, "high")
    _opt_in(services, [patient])
    risk = TherapyRisk(
        patient,
        "atc:A10BA",
        0.85,
        days_supply_left=20,
        delivery_available=True,
        clinic="Organization/clinic-1",
        prescriber="Practitioner/dr-1",
    )
    first = _run(services, [risk], study)
    second = _run(services, [risk], study)
    assert first.actions == {"R2-auto-refill": 1, "R4-outreach": 1, "R5-notify": 1}
    assert second.actions == {}
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(actions)).scalar() == 3
        content = services.repo.read(conn, "Task", outreach_task_id("s2", patient, "atc:A10BA"))
    task = orjson.loads(content.content or b"{}")
    assert task["status"] == "requested" and task["owner"] == {"reference": "Organization/clinic-1"}
    assert task["performerType"][0]["coding"][0]["code"] == "224535009"


def test_control_at_high_risk_gets_only_the_clinical_task(services: Services) -> None:
    study = Study(id="s3")
    [patient] = _patients_in("control", study, 1)
    _opt_in(services, [patient])
    # enrolled at moderate risk as control, then the risk climbs to high
    _run(services, [TherapyRisk(patient, "atc:A10BA", 0.35)], study)
    later = TherapyRisk(patient, "atc:A10BA", 0.9, prescriber="Practitioner/dr-1")
    report = run_interventions(
        services.db, services.repo, [later], date(2026, 3, 11), NOON + 86_400_000_000,
        InterventionSettings(study=study),
    )  # fmt: skip
    assert report.actions == {"R4-clinical": 1}
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
        stratum = conn.execute(select(assignments.c.stratum)).scalar()
    assert stratum == "moderate"  # the assignment never changes


def test_no_consent_recorded_as_not_sent(services: Services) -> None:
    study = Study(id="s4", control_share=0.0)
    report = _run(services, [TherapyRisk("p1", "atc:C09AA", 0.45)], study)
    assert report.messages_not_sent == {"not sent: no channel preference": 1}


def test_study_uplift_from_recorded_assignments(services: Services) -> None:
    from enlace.modules.adherence.intervention_report import risk_from_score, study_uplift

    study = Study(id="s5")
    treated, control = _patients_in("treated", study, 2), _patients_in("control", study, 2)
    risks = [
        risk_from_score(p, "atc:A10BA", 0.4, [{"feature": "days_late", "contribution": 0.2}])
        for p in treated + control
    ]
    _run(services, risks, study)
    start = DAY.toordinal()
    # treated: fully covered 90 days; control: 30 days then nothing (abandoned)
    supply = {p: 90 for p in treated} | {p: 30 for p in control}

    def fills_of(patient: str, therapy: str) -> tuple[list[int], list[int], int]:
        return [start], [supply[patient]], 0

    with services.db.read() as conn:
        early = study_uplift(conn, fills_of, date(2026, 5, 1), lambda t: 60, study, bootstrap=0)
        report = study_uplift(conn, fills_of, date(2026, 9, 1), lambda t: 60, study, bootstrap=0)
    assert early.pdc.difference is None  # follow-up not over yet: nothing to compare
    assert report.pdc.difference == pytest.approx(1.0 - 30 / 90)
    assert report.abandonment.difference == pytest.approx(-1.0)
    [month] = report.monthly
    assert (month.month, month.n_treated, month.n_control) == ("2026-03", 2, 2)


def test_written_resources_are_valid_r4(services: Services) -> None:
    study = Study(id="s6")
    [patient] = _patients_in("treated", study, 1, "high")
    _opt_in(services, [patient])
    risk = TherapyRisk(
        patient, "atc:A10BA", 0.9, clinic="Organization/c1", prescriber="Practitioner/d1"
    )
    _run(services, [risk], study)
    messaging.deliver_due(services.db, services.repo, NOON, services.settings.var_dir)
    with services.db.read() as conn:
        written = [
            orjson.loads(v.content or b"{}")
            for t in ("Task", "Communication")
            for v in services.repo.scan(conn, t)
        ]
    assert {r["resourceType"] for r in written} == {"Task", "Communication"}
    assert len(written) == 3  # the outreach Task, the physician's notice, the patient's message
    for resource in written:
        assert services.validate(resource) == [], resource


def test_completed_outreach_is_not_reopened_for_two_weeks(services: Services) -> None:
    study = Study(id="s7")
    [patient] = _patients_in("treated", study, 1, "high")
    risk = TherapyRisk(patient, "atc:A10BA", 0.9)
    settings = InterventionSettings(study=study)
    task_id = outreach_task_id("s7", patient, "atc:A10BA")

    def run(day: date) -> int:
        report = run_interventions(services.db, services.repo, [risk], day, NOON, settings)
        return report.actions.get("R4-outreach", 0)

    assert run(date(2026, 1, 1)) == 1
    assert run(date(2026, 1, 2)) == 0  # still open
    with services.db.begin() as conn:  # the nurse called (the test clock says 2026-01-01)
        task = orjson.loads(services.repo.read(conn, "Task", task_id).content or b"{}")
        services.repo.update(conn, {**task, "status": "completed"}, task_id)
    assert run(date(2026, 1, 14)) == 0  # closed 13 days ago
    assert run(date(2026, 1, 15)) == 1
    with services.db.read() as conn:
        reopened = orjson.loads(services.repo.read(conn, "Task", task_id).content or b"{}")
    assert reopened["status"] == "requested"
