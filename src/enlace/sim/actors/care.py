"""Primary care: people with a treated condition see their family doctor on a schedule; each visit
is an Encounter with vital signs, the laboratory results due (glucose, HbA1c, eGFR) and the
prescriptions for the months until the next visit.

The schedule and the clinical course are care_model's (pure, by person and day); what is
prescribed is regimens'. People diagnosed at a screening during the run (actors/screening.py)
enter care from that day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from enlace.modules.catalog import Facility, formulary
from enlace.sim import care_fhir, fhir_map, network
from enlace.sim.actor import Day, World
from enlace.sim.actors.screening import ICD, Screen, first_screen, registers_at_screening
from enlace.sim.care_model import (
    BP_TAU,
    CADENCE,
    HBA1C_TAU,
    TREATED,
    CarePlan,
    care_plan,
    course,
    diastolic_target,
    glucose_from_hba1c,
    hba1c_target,
    systolic_target,
)
from enlace.sim.population import Person
from enlace.sim.regimens import Status, regimen
from enlace.sim.staff import StaffMember

NAME = "care"
PUBLIC = {"imss", "issste", "imss-bienestar"}
BIOLOGIC_SHARE = 0.25  # people with RA on a biologic (assumption)
DISPLAY = {m.slug: m.display for m in formulary()}


@dataclass(frozen=True)
class Patient:
    """A person under care, as the care actor planned them for this run."""

    person: Person
    plan: CarePlan
    visits: tuple[int, ...]  # attended visit days since the start (all, not only this run's)
    diagnosed: dict[str, int]  # condition -> day it entered care (0 for the baseline ones)
    screen: Screen | None
    clinic: Facility
    doctor: StaffMember
    laboratory: Facility
    biologic: bool

    def conditions_on(self, day: int) -> frozenset[str]:
        return frozenset(k for k, since in self.diagnosed.items() if since <= day)


def under_care(world: World, person: Person, until: int) -> Patient | None:
    """The person's care in the scenario up to day `until`, or None when they need none."""
    diagnosed = {k: 0 for k in person.conditions if k in TREATED}
    screen = first_screen(world, person)
    if screen is not None and screen.day < until:
        diagnosed.update({k: screen.day for k in screen.found})
    if not diagnosed:
        return None
    rng = world.rng(NAME, person.index)
    plan = care_plan(person, rng, min(diagnosed.values()))
    visits = tuple(plan.visits(f"{world.seed}:{NAME}:{person.index}", until))
    clinic = network.clinic(person)
    return Patient(
        person,
        plan,
        visits,
        diagnosed,
        screen,
        clinic,
        network.physician(person, clinic),
        network.laboratory(person),
        "ra" in diagnosed and rng.random() < BIOLOGIC_SHARE,
    )


class CareActor:
    name = NAME
    after: tuple[str, ...] = ("screening",)  # a diagnosis made today is treated from today

    def __init__(self) -> None:
        self.agenda: dict[int, list[tuple[Patient, int]]] = defaultdict(list)

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.agenda.clear()
        for person in world.people:
            patient = under_care(world, person, last_day)
            if patient is None:
                continue
            for number, day in enumerate(patient.visits):
                if day >= first_day:
                    self.agenda[day].append((patient, number))

    def day(self, today: Day) -> None:
        for patient, number in self.agenda.pop(today.index, ()):
            today.write_all(visit(today, patient, number))


def visit(today: Day, patient: Patient, number: int) -> list[dict[str, Any]]:
    world, person, day = today.world, patient.person, today.index
    pid = world.patient_id(person.index)
    rng = world.rng(NAME, person.index, day)
    start = care_fhir.visit_start(today.date, 8 * 60 + rng.randrange(7 * 60))
    eid = f"{pid}-e{day}"
    conditions = patient.conditions_on(day)
    doctor = f"Practitioner/{patient.doctor.id}"
    laboratory = f"Organization/org-{patient.laboratory.slug}"
    values = values_on(patient, day, rng.gauss(0, 0.25), rng.gauss(0, 6), rng.gauss(0, 4))
    reasons = [ICD[k] for k in sorted(conditions)]
    out = registration(patient, number, pid)
    out += [
        care_fhir.encounter(eid, pid, start, patient.clinic, patient.doctor, "follow-up", reasons),
        care_fhir.measured(
            eid, pid, "weight", round(values["weight"] + rng.gauss(0, 0.8), 1), start, doctor
        ),
    ]
    if conditions & {"diabetes", "hypertension"}:
        bp = care_fhir.blood_pressure(
            eid, pid, round(values["systolic"]), round(values["diastolic"]), start, doctor
        )
        out.append(bp)
    cadence = CADENCE[person.affiliation]
    if "diabetes" in conditions:
        glucose = glucose_from_hba1c(values["hba1c"], rng.gauss(0, 12))
        out.append(care_fhir.measured(eid, pid, "glucose", glucose, start, laboratory))
        if number % math.ceil(90 / cadence) == 0:
            out.append(care_fhir.measured(eid, pid, "hba1c", values["hba1c"], start, laboratory))
    if conditions & {"diabetes", "hypertension"} and number % math.ceil(365 / cadence) == 0:
        egfr = max(round(values["egfr"] + rng.gauss(0, 4)), 5)
        out.append(care_fhir.measured(eid, pid, "egfr", egfr, start, laboratory))
    status = Status(
        hba1c=values["hba1c"],
        systolic=values["systolic"],
        days_under_care=day - patient.visits[0],
        public=person.affiliation in PUBLIC,
        biologic=patient.biologic,
        age=person.age(today.date),
    )
    for dose, treats in regimen(person, conditions, status):
        out.append(
            care_fhir.medication_request(
                eid, pid, dose, DISPLAY[dose.slug], start, patient.doctor, cadence, ICD[treats]
            )
        )
    return out


def registration(patient: Patient, number: int, pid: str) -> list[dict[str, Any]]:
    """The Patient with its clinic, written at the first visit there (enrolment): a registration
    desk records the person once when they come under care, not at every visit, so later visits
    leave the Patient as other services left it. The simulated network has no moves between
    clinics yet; a move would start a new numbering at the new clinic and so register again."""
    if number != 0 or (patient.screen is not None and registers_at_screening(patient.person)):
        return []  # a later visit, or the screening visit that found them registered them
    return [fhir_map.registered(patient.person, pid, patient.clinic.slug)]


def values_on(
    patient: Patient,
    day: int,
    a1c_noise: float = 0.0,
    sys_noise: float = 0.0,
    dia_noise: float = 0.0,
) -> dict[str, float]:
    """The true values today, with measurement noise, rounded as a laboratory reports them."""
    person, plan, treated = patient.person, patient.plan, patient.visits[0]
    base = person.baseline
    assert base is not None  # only adults (who have baseline values) have treated conditions
    hba1c, systolic, diastolic = base.hba1c, float(base.systolic), float(base.diastolic)
    if "diabetes" in patient.diagnosed:
        screened = patient.screen.hba1c if patient.screen else None
        start = _untreated(patient, "diabetes", screened, hba1c)
        hba1c = course(start, hba1c_target(person), HBA1C_TAU, plan, treated, day)
    if "hypertension" in patient.diagnosed:
        screen = patient.screen
        start_s = _untreated(patient, "hypertension", screen.systolic if screen else None, systolic)
        start_d = _untreated(
            patient, "hypertension", screen.diastolic if screen else None, diastolic
        )
        systolic = course(start_s, systolic_target(person), BP_TAU, plan, treated, day)
        diastolic = course(start_d, diastolic_target(person), BP_TAU, plan, treated, day)
    return {
        "hba1c": round(min(max(hba1c + a1c_noise, 4.5), 15.0), 1),
        "systolic": min(max(systolic + sys_noise, 85.0), 230.0),
        "diastolic": min(max(diastolic + dia_noise, 50.0), 130.0),
        "weight": base.weight_kg,
        "egfr": base.egfr - day / 365.0,  # about a point a year
    }


def _untreated(patient: Patient, key: str, screened: float | None, baseline: float) -> float:
    """The value treatment starts from: the screening's when the condition was found there
    (the baseline record of such a person is from before the disease showed)."""
    found_at_screening = patient.diagnosed[key] > 0
    return float(screened) if found_at_screening and screened else baseline


ACTORS = (CareActor,)
