"""Community screening campaigns (issue 10, docs/simulation.md "Screening campaigns"): pure plans.

Every CAMPAIGN_EVERY days each first-level clinic's community health worker visits its
neighbourhood and screens CAMPAIGN_SHARE of the clinic's unscreened adults (at least one): weight,
height, waist, blood pressure, capillary casual glucose and the FINDRISC answers, at the door. The
screening engine classes them (record_screening); a probable disease is a referral Task owned by
the clinic. What each referred person then does is decided here, from the seed:

- ATTEND_SHARE of the referred go to the clinic, ATTEND_DAYS after the campaign (drawn uniformly,
  so some arrive after the 30-day due date). 31% is the share of people with a raised blood
  pressure at community screening in western Kenya who returned for confirmation (AMPATH
  feasibility study of home- vs community-based screening, Webuye, 2010-2011); Malawi's
  programme reached 60.9% within 6 weeks (Musicha et al.,
  J Hypertens 2016;34:2172) and CASALUD's MIDO only 5.5% (issue 10). The rest are lost to
  follow-up: their referral stays open and becomes overdue on the clinic's worklist.
- At the clinic the probable disease is confirmed when the person has it (the hidden disease the
  clinic screening actor draws from the same stream, actors/screening.py) and ruled out otherwise.
- TREAT_SHARE of the confirmed start treatment TREAT_DAYS later: 89.3% of people diagnosed in
  primary care started medicines in a cross-sectional study of 295 patients in low-resource
  communities ("Evaluation of primary health care services in early detection and management of
  hypertension and diabetes in low-resource communities", jpmsonline.com); obesity is not
  treated with a medicine here.

People the clinic actor screens within a year after a campaign are left to the clinic, so the two
actors do not find the same person twice in the same year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from enlace.sim import network
from enlace.sim.actor import World
from enlace.sim.actors.screening import HIDDEN, eligible, first_screen
from enlace.sim.actors.screening import NAME as CLINIC_SCREENING
from enlace.sim.population import Person, band_index

NAME = "campaign"
CAMPAIGN_EVERY = 28
FIRST_CAMPAIGN_DAY = 3
CAMPAIGN_SHARE = 0.03
ATTEND_SHARE = 0.31
ATTEND_DAYS = (3, 60)
TREAT_SHARE = 0.893
TREAT_DAYS = (0, 14)
POC_HBA1C_FROM = 140  # mg/dL capillary casual: NOM-015's positive screen
KNOWN = {"obesity"}  # diagnosed conditions the CHW asks about (eligible adults have no DM/HT)
LOCAL = timezone(timedelta(hours=-6))
# The first medicine for a confirmed disease (catalog slug, dosage text in Spanish).
TREATMENT = {
    "diabetes": ("metformin-850-tab", "1 tableta cada 12 horas con alimentos"),
    "hypertension": ("losartan-50-tab", "1 tableta cada 24 horas"),
    "dyslipidemia": ("atorvastatin-20-tab", "1 tableta cada 24 horas por la noche"),
}


@dataclass(frozen=True, slots=True)
class Fate:
    """What a referred person does: attend on `attend_day` (None: lost to follow-up), start
    treatment on `treat_day` when confirmed (None: no treatment)."""

    attend_day: int | None
    treat_day: int | None


def is_campaign_day(day: int) -> bool:
    return day >= FIRST_CAMPAIGN_DAY and (day - FIRST_CAMPAIGN_DAY) % CAMPAIGN_EVERY == 0


def hidden_conditions(world: World, person: Person) -> tuple[str, ...]:
    """The undiagnosed disease the clinic screening actor draws for the person (same stream)."""
    rng = world.rng(CLINIC_SCREENING, person.index)
    band = band_index(person.age(world.scenario.start))
    return tuple(key for key, rates in HIDDEN.items() if rng.random() < rates[band])


def neighbourhoods(world: World) -> dict[str, list[Person]]:
    """Clinic slug -> its eligible adults, in a fixed random order (the order the CHW visits)."""
    out: dict[str, list[Person]] = {}
    for person in world.people:
        if eligible(person, world):
            out.setdefault(network.clinic(person).slug, []).append(person)
    for slug, people in out.items():
        world.rng(NAME, "order", slug).shuffle(people)
    return out


def visited(
    world: World, people: list[Person], day: int, share: float = CAMPAIGN_SHARE
) -> list[Person]:
    """Who the campaign of `day` screens among a clinic's eligible adults: the next slice of the
    visiting order (campaign n screens slice n), leaving those the clinic screens soon."""
    size = max(1, round(len(people) * share))
    number = (day - FIRST_CAMPAIGN_DAY) // CAMPAIGN_EVERY
    chosen = people[number * size : (number + 1) * size]
    return [p for p in chosen if not _clinic_screens_soon(world, p, day)]


def _clinic_screens_soon(world: World, person: Person, day: int) -> bool:
    screen = first_screen(world, person)
    return screen is not None and screen.day < day + 365


def fate(world: World, person: Person, day: int) -> Fate:
    rng = world.rng(NAME, person.index, day, "fate")
    if rng.random() >= ATTEND_SHARE:
        return Fate(None, None)
    attend = day + rng.randint(*ATTEND_DAYS)
    treat = attend + rng.randint(*TREAT_DAYS) if rng.random() < TREAT_SHARE else None
    return Fate(attend, treat)


def raw_screening(world: World, person: Person, day: int) -> dict[str, Any]:
    """The screening the CHW captures at the door, in the raw JSON the engine reads."""
    assert person.baseline is not None  # eligible() admits adults with baseline values only
    base = person.baseline
    rng = world.rng(NAME, person.index, day, "measure")
    hidden = hidden_conditions(world, person)
    when = datetime.combine(world.date_of(day), time(9), LOCAL)
    when += timedelta(minutes=rng.randrange(8 * 60))
    glucose = _casual_glucose(base.fasting_glucose, hidden, rng)
    measurements: dict[str, Any] = {
        "weight": round(base.weight_kg + rng.gauss(0, 0.8), 1),
        "height": round(base.height_cm, 1),
        "waist": round(_waist(base.bmi, person.sex, rng), 1),
        "bloodPressure": _blood_pressure(base.systolic, base.diastolic, hidden, rng),
        "glucose": {"value": glucose, "unit": "mg/dL", "kind": "casual", "sample": "capillary"},
    }
    if glucose >= POC_HBA1C_FROM:  # a positive capillary screen gets a point-of-care HbA1c
        measurements["hba1c"] = _hba1c(base.hba1c, hidden, rng)
    return {
        "patient": f"Patient/{world.patient_id(person.index)}",
        "performedAt": when.isoformat(),
        "setting": "community",
        "measurements": measurements,
        "answers": {
            "age": person.age(world.date_of(day)),
            "sex": person.sex,
            "familyHistoryDiabetes": rng.choices(
                ("none", "second-degree", "first-degree"), (0.55, 0.15, 0.30)
            )[0],
            "physicalActivity": rng.random() < 0.4,
            "dailyVegetables": rng.random() < 0.5,
            "everBpMedication": False,
            "everHighGlucose": "diabetes" in hidden and rng.random() < 0.3,
            "smoker": rng.random() < (0.17 if person.sex == "male" else 0.05),
            "knownConditions": sorted(KNOWN & person.conditions.keys()),
        },
    }


def _waist(bmi: float, sex: str, rng: random.Random) -> float:
    # Waist grows about 2.2 cm per BMI unit around 90 cm (men) / 85 cm (women) at BMI 27.
    centre = 90.0 if sex == "male" else 85.0
    return min(max(centre + 2.2 * (bmi - 27) + rng.gauss(0, 4), 55.0), 160.0)


def _blood_pressure(
    systolic: int, diastolic: int, hidden: tuple[str, ...], rng: random.Random
) -> dict[str, int]:
    if "hypertension" in hidden:
        return {
            "systolic": round(max(rng.gauss(150, 10), 140)),
            "diastolic": round(max(rng.gauss(92, 8), 80)),
        }
    return {
        "systolic": round(min(systolic + rng.gauss(0, 5), 139)),
        "diastolic": round(min(diastolic + rng.gauss(0, 4), 89)),
    }


def _casual_glucose(fasting: int, hidden: tuple[str, ...], rng: random.Random) -> int:
    """A capillary glucose at any time of day: fasting plus a meal's rise."""
    if "diabetes" in hidden:
        return round(min(max(rng.gauss(215, 40), 150), 450))
    return round(min(max(fasting + rng.uniform(0, 45) + rng.gauss(0, 8), 60), 250))


def _hba1c(baseline: float, hidden: tuple[str, ...], rng: random.Random) -> float:
    if "diabetes" in hidden:
        return round(min(6.6 + rng.expovariate(1 / 1.2), 13.0), 1)
    return round(min(baseline + rng.gauss(0, 0.1), 6.4), 1)


def has_condition(world: World, person: Person, condition: str) -> bool:
    """Whether the clinic confirms the probable `condition` (the person's truth)."""
    if condition in ("diabetes", "hypertension"):
        return condition in hidden_conditions(world, person)
    if condition == "obesity":
        return person.baseline is not None and person.baseline.bmi >= 30
    return False
