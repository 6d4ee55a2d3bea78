"""The demo's care-coordination steps (sim/coordination_demo.py) on both stores: a monitoring
referral accepted, scheduled and closed with a counter-referral; the clinic's agenda with a
booked control and a started teleconsult; a biologic given at home and documented. Each run twice writes nothing new
the second time (scripts/demo.sh may be run again)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from enlace.interactions.context import Services
from enlace.modules import care, homecare
from enlace.modules.care import scheduling
from enlace.sim import coordination_demo
from tests.integration.care.care_support import CLINIC, DOCTOR, HOSPITAL, now_us, patient, read

LOCAL = ZoneInfo("America/Mexico_City")


def _monitoring_referral(services: Services, pid: str) -> str:
    with services.db.begin() as conn:
        made = care.refer(
            conn,
            services.repo,
            patient=pid,
            from_org=CLINIC,
            to_org=HOSPITAL,
            service=care.ALERT_SERVICE,
            urgency="asap",
            reason="Aumento de peso de 3.1 kg en 3 días",
            now_us=now_us(services) - 3 * 24 * coordination_demo.HOUR_US,
            source="monitoring-alert:a1",
        )
    return made.id


def test_the_monitoring_referral_is_closed_with_a_counter_referral(services: Services) -> None:
    assert coordination_demo.close_monitoring_referral(services) is None  # nothing to close
    rid = _monitoring_referral(services, patient(services))
    closed = coordination_demo.close_monitoring_referral(services)
    assert closed is not None and closed.referral == rid and closed.status == "completed"
    assert closed.hospital == HOSPITAL and closed.appointment and closed.counter_referral
    counter = read(services, "ServiceRequest", closed.counter_referral)
    assert counter["basedOn"] == [{"reference": f"ServiceRequest/{rid}"}]
    assert counter["performer"] == [{"reference": CLINIC}]
    appointment = read(services, "Appointment", closed.appointment)
    assert appointment["basedOn"] == [{"reference": f"ServiceRequest/{rid}"}]
    assert read(services, "Task", care_task(services, rid))["status"] == "completed"
    with services.db.read() as conn:
        numbers = care.indicators(conn, HOSPITAL)
    assert numbers.closed_with_counter_referral == 1
    again = coordination_demo.close_monitoring_referral(services)
    assert again == closed  # the second run finds it done


def care_task(services: Services, rid: str) -> str:
    with services.db.read() as conn:
        return str(care.referral(conn, rid).task_id)


def test_the_clinic_agenda_opens_once_with_a_started_teleconsult(services: Services) -> None:
    pid = patient(services)
    today = datetime.fromtimestamp(now_us(services) / 1e6, LOCAL).date()
    first = coordination_demo.open_clinic_agenda(services, DOCTOR, CLINIC, pid, today)
    per_day = len(coordination_demo.AGENDA_HOURS) + 1
    assert first.published == coordination_demo.AGENDA_DAYS * per_day
    assert first.control and first.teleconsult and first.encounter and first.join_link
    assert read(services, "Appointment", first.control)["status"] == "booked"
    assert read(services, "Appointment", first.teleconsult)["status"] == "arrived"
    encounter = read(services, "Encounter", first.encounter)
    assert encounter["class"]["code"] == "VR" and encounter["subject"]["reference"].endswith(pid)
    with services.db.read() as conn:
        free = scheduling.free_slots(conn, now_us(services), CLINIC, limit=100)
    assert len(free) == first.published - 2 and all(s.start_us > now_us(services) for s in free)
    second = coordination_demo.open_clinic_agenda(services, DOCTOR, CLINIC, pid, today)
    assert second.published == 0 and second.teleconsult == first.teleconsult
    assert second.control == first.control
    assert second.encounter == first.encounter


def test_working_days_skip_the_weekend() -> None:
    friday = date(2026, 11, 27)
    days = coordination_demo._working_days(friday, 3)
    assert days == [friday + timedelta(days=n) for n in (3, 4, 5)]


def test_the_home_infusion_is_planned_routed_and_documented(services: Services) -> None:
    pid = patient(services)
    day = date(2026, 11, 30)
    kwargs = dict(
        nurse_id="pr-demo-nurse",
        nurse_name="Ana López",
        patient=pid,
        home=(19.45, -99.14),
        facility="clinic-l1-imss-09015",
        day=day,
    )
    done = coordination_demo.home_infusion(services, **kwargs)  # type: ignore[arg-type]
    assert done.status == "documented" and done.nurse == "pr-demo-nurse"
    given = [r for r in done.written if r.startswith("MedicationAdministration/")]
    assert len(given) == 1 and sum(r.startswith("Observation/") for r in done.written) == 4
    administration = read(services, "MedicationAdministration", given[0].split("/")[1])
    assert administration["contained"][0]["code"]["coding"][0]["code"] == "rituximab-500-vial"
    assert administration["performer"][0]["actor"]["reference"] == "Practitioner/pr-demo-nurse"
    with services.db.read() as conn:
        [visit] = homecare.day_visits(conn, day)
    assert visit.sequence == 1 and visit.planned_start is not None
    again = coordination_demo.home_infusion(services, **kwargs)  # type: ignore[arg-type]
    assert again.visit == done.visit and again.status == "documented" and again.written == ()
