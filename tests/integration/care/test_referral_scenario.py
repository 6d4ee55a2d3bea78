"""Done-when (issue 14): a monitoring escalation produces a referral that the hospital accepts,
schedules and closes with a counter-referral that the referring clinic sees. Both stores."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules import care
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import escalation
from tests.integration.care.care_support import DOCTOR, read, slots
from tests.integration.monitoring.alert_support import (
    DAY,
    HOSPITAL,
    MINUTE,
    ORG,
    alert_rows,
    care_world,
    ingest,
    now_us,
    reading,
)


def test_escalation_to_counter_referral(services: Services) -> None:
    p = care_world(services, "p-referred")
    ingest(services, [reading(p, d.BP_PANEL, 195, now_us(services), value2=110)])
    [row] = alert_rows(services)
    db, repo = services.db, services.repo
    escalation.escalate_due(db, repo, row.opened_us + 15 * MINUTE)
    escalation.escalate_due(db, repo, row.opened_us + 31 * MINUTE)
    [row] = alert_rows(services)
    referral_id = row.service_request_id
    with db.read() as conn:
        [item] = care.worklist(conn, HOSPITAL, "receiving")
    assert (item.id, item.patient, item.status, item.service) == (
        referral_id,
        p,
        "requested",
        "emergency",
    )
    assert item.urgency == "asap"
    # asap: the 24 h clock from the escalation
    assert item.due_us == row.opened_us + 31 * MINUTE + DAY
    t0 = now_us(services)
    with db.begin() as conn:
        care.accept(conn, repo, referral_id, "Dra. Ruiz", t0)
    [slot] = slots(services, [t0 + 6 * 3_600_000_000])
    with db.begin() as conn:
        booked = care.book(conn, repo, slot, p, t0, by="staff", referral_id=referral_id)
    with db.begin() as conn:
        counter = care.complete(
            conn,
            repo,
            referral_id,
            summary="Crisis hipertensiva controlada",
            follow_up="Control de TA semanal",
            by="Dr. Soto",
            now_us=t0 + DAY,
        )
    with db.read() as conn:
        [sent] = care.worklist(conn, ORG, "sending")
        numbers = care.indicators(conn, HOSPITAL)
    assert (sent.id, sent.status, sent.counter_referral) == (referral_id, "completed", counter)
    assert sent.appointment_us == t0 + 6 * 3_600_000_000
    back = read(services, "ServiceRequest", counter)
    assert back["performer"] == [{"reference": ORG}]
    assert back["requester"]["reference"] == HOSPITAL
    assert back["basedOn"] == [{"reference": f"ServiceRequest/{referral_id}"}]
    assert back["note"][0]["text"] == "Crisis hipertensiva controlada"
    original = read(services, "ServiceRequest", referral_id)
    assert original["status"] == "completed"
    task = read(services, "Task", item.task_id)
    assert task["status"] == "completed"
    assert task["focus"] == {"reference": f"ServiceRequest/{referral_id}"}
    outputs = [o["valueReference"]["reference"] for o in task["output"]]
    assert outputs == [f"Appointment/{booked.appointment}", f"ServiceRequest/{counter}"]
    appointment = read(services, "Appointment", booked.appointment)
    assert appointment["basedOn"] == [{"reference": f"ServiceRequest/{referral_id}"}]
    assert {"actor": {"reference": DOCTOR}, "status": "accepted"} in appointment["participant"]
    assert numbers.referrals == 1 and numbers.completed == 1
    assert numbers.closed_with_counter_referral == 1.0
    # requested at the escalation, seen 6 h after t0
    expected = (t0 + 6 * 3_600_000_000 - (row.opened_us + 31 * MINUTE)) / DAY
    assert numbers.median_days_to_appointment == round(expected, 2)
