"""Patient education on both stores: sequences from the record, event triggers, delivery
through the messaging outbox (consent and caps honoured), reading and quiz tracked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import education, messaging
from enlace.modules.education import patient as deliveries
from enlace.modules.education.domain import WEEK_US
from enlace.modules.education.record import EDUCATION_SYSTEM, MONITORING_RULES
from enlace.modules.messaging.tables import outbox

from .support import DAY, NOON, opted_in_patient

BASE = "https://enlace.example"
KEY = education.link_key("test secret")


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat()


def _run(services: Services, now: int) -> education.JobReport:
    with services.db.begin() as conn:
        return education.run(conn, services.repo, 0, now, BASE, KEY)


def _deliveries(services: Services, patient: str) -> list[education.Delivery]:
    with services.db.read() as conn:
        return education.deliveries_of(conn, patient)


def test_a_new_diagnosis_schedules_its_sequence_and_sends_the_first_item(
    services: Services,
) -> None:
    patient = opted_in_patient(services)
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]},
        "onsetDateTime": _iso(NOON - DAY),
    }
    with services.db.begin() as conn:
        services.repo.create(conn, condition)
    report = _run(services, NOON)
    sequence = education.catalogue().sequence("t2d", "new-diagnosis")
    assert report.scheduled == {"care-plan": len(sequence)}
    assert report.sent == {"queued": 1}
    found = _deliveries(services, patient)
    assert [d.item for d in found] == [i.id for i in sequence]
    assert [d.status for d in found] == ["queued"] + ["scheduled"] * (len(sequence) - 1)
    with services.db.read() as conn:
        message = conn.execute(select(outbox)).mappings().one()
    assert message["kind"] == "education" and message["patient"] == patient
    link = education.link_token(KEY, found[0].id)  # the id and its HMAC: a capability
    assert f"{BASE}/learn/{sequence[0].id}?d={link}" in message["text"]
    assert sequence[0].message.es in message["text"]
    again = _run(services, NOON + 1)  # the same record again: nothing new
    assert again.scheduled == {} and again.sent == {}
    later = _run(services, NOON - DAY + sequence[1].week * WEEK_US + DAY)
    assert later.sent == {"queued": 1}


def test_an_old_diagnosis_schedules_nothing(services: Services) -> None:
    patient = opted_in_patient(services)
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]},
        "onsetDateTime": "2020-01-01",
    }
    with services.db.begin() as conn:
        services.repo.create(conn, condition)
    assert _run(services, NOON).scheduled == {}


def test_a_care_plan_activity_schedules_a_sequence(services: Services) -> None:
    patient = opted_in_patient(services)
    plan = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{patient}"},
        "period": {"start": _iso(NOON)},
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "code": {"coding": [{"system": EDUCATION_SYSTEM, "code": "hypertension"}]},
                }
            }
        ],
    }
    with services.db.begin() as conn:
        services.repo.create(conn, plan)
    report = _run(services, NOON)
    assert report.scheduled == {
        "care-plan": len(education.catalogue().sequence("hypertension", "new-diagnosis"))
    }


def test_a_hypoglycaemia_alert_triggers_the_hypo_item_once_a_month(services: Services) -> None:
    patient = opted_in_patient(services)
    for _ in range(2):
        flag = {
            "resourceType": "Flag",
            "status": "active",
            "subject": {"reference": f"Patient/{patient}"},
            "code": {"coding": [{"system": MONITORING_RULES, "code": "glucose-low"}]},
        }
        with services.db.begin() as conn:
            services.repo.create(conn, flag)
    report = _run(services, NOON)
    assert report.scheduled == {"hypoglycaemia": 1} and report.sent == {"queued": 1}
    assert [d.item for d in _deliveries(services, patient)] == ["hypo-after"]


def test_a_first_insulin_prescription_triggers_starting_insulin(services: Services) -> None:
    patient = opted_in_patient(services)
    for when, medicine in (
        ("2026-03-01", "metformin-850-tab"),
        ("2026-03-09", "insulin-glargine-100-pen"),
    ):
        request = {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{patient}"},
            "authoredOn": when,
            "medicationReference": {"reference": f"Medication/med-{medicine}"},
        }
        with services.db.begin() as conn:
            services.repo.create(conn, request)
    report = _run(services, NOON)
    assert report.scheduled == {"insulin": 1}
    assert [d.item for d in _deliveries(services, patient)] == ["insulin-start"]


def test_without_consent_the_item_is_recorded_not_sent(services: Services) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient"}, "pt-2")
        messaging.set_preference(conn, "pt-2", "sms", "+525500000000", NOON - DAY)
        education.trigger(conn, "pt-2", "insulin", "test", NOON)
        sent = education.send_due(conn, NOON, BASE, KEY)
    assert sent == {"not-sent": 1}
    delivery = _deliveries(services, "pt-2")[0]
    assert delivery.status == "not-sent" and delivery.outcome


def test_the_education_cap_holds_back_a_second_item_the_same_day(services: Services) -> None:
    patient = opted_in_patient(services)
    with services.db.begin() as conn:
        education.trigger(conn, patient, "insulin", "a", NOON)
        education.trigger(conn, patient, "hypoglycaemia", "b", NOON)
        sent = education.send_due(conn, NOON, BASE, KEY)
    assert sent == {"queued": 1, "not-sent": 1}


def test_reading_and_the_quiz_are_tracked(services: Services) -> None:
    patient = opted_in_patient(services)
    with services.db.begin() as conn:
        (delivery,) = education.trigger(conn, patient, "hypoglycaemia", "flag", NOON)
        opened = education.mark(conn, delivery, "opened", NOON + 1)
        again = education.mark(conn, delivery, "opened", NOON + 2)
        quiz = education.catalogue().items["hypo-after"].quiz
        assert quiz is not None
        done = education.mark(conn, delivery, "quiz", NOON + 3, quiz.answer)
    assert opened.opened_us == again.opened_us == NOON + 1
    assert done.finished_us == NOON + 3 and done.quiz_correct is True


def test_bad_marks_are_refused(services: Services) -> None:
    patient = opted_in_patient(services)
    with services.db.begin() as conn:
        (delivery,) = education.trigger(conn, patient, "infusion", "need/1", NOON)
    cases = [
        ("nope", "opened", None, 404),
        (delivery, "liked", None, 400),
        (delivery, "quiz", 0, 400),
    ]
    for ident, what, answer, status in cases:  # infusion-before has no quiz
        with pytest.raises(FhirError) as exc, services.db.begin() as conn:
            education.mark(conn, ident, what, NOON, answer)
        assert exc.value.status == status
    with pytest.raises(FhirError) as unknown, services.db.begin() as conn:
        education.trigger(conn, patient, "birthday", "x", NOON)
    assert unknown.value.status == 400


def test_a_sequence_scheduled_again_or_by_two_runs_at_once_is_written_once(
    services: Services,
) -> None:
    """The writer's ON CONFLICT names the table's key, (patient, id) since migration 0040: the
    same sequence again adds nothing, and a row two racing runs both try to write (past the
    check for existing rows) is one row; another patient's delivery is its own."""
    sequence = education.catalogue().sequence("t2d", "new-diagnosis")
    with services.db.begin() as conn:
        made = education.schedule_sequence(conn, "pt-1", "t2d", "new-diagnosis", NOON, "c", NOON)
        again = education.schedule_sequence(conn, "pt-1", "t2d", "new-diagnosis", NOON, "c", NOON)
        other = education.schedule_sequence(conn, "pt-9", "t2d", "new-diagnosis", NOON, "c", NOON)
        item = education.catalogue().items["hypo-after"]
        row = deliveries._row("pt-1", item, "hypoglycaemia", "Flag/f1", NOON, NOON)
        deliveries._insert_new(conn, [row, dict(row)])  # what two racing runs would both insert
    assert len(made) == len(other) == len(sequence) and again == []
    assert not set(made) & set(other)  # the id hashes the patient
    assert len(_deliveries(services, "pt-1")) == len(sequence) + 1
    assert len(_deliveries(services, "pt-9")) == len(sequence)
