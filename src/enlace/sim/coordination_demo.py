"""The demo's care coordination (issue 14 "Done when", run by `enlace care demo` and
`enlace homecare demo` after `sim run`): each step goes through the care and home-care modules'
public API, as a coordinator or nurse would, and each is idempotent (a second demo run finds the
work done and writes nothing).

- `route_bare_referrals`: an alert of a patient with no clinic on record escalates to a bare
  ServiceRequest "for a human to route" (monitoring/escalation.py); the coordinator routes it
  as a care referral from the patient's nearest clinic of their institution to that clinic's
  hospital (the escalation's own rule), and closes the bare request as replaced.
- `close_monitoring_referral`: the hospital accepts the demo heart-failure alert's referral,
  books it an appointment with one of its physicians, and closes it with a counter-referral to
  the clinic. Times follow the referral (accepted 2 h after it was made, seen the next day at
  09:00 local, closed after the visit), so the story sits in the simulated period.
- `open_clinic_agenda`: the demo physician's free in-person and virtual slots for the next
  working days (so /appointments/book has times to offer), the demo patient's in-person control
  booked, and their teleconsult booked and started (a virtual Encounter with its join link).
- `home_infusion`: a biologic (cold chain) given at home: the clinic's nurse as home-care nurse,
  the patient's infusion need, the day planned and routed, the visit documented with its
  MedicationAdministration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import care, catalog, homecare
from enlace.modules.care import scheduling, teleconsult
from enlace.modules.monitoring.care_team import hospital_for
from enlace.sim import network
from enlace.sim.accounts import plan_accounts
from enlace.sim.actor import World
from enlace.sim.actors.care import under_care
from enlace.sim.staff import staff_of

LOCAL = ZoneInfo("America/Mexico_City")
HOUR_US = 3_600_000_000
SOURCE = "monitoring-alert:"
ROUTED = "monitoring-routed:"
REFERRAL_CODE = "3457005"  # SNOMED CT Patient referral
COORDINATOR = "Coordinación de referencias (demo)"
INFUSION = "rituximab-500-vial"  # an intravenous biologic kept at 2-8 °C
AGENDA_DAYS = 5
AGENDA_HOURS = (9, 10, 11, 12)  # in-person slots; 13:00 is the virtual one


@dataclass(frozen=True)
class Cast:
    """Who the demo's steps involve: the demo logins' physician, nurse and patient, and the
    patient given a biologic at home (one of the clinic's patients on one, else the demo
    patient) with where they live."""

    physician: str  # Practitioner/...
    clinic: str  # Organization/org-...
    patient: str  # Patient id
    nurse_id: str  # Practitioner id
    nurse_name: str
    infused: str  # Patient id
    home: tuple[float, float]


def demo_cast(world: World, days_run: int) -> Cast:
    by_role = {a.role: a for a in plan_accounts(world, days_run)}
    physician, nurse, patient = by_role["physician"], by_role["nurse"], by_role["patient"]
    horizon = max(days_run, 1)
    on_biologic = (
        cared.person
        for person in world.people
        if (cared := under_care(world, person, horizon)) is not None
        and cared.biologic
        and f"org-{cared.clinic.slug}" == physician.organization
    )
    demo_person = next(p for p in world.people if world.patient_id(p.index) == patient.patients[0])
    infused = next(on_biologic, demo_person)
    return Cast(
        physician=str(physician.fhir_user),
        clinic=f"Organization/{physician.organization}",
        patient=patient.patients[0],
        nurse_id=str(nurse.fhir_user).removeprefix("Practitioner/"),
        nurse_name=nurse.display_name,
        infused=world.patient_id(infused.index),
        home=(infused.lat, infused.lon),
    )


@dataclass(frozen=True)
class ClosedReferral:
    referral: str
    hospital: str
    appointment: str | None
    counter_referral: str | None
    status: str


@dataclass(frozen=True)
class Agenda:
    published: int  # slots published by this run (0 when the agenda was already open)
    control: str | None  # the demo patient's in-person Appointment (booked, to come)
    teleconsult: str | None  # the demo patient's virtual Appointment (started)
    encounter: str | None
    join_link: str | None


@dataclass(frozen=True)
class HomeInfusion:
    visit: str
    nurse: str
    status: str
    written: tuple[str, ...]


def route_bare_referrals(services: Services, world: World) -> list[str]:
    """Route each active monitoring ServiceRequest that names no hospital; the referral ids."""
    routed = []
    people = {world.patient_id(p.index): p for p in world.people}
    with services.db.begin() as conn:
        for bare in _bare_requests(services, conn):
            patient = str(bare["subject"]["reference"]).removeprefix("Patient/")
            person = people.get(patient)
            if person is None or care.from_source(conn, f"{ROUTED}{bare['id']}"):
                continue
            clinic = f"Organization/org-{network.clinic(person).slug}"
            hospital = hospital_for(clinic)
            if hospital is None:
                continue
            made = care.refer(
                conn,
                services.repo,
                patient=patient,
                from_org=clinic,
                to_org=hospital,
                service=care.ALERT_SERVICE,
                urgency=bare.get("priority", "asap"),
                reason=str((bare.get("note") or [{"text": "Alerta de monitoreo"}])[0]["text"]),
                now_us=_authored_us(bare) + HOUR_US,
                reason_refs=[r["reference"] for r in bare.get("reasonReference", [])],
                supporting=[f"ServiceRequest/{bare['id']}"],
                source=f"{ROUTED}{bare['id']}",
            )
            bare["status"] = "completed"
            bare["note"] = [*bare.get("note", []), {"text": f"Ruteada: ServiceRequest/{made.id}"}]
            services.repo.update(conn, bare, bare["id"])
            routed.append(made.id)
    return routed


def _bare_requests(services: Services, conn: Connection) -> list[dict[str, Any]]:
    found, after = [], None
    while page := services.repo.scan(conn, "ServiceRequest", after=after):
        for version in page:
            body = version.resource()
            codes = {c.get("code") for c in body.get("code", {}).get("coding", [])}
            if (
                REFERRAL_CODE in codes
                and body.get("status") == "active"
                and not body.get("performer")
            ):
                found.append(body)
        after = page[-1].id
    return found


def _authored_us(request: dict[str, Any]) -> int:
    text = str(request.get("authoredOn", "")).replace("Z", "+00:00")
    return epoch_us(datetime.fromisoformat(text)) if text else epoch_us(datetime.now(UTC))


def close_monitoring_referral(services: Services) -> ClosedReferral | None:
    """Walk the first monitoring referral to its counter-referral; None when there is none."""
    with services.db.begin() as conn:
        found = care.from_source(conn, SOURCE) or care.from_source(conn, ROUTED)
        if not found:
            return None
        row = found[0]
        repo, t0 = services.repo, row.requested_us
        if row.status == "requested":
            care.accept(conn, repo, row.id, COORDINATOR, t0 + 2 * HOUR_US)
        appointment = care.referral(conn, row.id).appointment_us
        if care.referral(conn, row.id).status == "accepted":
            appointment = _book_hospital_visit(services, conn, row, t0 + 3 * HOUR_US)
        if care.referral(conn, row.id).status == "scheduled":
            care.complete(
                conn,
                repo,
                row.id,
                summary="Insuficiencia cardiaca descompensada por sobrecarga de volumen; "
                "diurético intravenoso, egreso estable.",
                follow_up="Control de peso diario y cita con su médico familiar en 7 días.",
                by=COORDINATOR,
                now_us=(appointment or t0) + 2 * HOUR_US,
            )
        done = care.referral(conn, row.id)
    return ClosedReferral(
        done.id, done.to_org, _appointment_of(services, done.id), done.counter_referral, done.status
    )


def _book_hospital_visit(services: Services, conn: Connection, row: Any, now_us: int) -> int:
    """A slot with a hospital physician the day after the referral, booked for it."""
    hospital = str(row.to_org)
    place = catalog.facility(hospital.removeprefix("Organization/org-"))
    doctors = [m for m in staff_of(place) if m.role == "doctor"] if place else []
    actor = f"Practitioner/{doctors[0].id}" if doctors else hospital
    requested = datetime.fromtimestamp(row.requested_us / 1e6, LOCAL)
    start = datetime.combine(requested.date() + timedelta(days=1), time(9), LOCAL)
    [slot] = care.publish(
        conn,
        services.repo,
        actor=actor,
        organization=hospital,
        mode="in-person",
        starts_us=[epoch_us(start)],
        minutes=30,
    )
    booked = care.book(
        conn,
        services.repo,
        slot,
        row.patient,
        now_us,
        by="staff",
        referral_id=row.id,
        reason="Valoración por urgencias tras alerta de aumento de peso",
    )
    return booked.start_us


def _appointment_of(services: Services, referral_id: str) -> str | None:
    with services.db.read() as conn:
        row = care.referral(conn, referral_id)
        task = services.repo.read(conn, "Task", row.task_id).resource()
    for output in task.get("output", []):
        reference = str(output.get("valueReference", {}).get("reference", ""))
        if reference.startswith("Appointment/"):
            return reference.removeprefix("Appointment/")
    return None


def open_clinic_agenda(
    services: Services, physician: str, clinic: str, patient: str, today: date
) -> Agenda:
    """Free slots for the next working days after `today`; the patient's in-person control
    booked and their teleconsult booked and started."""
    now = epoch_us(services.repo.clock())
    published = 0
    with services.db.begin() as conn:
        if not scheduling.free_slots(conn, now, clinic, limit=1):
            days = _working_days(today, AGENDA_DAYS)
            starts = [_at(d, h) for d in days for h in AGENDA_HOURS]
            virtual = [_at(d, 13) for d in days]
            for mode, times in (("in-person", starts), ("virtual", virtual)):
                published += len(
                    care.publish(
                        conn,
                        services.repo,
                        actor=physician,
                        organization=clinic,
                        mode=mode,
                        starts_us=times,
                        minutes=20,
                    )
                )
        control = _booked(services, conn, patient, clinic, "in-person", "Control de diabetes", now)
        teleconsult_id = _booked(services, conn, patient, clinic, "virtual", "Teleconsulta", now)
        if teleconsult_id is None:
            return Agenda(published, control, None, None, None)
        encounter, link = teleconsult.start(conn, services.repo, teleconsult_id, now)
    return Agenda(published, control, teleconsult_id, encounter, link)


def _booked(
    services: Services,
    conn: Connection,
    patient: str,
    clinic: str,
    mode: str,
    reason: str,
    now: int,
) -> str | None:
    """The patient's coming appointment of `mode`, booked now in the first free slot if none."""
    coming = scheduling.of_patient(conn, patient, now, ("booked", "arrived"))
    mine = [a.appointment for a in coming if a.mode == mode]
    if mine:
        return mine[0]
    free = [s for s in scheduling.free_slots(conn, now, clinic) if s.mode == mode]
    if not free:
        return None
    done = care.book(conn, services.repo, free[0].id, patient, now, by="staff", reason=reason)
    return done.appointment


def _working_days(after: date, count: int) -> list[date]:
    days: list[date] = []
    day = after
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _at(day: date, hour: int) -> int:
    return epoch_us(datetime.combine(day, time(hour), LOCAL))


def home_infusion(
    services: Services,
    *,
    nurse_id: str,
    nurse_name: str,
    patient: str,
    home: tuple[float, float],
    facility: str,
    day: date,
) -> HomeInfusion:
    """Register the nurse and the infusion need, plan `day`, document the patient's visit."""
    zone = "demo"
    nurse = homecare.Nurse(
        nurse_id,
        nurse_name,
        frozenset({"infusion", "general"}),
        frozenset({zone}),
        home[0] + 0.01,
        home[1] + 0.01,
        8 * 60,
        17 * 60,
    )
    need = homecare.Need(
        f"demo-infusion-{patient}",
        patient,
        "infusion",
        zone,
        home[0],
        home[1],
        day,
        14,
        visit_minutes=180,
        medication=INFUSION,
        facility=facility,
    )
    written: list[str] = []
    with services.db.begin() as conn:
        visit = _planned_visit(conn, nurse, need, day)
        if visit.status == "planned" and visit.nurse == nurse_id:
            record = homecare.VisitRecord(
                vitals={"heart-rate": 74, "systolic": 124, "diastolic": 78, "temperature": 36.6},
                administration=homecare.Administration("DEMO-LOT-01", 500, "mg", "IV"),
                note="Cadena de frío verificada (4 °C). Infusión de 3 h sin reacción.",
            )
            given_at = datetime.combine(day, time(10, 15), LOCAL).astimezone(UTC)
            written = homecare.document_visit(
                conn, services.repo, visit.id, nurse_id, record, given_at
            )
        done = homecare.get_visit(conn, visit.id)
    assert done is not None
    return HomeInfusion(done.id, done.nurse or "-", done.status, tuple(written))


def _planned_visit(
    conn: Connection, nurse: homecare.Nurse, need: homecare.Need, day: date
) -> homecare.VisitView:
    """The patient's visit of `day`: as it is once documented, else (re)planned now."""
    done = [v for v in homecare.day_visits(conn, day) if v.patient == need.patient]
    if done and done[0].status == "documented":
        return done[0]
    homecare.add_nurse(conn, nurse)
    homecare.add_need(conn, need)
    homecare.plan_day(conn, day)
    return next(v for v in homecare.day_visits(conn, day) if v.patient == need.patient)
