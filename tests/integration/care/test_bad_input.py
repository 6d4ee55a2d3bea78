"""Bad input (issue 14): a service the facility does not offer (422 naming performer), a
transition the state does not allow (409), a taken slot (409, and two threads racing for one
slot: exactly one wins), booking outside the rules (422), a teleconsult for an in-person
appointment (422), SLA breaches escalated once. Both stores; nothing partial is written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import care
from enlace.modules.care import scheduling, teleconsult
from enlace.modules.care.tables import appointments, referrals
from tests.integration.care.care_support import (
    CLINIC,
    DAY,
    HOSPITAL,
    HOUR,
    now_us,
    patient,
    read,
    referral,
    slots,
)


def count(services: Services, table: object) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_service_not_offered_is_422_naming_performer(services: Services) -> None:
    pid = patient(services)
    with pytest.raises(errors.FhirError) as caught:
        referral(services, pid, service="oncology")  # level 2 has no oncology
    assert caught.value.status == 422
    [issue] = caught.value.issues
    assert issue.expression == "performer" and "oncology" in issue.diagnostics
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        care.refer(
            conn,
            services.repo,
            patient=pid,
            from_org=CLINIC,
            to_org="Organization/org-nowhere",
            service="cardiology",
            urgency="routine",
            reason="x",
            now_us=now_us(services),
        )
    assert caught.value.status == 422 and caught.value.issues[0].expression == "performer"
    with pytest.raises(errors.FhirError) as caught:
        referral(services, pid, urgency="whenever")
    assert caught.value.status == 400 and caught.value.issues[0].expression == "priority"
    assert count(services, referrals) == 0


def test_transition_not_allowed_is_409(services: Services) -> None:
    pid = patient(services)
    rid = referral(services, pid)
    db, repo, t = services.db, services.repo, now_us(services)
    with pytest.raises(errors.FhirError) as caught, db.begin() as conn:
        care.complete(conn, repo, rid, summary="s", follow_up="", by="x", now_us=t)
    assert caught.value.status == 409 and "requested" in caught.value.message
    with db.begin() as conn:
        care.reject(conn, repo, rid, "Dr. X", "No cumple criterios", t)
    with pytest.raises(errors.FhirError) as caught, db.begin() as conn:
        care.accept(conn, repo, rid, "Dr. Y", t)
    assert caught.value.status == 409 and "rejected" in caught.value.message
    assert read(services, "ServiceRequest", rid)["status"] == "revoked"
    assert read(services, "Task", _task(services, rid))["status"] == "rejected"


def _task(services: Services, rid: str) -> str:
    with services.db.read() as conn:
        return str(
            conn.execute(select(referrals.c.task_id).where(referrals.c.id == rid)).scalar_one()
        )


def test_breached_clock_escalates_once(services: Services) -> None:
    pid = patient(services)
    rid = referral(services, pid, urgency="urgent")  # 7 days
    db, repo = services.db, services.repo
    with db.read() as conn:
        [item] = care.worklist(conn, HOSPITAL, "receiving")
    t = item.requested_us
    assert item.due_us == t + 7 * DAY
    assert care.escalate_breached(db, repo, t + 7 * DAY - 1) == []
    [breach] = care.escalate_breached(db, repo, t + 7 * DAY + 2 * HOUR)
    assert (breach.referral, breach.late_hours, breach.to_org) == (rid, 2.0, HOSPITAL)
    assert care.escalate_breached(db, repo, t + 8 * DAY) == []
    task = read(services, "Task", _task(services, rid))
    assert task["priority"] == "stat" and "Plazo vencido" in task["note"][-1]["text"]
    with db.read() as conn:
        [item] = care.worklist(conn, HOSPITAL, "receiving")
    assert item.breached


def test_taken_slot_is_409(services: Services) -> None:
    a, b = patient(services, "p-a"), patient(services, "p-b")
    t = now_us(services)
    [slot] = slots(services, [t + DAY])
    with services.db.begin() as conn:
        care.book(conn, services.repo, slot, a, t)
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        care.book(conn, services.repo, slot, b, t)
    assert caught.value.status == 409
    assert count(services, appointments) == 1


def test_two_threads_race_for_one_slot(services: Services) -> None:
    people = [patient(services, f"p-race-{i}") for i in range(4)]
    t = now_us(services)
    [slot] = slots(services, [t + DAY])
    start = threading.Barrier(len(people))
    outcomes: list[str] = []

    def attempt(pid: str) -> None:
        start.wait()
        try:
            with services.db.begin() as conn:
                care.book(conn, services.repo, slot, pid, t)
            outcomes.append("booked")
        except errors.FhirError as exc:
            outcomes.append(str(exc.status))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["409", "409", "409", "booked"]
    assert count(services, appointments) == 1
    assert read(services, "Slot", slot)["status"] == "busy"


def test_booking_rules(services: Services) -> None:
    pid = patient(services)
    t = now_us(services)
    # publish returns the slots in time order
    soon, *ok, far = slots(
        services, [t + HOUR, t + 90 * DAY, t + DAY, t + 2 * DAY, t + 3 * DAY, t + 4 * DAY]
    )
    for slot, words in ((soon, "2 h ahead"), (far, "60 days")):
        with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
            care.book(conn, services.repo, slot, pid, t)
        assert caught.value.status == 422 and words in caught.value.message
    booked = []
    for slot in ok[:3]:
        with services.db.begin() as conn:
            booked.append(care.book(conn, services.repo, slot, pid, t))
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        care.book(conn, services.repo, ok[3], pid, t)
    assert caught.value.status == 422 and "max 3" in caught.value.message
    # cancellation window: 24 h; the first is exactly 24 h away at t + 1 s -> refused
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        care.cancel(conn, services.repo, booked[0].appointment, t + 1)
    assert caught.value.status == 422
    with services.db.begin() as conn:
        care.cancel(conn, services.repo, booked[1].appointment, t)
    assert read(services, "Slot", booked[1].slot)["status"] == "free"
    assert read(services, "Appointment", booked[1].appointment)["status"] == "cancelled"
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        scheduling.no_show(conn, services.repo, booked[0].appointment, t)
    assert caught.value.status == 422
    with services.db.begin() as conn:
        scheduling.no_show(conn, services.repo, booked[0].appointment, t + DAY + HOUR)
    with services.db.read() as conn:
        assert scheduling.no_show_rate(conn, HOSPITAL, t, t + 10 * DAY) == 1.0


def test_teleconsult(services: Services) -> None:
    pid = patient(services)
    t = now_us(services)
    present, virtual = slots(services, [t + DAY], "in-person") + slots(
        services, [t + DAY], "virtual"
    )
    with services.db.begin() as conn:
        in_person = care.book(conn, services.repo, present, pid, t)
        video = care.book(conn, services.repo, virtual, pid, t)
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        teleconsult.start(conn, services.repo, in_person.appointment, t + DAY)
    assert caught.value.status == 422
    assert caught.value.issues[0].expression == "Appointment.appointmentType"
    with services.db.begin() as conn:
        encounter, link = teleconsult.start(conn, services.repo, video.appointment, t + DAY)
        note = teleconsult.note(
            conn, services.repo, encounter, "Disnea leve", "Practitioner/x", t + DAY
        )
        rx = teleconsult.order(
            conn,
            services.repo,
            encounter,
            {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"text": "Furosemida 40 mg"},
                "subject": {"reference": "Patient/other"},
            },
        )
        teleconsult.finish(conn, services.repo, encounter, t + DAY + HOUR)
    assert link.startswith("https://video.test.enlace.example.mx/sala/")
    found = read(services, "Encounter", encounter)
    assert (found["status"], found["class"]["code"]) == ("finished", "VR")
    assert read(services, "Communication", note)["encounter"] == {
        "reference": f"Encounter/{encounter}"
    }
    prescription = read(services, "MedicationRequest", rx)
    assert prescription["subject"] == {"reference": f"Patient/{pid}"}
    assert read(services, "Appointment", video.appointment)["status"] == "fulfilled"
