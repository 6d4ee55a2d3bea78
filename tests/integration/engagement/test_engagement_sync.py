"""The patient app's upload on both stores: check-offs with resends, the taken-wins conflict
rule, a stopped prescription; readings through monitoring ingestion with the verdict and the
physician's alert; every bad item refused with its location, nothing written for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import engagement
from enlace.modules.engagement.tables import engagement_dose_log, engagement_doses
from enlace.modules.monitoring.tables import alerts, readings
from tests.integration.engagement.support import (
    AT,
    DAY,
    LOSARTAN,
    METFORMIN,
    OTHER,
    OTHERS_RX,
    PATIENT,
    dose,
    prescription,
    put,
    reading,
    world,
)

APP = engagement.Actor("user-pa1", (PATIENT,), "app")
CAREGIVER = engagement.Actor("user-cg", (PATIENT,), "caregiver")


@pytest.fixture
def ready(services: Services) -> Services:
    world(services)
    return services


def upload(services: Services, actor: engagement.Actor, *items: dict[str, Any]) -> list[Any]:
    answer = engagement.sync(services.db, services.repo, actor, {"items": list(items)})
    return list(answer["items"])


def count(services: Services, table: Any) -> int:
    with services.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_check_offs_are_written_once_and_listed_for_the_day(ready: Services) -> None:
    first = upload(ready, APP, dose("c-0000001"), dose("c-0000002", LOSARTAN))
    assert [a["status"] for a in first] == ["created", "created"]
    again = upload(ready, APP, dose("c-0000001"))
    assert again[0]["status"] == "duplicate" and again[0]["firstStatus"] == "created"
    assert count(ready, engagement_doses) == 2 and count(ready, engagement_dose_log) == 2
    slots = engagement.doses_for(ready.db, ready.repo, PATIENT, date.fromisoformat(DAY))
    shown = [(s.slot, s.medicine, s.status) for s in slots]
    assert shown == [("08:00", "Losartán 50 mg", "taken"), ("08:00", "Metformina 850 mg", "taken"),
                     ("20:00", "Metformina 850 mg", None)]  # fmt: skip


def test_offline_skip_meets_a_caregivers_taken_and_taken_stands(ready: Services) -> None:
    assert upload(ready, CAREGIVER, dose("cg-000001"))[0]["status"] == "created"
    # The patient's phone, offline, had shown nothing and the patient tapped "skipped".
    answer = upload(ready, APP, dose("ph-000001", status="skipped", seen=None))[0]
    assert answer["status"] == "conflict"
    assert answer["dose"]["status"] == "taken" and answer["dose"]["source"] == "caregiver"
    # The other way round: an earlier "skipped" is overridden by an offline "taken".
    upload(ready, CAREGIVER, dose("cg-000002", slot="20:00", status="skipped"))
    merged = upload(ready, APP, dose("ph-000002", slot="20:00", seen=None))[0]
    assert merged["status"] == "merged" and merged["dose"]["status"] == "taken"
    assert merged["dose"]["version"] == 2
    assert count(ready, engagement_dose_log) == 4  # every report kept


def test_a_check_off_for_a_stopped_prescription_is_kept_and_says_so(ready: Services) -> None:
    put(ready, prescription(LOSARTAN, PATIENT, "Losartán 50 mg", 1, status="stopped"))
    answer = upload(ready, APP, dose("c-stopped1", LOSARTAN))[0]
    assert answer["status"] == "created" and answer["prescription"] == "stopped"


@pytest.mark.parametrize(
    ("item", "location", "http"),
    [(dose("b-0000001", OTHERS_RX), "items[0].request", 404),  # another patient's prescription
     (dose("b-0000002", pid=OTHER), "items[0].patient", 404),  # a patient they do not act for
     (dose("b-0000003", slot="13:00"), "items[0].slot", 400),  # no dose at that time
     (dose("b-0000004", status="maybe"), "items[0].status", 400),
     ({**dose("b-0000005"), "day": "31/12/2025"}, "items[0].day", 400),
     ({**dose("b-0000006"), "capturedAt": "2025-12-31T17:00:00"}, "items[0].capturedAt", 400)],
)  # fmt: skip
def test_bad_check_offs_are_refused_where_they_are_wrong(
    ready: Services, item: dict[str, Any], location: str, http: int
) -> None:
    answer = upload(ready, APP, item)[0]
    assert answer["status"] == "refused" and answer["httpStatus"] == http
    assert answer["outcome"]["issue"][0]["expression"] == [location]
    assert count(ready, engagement_dose_log) == 0 and count(ready, engagement_doses) == 0


def test_a_client_id_reused_for_another_report_is_refused(ready: Services) -> None:
    upload(ready, APP, dose("c-reused01"))
    answer = upload(ready, APP, dose("c-reused01", slot="20:00"))[0]
    assert answer["status"] == "refused" and answer["httpStatus"] == 409
    assert answer["outcome"]["issue"][0]["expression"] == ["items[0].clientId"]


def test_a_high_glucose_gets_feedback_and_alerts_the_physician(ready: Services) -> None:
    first = upload(ready, APP, reading("g-0000001", value=280))[0]
    assert first["status"] == "created" and first["verdict"]["level"] == "high"
    assert first["verdict"]["params"]["own"] is True and first["verdict"]["params"]["high"] == 150
    later = "2025-12-31T17:40:00-06:00"
    second = upload(ready, APP, reading("g-0000002", value=330, at=later))[0]
    assert second["verdict"]["level"] == "danger-high" and second["alerted"]
    with ready.db.begin() as conn:
        opened = conn.execute(select(alerts.c.rule, alerts.c.patient)).all()
    assert [(r.rule, r.patient) for r in opened] == [("glucose-high", PATIENT)]
    resent = upload(ready, APP, reading("g-0000002", value=330, at=later))[0]
    assert resent["status"] == "duplicate" and resent["alerted"] == second["alerted"]
    assert count(ready, readings) == 2


def test_blood_pressure_and_weight_land_in_the_monitoring_series(ready: Services) -> None:
    answers = upload(ready, APP, reading("bp-000001", "bp", 150, "mmHg", 95),
                     reading("kg-000001", "weight", 154, "lb"))  # fmt: skip
    assert [a["status"] for a in answers] == ["created", "created"]
    assert answers[0]["verdict"]["key"] == "feedback.bp_high"
    assert answers[1]["reading"]["value"] == pytest.approx(69.9, abs=0.1)
    assert count(ready, readings) == 2


@pytest.mark.parametrize(
    ("item", "location"),
    [(reading("r-0000001", unit="mmol/mol"), "items[0].unit"),
     (reading("r-0000002", value=2000), "items[0].value"),
     (reading("r-0000003", "bp", 120, "mmHg", 140), "items[0].value2"),
     (reading("r-0000004", pid=OTHER), "items[0].patient"),
     (reading("r-0000005", at="2026-03-01T08:00:00-06:00"), "items[0].capturedAt")],
)  # fmt: skip
def test_bad_readings_are_refused_and_store_nothing(
    ready: Services, item: dict[str, Any], location: str
) -> None:
    answer = upload(ready, APP, item)[0]
    assert answer["status"] == "refused"
    assert answer["outcome"]["issue"][0]["expression"] == [location]
    assert count(ready, readings) == 0


def test_a_malformed_batch_is_refused_whole(ready: Services) -> None:
    bodies = [{"items": []}, {"items": [dose("x-0000001"), dose("x-0000001")]},
              {"items": [{"kind": "note"}]}, {"items": [{**dose("x-0000002"), "extra": 1}]}, []]  # fmt: skip
    for body in bodies:
        with pytest.raises(errors.FhirError) as refused:
            engagement.sync(ready.db, ready.repo, APP, body)
        assert refused.value.status == 400
    assert count(ready, engagement_dose_log) == 0
    assert datetime.fromisoformat(AT).tzinfo is not None


def test_an_sms_reply_lands_in_the_callers_transaction_like_a_tap(ready: Services) -> None:
    report = engagement.DoseReport(
        patient=PATIENT, request=METFORMIN, day=date.fromisoformat(DAY), slot="20:00",
        status="taken", at=datetime.fromisoformat(AT), by="+5213312345678", source="sms",
        client_id="sms-msg-0001",
    )  # fmt: skip
    with ready.db.begin() as conn:
        first = engagement.record_dose_in(conn, ready.repo, report)
    assert first["status"] == "created" and first["dose"]["source"] == "sms"
    with ready.db.begin() as conn:  # the gateway delivers the same message again
        assert engagement.record_dose_in(conn, ready.repo, report)["status"] == "duplicate"
    answer = upload(ready, APP, dose("ph-000009", slot="20:00", status="skipped"))[0]
    assert answer["status"] == "conflict" and answer["dose"]["source"] == "sms"


def test_two_different_readings_at_the_same_instant_are_not_both_claimed(ready: Services) -> None:
    first = upload(ready, APP, reading("same-00001", value=200))[0]
    second = upload(ready, APP, reading("same-00002", value=210))[0]
    assert first["status"] == "created"
    assert second["status"] == "refused" and second["httpStatus"] == 409
    assert second["outcome"]["issue"][0]["expression"] == ["items[0].capturedAt"]
    assert count(ready, readings) == 1
