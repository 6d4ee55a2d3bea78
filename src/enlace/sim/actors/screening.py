"""Screening: adults without known diabetes or hypertension are checked at their clinic now and
then (fasting glucose, blood pressure, weight; HbA1c when glucose is high), and the undiagnosed
are found and diagnosed.

Assumptions (docs/simulation.md): each year an unscreened adult is screened with probability
0.3 (PrevenIMSS-style checks), on a day drawn uniformly within the year. Undiagnosed disease
among adults without a diagnosis rises with age — diabetes 3 / 8 / 14 % and hypertension
8 / 15 / 25 % in the 20-39 / 40-59 / 60+ bands — in line with ENSANUT 2022, where about a third
of adults with diabetes and about half with hypertension did not know it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from enlace.sim import care_fhir, fhir_map, network
from enlace.sim.actor import Day, World
from enlace.sim.care_model import TREATED, glucose_from_hba1c
from enlace.sim.distributions import ADULT_AGE, CONDITIONS
from enlace.sim.fhir_map import condition
from enlace.sim.population import Person, band_index

NAME = "screening"
ANNUAL_SHARE = 0.3
HIDDEN = {"diabetes": (0.03, 0.08, 0.14), "hypertension": (0.08, 0.15, 0.25)}
MAX_YEARS = 10  # a scenario longer than this screens nobody more (and loops stay bounded)
ICD = {c.key: (c.icd10, c.display) for c in CONDITIONS}


@dataclass(frozen=True)
class Screen:
    """One person's first screening: when, what it measured, what it found."""

    day: int
    found: tuple[str, ...]  # condition keys diagnosed that day
    glucose: int
    hba1c: float | None  # measured only when glucose ≥ 100 mg/dL
    systolic: int
    diastolic: int
    weight: float


def eligible(person: Person, world: World) -> bool:
    if person.baseline is None or person.age(world.scenario.start) < ADULT_AGE:
        return False
    return not {"diabetes", "hypertension"} & person.conditions.keys()


def first_screen(world: World, person: Person) -> Screen | None:
    """The person's first screening in the scenario, or None (pure: the same every run)."""
    if not eligible(person, world):
        return None
    rng = world.rng(NAME, person.index)
    band = band_index(person.age(world.scenario.start))
    hidden = tuple(key for key, rates in HIDDEN.items() if rng.random() < rates[band])
    for year in range(MAX_YEARS):
        draw = world.rng(NAME, person.index, year)
        if draw.random() < ANNUAL_SHARE:
            return _measure(person, 365 * year + draw.randrange(365), hidden, draw)
    return None


def _measure(person: Person, day: int, hidden: tuple[str, ...], draw: random.Random) -> Screen:
    assert person.baseline is not None  # eligible() admits adults with baseline values only
    base = person.baseline
    if "diabetes" in hidden:
        hba1c: float | None = round(min(6.6 + draw.expovariate(1 / 1.2), 13.0), 1)
        glucose = max(glucose_from_hba1c(hba1c or 0.0, draw.gauss(0, 12)), 126)
    else:
        glucose = round(base.fasting_glucose + draw.gauss(0, 5))
        hba1c = round(base.hba1c + draw.gauss(0, 0.1), 1) if glucose >= 100 else None
    if "hypertension" in hidden:
        systolic = round(max(draw.gauss(150, 10), 140))
        diastolic = round(max(draw.gauss(92, 8), 80))
    else:
        systolic = round(min(base.systolic + draw.gauss(0, 5), 139))
        diastolic = round(min(base.diastolic + draw.gauss(0, 4), 89))
    weight = round(base.weight_kg + draw.gauss(0, 0.8), 1)
    return Screen(day, hidden, glucose, hba1c, systolic, diastolic, weight)


class ScreeningActor:
    name = NAME
    after: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.agenda: dict[int, list[tuple[Person, Screen]]] = defaultdict(list)

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.agenda.clear()
        for person in world.people:
            screen = first_screen(world, person)
            if screen is not None and first_day <= screen.day < last_day:
                self.agenda[screen.day].append((person, screen))

    def day(self, today: Day) -> None:
        for person, screen in self.agenda.pop(today.index, ()):
            today.write_all(screening_visit(today, person, screen))


def registers_at_screening(person: Person) -> bool:
    """Whether the screening visit is the person's first encounter at the clinic, where its
    desk registers them (Patient.managingOrganization): people under care from the start are
    registered by their first care visit instead (actors/care.py `registration`)."""
    return not any(key in TREATED for key in person.conditions)


def screening_visit(today: Day, person: Person, screen: Screen) -> list[dict[str, Any]]:
    pid = today.world.patient_id(person.index)
    clinic = network.clinic(person)
    doctor = network.physician(person, clinic)
    rng = today.world.rng(NAME, person.index, "visit")
    start = care_fhir.visit_start(today.date, 8 * 60 + rng.randrange(7 * 60))
    eid = f"{pid}-e{screen.day}"
    reasons = [ICD[key] for key in screen.found]
    who = f"Practitioner/{doctor.id}"
    out: list[dict[str, Any]] = [
        care_fhir.encounter(eid, pid, start, clinic, doctor, "screening", reasons),
        care_fhir.blood_pressure(eid, pid, screen.systolic, screen.diastolic, start, who),
        care_fhir.measured(eid, pid, "weight", screen.weight, start, who),
        care_fhir.measured(eid, pid, "glucose", screen.glucose, start, who),
    ]
    if registers_at_screening(person):
        out.insert(0, fhir_map.registered(person, pid, clinic.slug))
    if screen.hba1c is not None:
        out.append(care_fhir.measured(eid, pid, "hba1c", screen.hba1c, start, who))
    for key in screen.found:
        diagnosis = condition(pid, key, today.date)
        diagnosis["encounter"] = {"reference": f"Encounter/{eid}"}
        diagnosis["recorder"] = {"reference": who}
        out.append(diagnosis)
    return out


ACTORS = (ScreeningActor,)
