"""Behaviour regimes for the refill-history generator (sim/refill_histories.py).

The abandonment model will be judged on refill histories from a generator this project has never
seen, so ours must not teach one behaviour. Each cohort draws its own regime: how the abandonment
hazard is shaped (early drop-off, constant, rising, or triggered by an event such as a copay rise),
how late refills are and with what tails, which supply lengths the pharmacy dispenses, how often
refills slip before a patient stops, how strongly each observable covariate matters, and how much
of the behaviour is hidden noise. `family="holdout"` draws from different ranges and shapes and is
never used for training: it is the generalization check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COVARIATE_EFFECTS = (
    "copay_share",
    "distance",
    "delivery",
    "readings",
    "alerts",
    "hba1c",
    "pills",
    "young",
    "ses",
    "uninsured",
)


@dataclass(frozen=True)
class Regime:
    family: str
    hazard: str  # "weibull" or "event"
    weibull_k: float  # < 1 early drop-off, 1 constant, > 1 rising
    median_days: float  # median time to abandonment at an average covariate profile
    lateness: str  # "normal", "laplace", "gamma", "student"
    lateness_mean: float  # mean lateness as a share of the supply, for an average patient
    lateness_sd: float
    supply_mix: tuple[tuple[int, float], ...]  # (days, probability)
    creep_share: float  # share of abandoning therapies whose refills slip before the stop
    creep_days: float  # how far ahead of the stop the slipping starts
    creep_max: float  # the slip reached at the stop, as a share of the supply
    effects: dict[str, float]  # covariate -> log-hazard coefficient
    propensity_effect: float  # latent adherence propensity -> log hazard and lateness
    hidden_sd: float  # unexplained log-hazard noise per therapy
    return_share: float  # abandoners who restart after a gap
    hospital_per_year: float
    deaths_per_year: float


def random_regime(rng: np.random.Generator, family: str = "train") -> Regime:
    """One cohort's behaviour, drawn at random within the family's ranges."""
    holdout = family == "holdout"
    hazard = "event" if rng.random() < (0.45 if holdout else 0.25) else "weibull"
    k_choices = (0.5, 0.8, 1.3, 2.0) if holdout else (0.6, 0.75, 1.0, 1.2, 1.6)
    supply_mixes = (
        (((28, 0.5), (56, 0.2), (84, 0.3)), ((30, 0.3), (60, 0.4), (90, 0.3)))
        if holdout
        else (((30, 0.7), (90, 0.3)), ((28, 0.6), (30, 0.2), (60, 0.2)), ((30, 1.0),))
    )
    scale = rng.uniform(0.5, 1.6, len(COVARIATE_EFFECTS))
    base = np.array([1.2, 0.35, -0.5, -0.3, 0.15, 0.25, 0.12, 0.4, -0.3, 0.6])
    if holdout:
        scale = scale * rng.choice([0.6, 1.0, 1.4], len(COVARIATE_EFFECTS))
    return Regime(
        family=family,
        hazard=hazard,
        weibull_k=float(rng.choice(k_choices)),
        median_days=float(rng.uniform(350, 900) if holdout else rng.uniform(250, 800)),
        lateness=str(rng.choice(("student", "gamma") if holdout else ("normal", "laplace"))),
        lateness_mean=float(rng.uniform(0.02, 0.25)),
        lateness_sd=float(rng.uniform(0.08, 0.35)),
        supply_mix=supply_mixes[int(rng.integers(len(supply_mixes)))],
        creep_share=float(rng.uniform(0.2, 0.5) if holdout else rng.uniform(0.3, 0.8)),
        creep_days=float(rng.uniform(45, 150)),
        creep_max=float(rng.uniform(0.3, 1.2)),
        effects=dict(zip(COVARIATE_EFFECTS, (base * scale).tolist(), strict=True)),
        propensity_effect=float(rng.uniform(0.4, 1.0)),
        hidden_sd=float(rng.uniform(0.3, 0.9) if holdout else rng.uniform(0.2, 0.7)),
        return_share=float(rng.uniform(0.05, 0.35)),
        hospital_per_year=float(rng.uniform(0.03, 0.15)),
        deaths_per_year=float(rng.uniform(0.005, 0.025)),
    )


def lateness_noise(regime: Regime, rng: np.random.Generator, size: int) -> np.ndarray:
    """Standardized refill-lateness noise with the regime's tails (mean 0, sd ~1)."""
    if regime.lateness == "laplace":
        return rng.laplace(0.0, 1 / np.sqrt(2), size)
    if regime.lateness == "gamma":
        return (rng.gamma(2.0, 1.0, size) - 2.0) / np.sqrt(2.0)
    if regime.lateness == "student":
        return rng.standard_t(4, size) / np.sqrt(2.0)
    return rng.standard_normal(size)
