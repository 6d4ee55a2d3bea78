"""Synthetic refill histories to train and test the abandonment model (issue 11), vectorized.

`generate(patients, seed)` makes N patients x 1-4 chronic therapies over ~2 years, in cohorts
that each draw their own behaviour regime (sim/refill_regimes.py). Observable covariates (age,
sex, affiliation, copay share, distance to the pharmacy, delivery, device readings, alerts,
HbA1c, BP, pill burden, number of drugs, a socioeconomic index) and LATENT behaviour (adherence
propensity, responsiveness to reminders, an abandonment time) that depends on the covariates AND
on hidden noise. Refills slip before abandonment in some therapies, not all; supply lengths mix;
medicines switch within their class; hospital stays delay a refill without ending the therapy;
some patients die; some abandoners restart.

`interventions`: a callable given each step's due refills (`RefillDue`) that returns a reminder
strength in [0, 1] per due refill; the patient's latent responsiveness decides how much the next
refill moves (less lateness, an averted stop). Every random draw is made whether or not a
reminder is sent, so the same seed with `interventions=None` is the exact counterfactual.
Output: columns (`RefillHistories`), FHIR MedicationDispense/Observation dicts (refill_fhir.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from enlace.modules.adherence.domain import AdherenceSettings
from enlace.modules.adherence.features import COVARIATES
from enlace.modules.adherence.fill_table import FillTable, day_number, prepare
from enlace.sim.refill_process import (
    CLASS_NAMES,
    CLASSES,
    CODES,
    DAYS,
    START,
    Interventions,
    RefillDue,
    clinical,
    refills,
)
from enlace.sim.refill_regimes import Regime, random_regime

__all__ = ["Interventions", "RefillDue", "RefillHistories", "generate"]

COHORT = 5_000  # patients per cohort (each cohort has its own regime)


@dataclass
class RefillHistories:
    patients: list[str]
    covariates: np.ndarray  # patients x features.COVARIATES, all known (the model masks them)
    death_day: np.ndarray  # per patient day number (huge when alive)
    therapy_patient: np.ndarray
    therapy_class: np.ndarray  # index into CLASS_NAMES
    responsiveness: np.ndarray  # LATENT, per patient: never a feature
    propensity: np.ndarray  # LATENT, per patient: never a feature
    regime_of: np.ndarray  # per patient: index into `regimes`
    regimes: list[Regime]
    fill_therapy: list[np.ndarray] = field(default_factory=list)
    fill_day: list[np.ndarray] = field(default_factory=list)
    fill_supply: list[np.ndarray] = field(default_factory=list)
    fill_code: list[np.ndarray] = field(default_factory=list)  # index into CODES
    reminded: list[np.ndarray] = field(default_factory=list)  # therapies reminded per step
    points: tuple[np.ndarray, ...] = ()  # patient, measure (features.CLINICAL), day, value
    first_day: int = day_number(START)
    last_day: int = day_number(START) + DAYS

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        join = np.concatenate
        if not self.fill_day:
            empty = np.empty(0, np.int64)
            return empty, empty, empty, empty
        return (
            join(self.fill_therapy),
            join(self.fill_day),
            join(self.fill_supply),
            join(self.fill_code),
        )

    def fill_table(self, settings: AdherenceSettings | None = None) -> FillTable:
        """The fills as the model's columns (what reading the dispense NDJSON would give)."""
        settings = settings or AdherenceSettings()
        therapy, day, supply, code = self.columns()
        keys = [f"atc:{CLASS_NAMES[c]}" for c in self.therapy_class]
        pills = np.array([CLASSES[name][1] for name in CLASS_NAMES])[self.therapy_class[therapy]]
        table = FillTable(
            therapy=therapy.astype(np.int64),
            day=day.astype(np.int64),
            supply=supply.astype(np.int64),
            medication=code.astype(np.int64),
            pills_per_day=np.where(pills > 0, pills, np.nan),
            imputed=np.zeros(len(day), bool),
            patient_of=self.therapy_patient.astype(np.int64),
            therapy_keys=keys,
            patients=self.patients,
            medications=[f"http://www.whocc.no/atc|{c}" for c in CODES],
            gap=np.array([settings.gap_for(f"atc:{c}") for c in CLASS_NAMES])[self.therapy_class],
        )
        return prepare(table)


def generate(
    patients: int,
    seed: int,
    family: str = "train",
    interventions: Interventions | None = None,
    cohort_size: int = COHORT,
) -> RefillHistories:
    """N patients in cohorts of `cohort_size`, each with its own regime drawn from `family`."""
    rng = np.random.default_rng(seed)
    cohorts = max(1, -(-patients // cohort_size))
    regimes = [random_regime(rng, family) for _ in range(cohorts)]
    regime_of = np.minimum(np.arange(patients) // cohort_size, cohorts - 1)
    people = _people(rng, patients)
    propensity = 0.5 * people["ses_index"] + rng.standard_normal(patients) * 0.85
    histories = RefillHistories(
        patients=[f"rh-{seed}-{i}" for i in range(patients)],
        covariates=np.column_stack([people[name] for name in COVARIATES]),
        death_day=_deaths(rng, people, regimes, regime_of),
        therapy_patient=np.empty(0, np.int64),
        therapy_class=np.empty(0, np.int64),
        responsiveness=rng.beta(2.0, 3.0, patients),
        propensity=propensity,
        regime_of=regime_of,
        regimes=regimes,
    )
    _therapies(rng, histories)
    refills(rng, histories, people, interventions)
    histories.points = clinical(rng, histories, people)
    return histories


def _people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    affiliation = rng.choice(5, n, p=[0.45, 0.1, 0.25, 0.08, 0.12])
    ses = rng.standard_normal(n) + np.select([affiliation == 3, affiliation == 4], [1.0, -0.7], 0.0)
    copay = np.select(
        [affiliation == 3, affiliation == 4],
        [rng.uniform(0.1, 0.35, n), rng.uniform(0.6, 1.0, n)],
        rng.uniform(0.0, 0.08, n),
    )
    devices = rng.random(n) < 0.35
    return {
        "age": np.clip(rng.normal(58, 13, n), 22, 92).round(),
        "female": (rng.random(n) < 0.55).astype(float),
        "affiliation": affiliation.astype(float),
        "copay_share": copay,
        "distance_km": np.exp(rng.normal(1.0, 0.8, n) - 0.2 * ses),
        "delivery": (rng.random(n) < 1 / (1 + np.exp(-(ses - 1.0)))).astype(float),
        "readings_per_week": np.where(devices, rng.gamma(2.0, 3.0, n), 0.0),
        "alerts_90d": np.where(devices, rng.poisson(1.0, n), 0).astype(float),
        "ses_index": ses,
        "hba1c": rng.normal(7.8, 1.4, n),
        "systolic": rng.normal(136, 16, n),
    }


def _deaths(
    rng: np.random.Generator, people: dict[str, np.ndarray], regimes: list[Regime], of: np.ndarray
) -> np.ndarray:
    yearly = np.array([r.deaths_per_year for r in regimes])[of] * np.exp((people["age"] - 60) / 15)
    days = rng.exponential(365.0 / yearly)
    return np.where(days < DAYS, day_number(START) + days.astype(np.int64), 1 << 22)


def _therapies(rng: np.random.Generator, h: RefillHistories) -> None:
    counts = rng.choice([1, 2, 3, 4], len(h.patients), p=[0.35, 0.35, 0.2, 0.1])
    h.therapy_patient = np.repeat(np.arange(len(h.patients)), counts)
    weights = np.array([CLASSES[c][2] for c in CLASS_NAMES])
    classes = rng.choice(len(CLASS_NAMES), len(h.therapy_patient), p=weights / weights.sum())
    # one therapy per class per patient: a repeated class becomes the next class
    key = h.therapy_patient * 16 + classes
    duplicate = np.r_[False, key[1:] == key[:-1]]
    h.therapy_class = np.where(duplicate, (classes + 1) % len(CLASS_NAMES), classes)
