"""Synthetic population: people, their conditions, baseline values and latent behaviours.

Pure and deterministic: person `i` of seed `s` is drawn from its own `random.Random(f"{s}:{i}")`
(string seeds are hashed with SHA-512, the same on every platform and run), so a population is
the same for the same (seed, states, reference date) and a larger one extends a smaller one.
No global state, no wall clock: the reference date is a parameter.

The latent behaviours (`Latent`) are ground truth for evaluating later modules; they never reach
the clinical record (fhir_map builds resources from `Person` without them).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from enlace.sim import curp, names
from enlace.sim.distributions import (
    ADULT_AGE,
    AFFILIATIONS,
    AGE_PYRAMID,
    CONDITIONS,
    HOME_SPREAD_DEG,
    MALE_SHARE,
    OBESITY,
    STATES,
    Condition,
    State,
)

DEFAULT_REFERENCE_DATE = date(2026, 1, 1)
MAX_SEED = 2**63  # keeps ids `s{seed}-{index}` well inside R4's 64 characters
_MALE_CUM = names.cumulative_rank_weights(len(names.MALE))
_FEMALE_CUM = names.cumulative_rank_weights(len(names.FEMALE))
_SURNAME_CUM = names.cumulative_rank_weights(len(names.SURNAMES))
_AGE_CUM: list[float] = []
for _low, _high, _share in AGE_PYRAMID:
    _AGE_CUM.append((_AGE_CUM[-1] if _AGE_CUM else 0.0) + _share)


@dataclass(frozen=True)
class Latent:
    """Behaviour the record does not show (ground truth only)."""

    adherence_propensity: float  # 0-1, the share of doses a person takes when supplied
    abandonment_hazard: float  # per 30 days, probability of stopping treatment
    device_use: bool  # would use a glucometer / BP cuff / CGM that uploads
    reminder_responsiveness: float  # 0-1, how much a reminder raises the next dose's chance


@dataclass(frozen=True)
class Baseline:
    """Baseline values of an adult (None for children: not measured at baseline)."""

    height_cm: float
    weight_kg: float
    bmi: float
    systolic: int
    diastolic: int
    fasting_glucose: int  # mg/dL
    hba1c: float  # %
    egfr: int  # mL/min/1.73 m2


@dataclass(frozen=True)
class Person:
    index: int
    given: str
    paternal: str
    maternal: str
    sex: str  # FHIR gender: male / female
    birth_date: date
    curp: str
    state: str  # ISO 3166-2:MX suffix
    municipality: str  # INEGI 5-digit key
    lat: float
    lon: float
    affiliation: str
    conditions: dict[str, date]  # condition key -> onset date
    baseline: Baseline | None
    latent: Latent

    def age(self, on: date) -> int:
        before = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before


@dataclass(frozen=True)
class Population:
    seed: int
    states: tuple[str, ...]
    reference_date: date
    people: list[Person] = field(repr=False)


def check_states(states: Sequence[str] | None) -> tuple[str, ...]:
    """Upper-cased ISO codes in the given order; ValueError naming an unknown one."""
    if not states:
        return tuple(STATES)
    wanted = tuple(dict.fromkeys(s.strip().upper() for s in states if s.strip()))
    unknown = [s for s in wanted if s not in STATES]
    if unknown or not wanted:
        known = ", ".join(STATES)
        raise ValueError(f"unknown state {', '.join(unknown) or '(none)'}; known: {known}")
    return wanted


def generate(
    n: int,
    seed: int,
    states: Sequence[str] | None = None,
    reference_date: date = DEFAULT_REFERENCE_DATE,
) -> Population:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of people must be a positive integer, not {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise ValueError(f"the seed must be a non-negative integer below 2^63, not {seed!r}")
    chosen = check_states(states)
    people = [person(seed, i, chosen, reference_date) for i in range(n)]
    return Population(seed, chosen, reference_date, people)


def person(seed: int, index: int, states: Sequence[str], on: date) -> Person:
    rng = random.Random(f"{seed}:{index}")
    sex = "male" if rng.random() < MALE_SHARE else "female"
    band = AGE_PYRAMID[_pick(rng, _AGE_CUM)]
    days = rng.randint(round(band[0] * 365.25) + 2, round((band[1] + 1) * 365.25) - 2)
    birth = on - timedelta(days=days)
    pool, cum = (names.MALE, _MALE_CUM) if sex == "male" else (names.FEMALE, _FEMALE_CUM)
    given = pool[_pick(rng, cum)]
    paternal = names.SURNAMES[_pick(rng, _SURNAME_CUM)]
    maternal = names.SURNAMES[_pick(rng, _SURNAME_CUM)]
    state = _pick_state(rng, states)
    town = state.municipalities[0 if rng.random() < 0.6 else -1]
    lat = round(town.lat + rng.gauss(0, HOME_SPREAD_DEG), 5)
    lon = round(town.lon + rng.gauss(0, HOME_SPREAD_DEG), 5)
    affiliation = rng.choices(AFFILIATIONS, weights=state.shares)[0]
    key = curp.build(given, paternal, maternal, birth, sex, state.renapo, rng.randrange(26))
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    conditions = _conditions(rng, age, sex, birth, on)
    baseline = _baseline(rng, age, sex, conditions) if age >= ADULT_AGE else None
    return Person(
        index, given, paternal, maternal, sex, birth, key, state.iso, town.inegi, lat, lon,
        affiliation, conditions, baseline, _latent(rng, age),
    )  # fmt: skip


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _pick_state(rng: random.Random, states: Sequence[str]) -> State:
    if len(states) == 1:
        return STATES[states[0]]
    weights = [STATES[s].population_k for s in states]
    return STATES[rng.choices(states, weights=weights)[0]]


def band_index(age: int) -> int:
    return 0 if age < 40 else 1 if age < 60 else 2


def _probability(cond: Condition, age: int, sex: str, obese: bool) -> float:
    band = band_index(age)
    p = cond.bands[band] / 100.0
    if cond.obesity_rr != 1.0:
        o = OBESITY.bands[band] / 100.0
        # Scale so the band's prevalence stays p: p = o·p1 + (1-o)·p0 with p1 = RR·p0.
        p = p * (cond.obesity_rr if obese else 1.0) / (o * cond.obesity_rr + 1.0 - o)
    if cond.male_share != 0.5:
        p *= 2.0 * (cond.male_share if sex == "male" else 1.0 - cond.male_share)
    return min(p, 0.95)


def _conditions(rng: random.Random, age: int, sex: str, birth: date, on: date) -> dict[str, date]:
    found: dict[str, date] = {}
    if age < ADULT_AGE:
        return found
    obese = False
    for cond in CONDITIONS:
        draw = rng.random()  # drawn for every condition, so a table change shifts no one else
        if draw >= _probability(cond, age, sex, obese):
            continue
        if cond is OBESITY:
            obese = True
        earliest = min(max(cond.min_onset_age - 10, ADULT_AGE), age)
        onset_age = rng.uniform(earliest, age + 0.99)
        onset = birth + timedelta(days=int(onset_age * 365.25))
        found[cond.key] = min(onset, on - timedelta(days=1))
    return found


def _baseline(rng: random.Random, age: int, sex: str, conditions: dict[str, date]) -> Baseline:
    # Heights: adult means ≈164 cm men, ≈152 cm women in ENSANUT anthropometry (assumption: SD 7/6).
    height = rng.gauss(164.0, 7.0) if sex == "male" else rng.gauss(152.0, 6.0)
    height = min(max(height, 135.0), 200.0)
    if "obesity" in conditions:
        bmi = 30.0 + rng.expovariate(1 / 4.0)
    else:  # non-obese adults: ENSANUT's large overweight share puts the mean near 26
        bmi = min(max(rng.gauss(25.8, 2.6), 17.0), 29.9)
    bmi = round(min(bmi, 60.0), 1)
    weight = round(bmi * (height / 100) ** 2, 1)
    if "diabetes" in conditions:  # most are not in control (ENSANUT: HbA1c ≥7 in most)
        hba1c = round(min(6.5 + rng.expovariate(1 / 1.8), 14.0), 1)
        # ADAG: estimated mean glucose = 28.7·A1c - 46.7; fasting values sit a little below it.
        glucose = round(max(28.7 * hba1c - 46.7 + rng.gauss(-10, 15), 126))
    else:
        hba1c = round(min(max(rng.gauss(5.4, 0.35), 4.3), 6.4), 1)
        glucose = round(min(max(rng.gauss(88 + 25 * (hba1c - 5.4), 8), 65), 125))
    if "hypertension" in conditions:  # untreated or uncontrolled at baseline
        systolic = round(max(rng.gauss(148, 14), 125))
        diastolic = round(max(rng.gauss(92, 9), 90 if systolic < 140 else 70))
    else:  # systolic rises ≈0.4 mmHg a year after 20 (assumption)
        systolic = round(min(max(rng.gauss(112 + 0.4 * (age - 20), 9), 90), 139))
        diastolic = round(min(max(rng.gauss(74, 7), 55), 89))
    # eGFR falls ≈1 per year after 30 (CKD-EPI populations); diabetes and hypertension lower it.
    egfr = 118 - max(age - 30, 0) * 0.9 + rng.gauss(0, 12)
    egfr -= 8 * ("diabetes" in conditions) + 5 * ("hypertension" in conditions)
    return Baseline(
        round(height, 1), weight, bmi, systolic, diastolic, int(glucose), hba1c,
        int(min(max(egfr, 8), 140)),
    )  # fmt: skip


def _latent(rng: random.Random, age: int) -> Latent:
    # Assumptions (to be calibrated against the adherence literature, REFERENCE.md §4): mean
    # adherence propensity ≈0.7; abandonment higher when adherence is low; device use falls with
    # age (smartphone ownership); reminders help some people much more than others.
    adherence = rng.betavariate(5.0, 2.0)
    hazard = 0.01 + 0.06 * (1.0 - adherence) * rng.random()
    device = rng.random() < max(0.15, 0.75 - 0.008 * max(age - 20, 0))
    responsiveness = rng.betavariate(2.0, 3.0)
    return Latent(round(adherence, 4), round(hazard, 4), device, round(responsiveness, 4))
