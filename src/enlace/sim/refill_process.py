"""The refill process behind sim/refill_histories.py: one vectorized step per refill of every
therapy at once, and the clinical measurements that go with it.

Every step draws the same random numbers whatever the intervention policy does (policy output only
changes how they are used), so a run with reminders and a run without share every draw: their
difference is the true effect of the reminders.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from enlace.modules.adherence.fill_table import day_number
from enlace.sim.refill_regimes import COVARIATE_EFFECTS, lateness_noise

if TYPE_CHECKING:
    from enlace.sim.refill_histories import RefillHistories

START = date(2024, 1, 1)
DAYS = 730
# therapy class -> (ATC codes within the class, pills a day or 0 when not countable, weight)
CLASSES: dict[str, tuple[tuple[str, ...], float, float]] = {
    "A10BA": (("A10BA02",), 2.0, 0.30),
    "A10BB": (("A10BB01", "A10BB12"), 1.0, 0.08),
    "A10AE": (("A10AE04", "A10AE05"), 0.0, 0.06),
    "C09AA": (("C09AA02", "C09AA05"), 1.0, 0.14),
    "C09CA": (("C09CA01", "C09CA03", "C09CA07"), 1.0, 0.16),
    "C08CA": (("C08CA01", "C08CA05"), 1.0, 0.10),
    "C10AA": (("C10AA05", "C10AA01"), 1.0, 0.12),
    "J05AR": (("J05AR20", "J05AR25", "J05AR13"), 1.0, 0.04),
}
CLASS_NAMES = tuple(CLASSES)
CODES = tuple(code for codes, _, _ in CLASSES.values() for code in codes)
CLASS_FIRST_CODE = np.cumsum([0] + [len(CLASSES[c][0]) for c in CLASS_NAMES])
CLASS_EFFECT = {"A10AE": 0.2, "C10AA": 0.35, "J05AR": -0.4, "A10BA": 0.1}
AVERT = 0.6  # a fully responsive, fully reminded patient averts a stop this often
NEVER = 1 << 22


@dataclass
class RefillDue:
    """The refills due at one step, for an intervention policy: indexes into the histories'
    therapies and patients, the day supply runs out, and the histories so far."""

    step: int
    therapy: np.ndarray
    patient: np.ndarray
    due_day: np.ndarray  # day number
    histories: RefillHistories


Interventions = Callable[[RefillDue], np.ndarray]


def regime_array(h: RefillHistories, name: str, therapy_patient: np.ndarray) -> np.ndarray:
    return np.array([getattr(r, name) for r in h.regimes], dtype=float)[
        h.regime_of[therapy_patient]
    ]


def regime_slices(h: RefillHistories) -> list[slice]:
    """Each regime's therapies: contiguous, as therapies follow patients and patients cohorts."""
    of = h.regime_of[h.therapy_patient]
    bounds = np.searchsorted(of, np.arange(len(h.regimes) + 1))
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def refills(
    rng: np.random.Generator,
    h: RefillHistories,
    people: dict[str, np.ndarray],
    interventions: Interventions | None,
) -> None:
    """Step every therapy refill by refill until it stops, dies out or leaves the window."""
    p = h.therapy_patient
    n = len(p)
    k = regime_array(h, "weibull_k", p)
    median = regime_array(h, "median_days", p)
    risk = _log_hazard(rng, h, people)
    stop_after = _stop_times(rng, h, risk, k, median)
    first = day_number(START)
    start = np.where(rng.random(n) < 0.65, rng.integers(0, 30, n), rng.integers(30, 540, n)) + first
    supply = _supplies(rng, h, n)
    code = CLASS_FIRST_CODE[h.therapy_class] + (
        rng.random(n) * np.diff(CLASS_FIRST_CODE)[h.therapy_class]
    ).astype(np.int64)
    creeps = rng.random(n) < regime_array(h, "creep_share", p)
    gap = np.where(np.isin(h.therapy_class, [2, 7]), 90, 60)  # insulins and ARVs: 90
    day, active, step = start.copy(), start < first + DAYS, 0
    while active.any() and step < 200:
        active &= (day <= h.last_day) & (day < h.death_day[p])
        index = np.flatnonzero(active)
        h.fill_therapy.append(index)
        h.fill_day.append(day[index])
        h.fill_supply.append(supply[index])
        h.fill_code.append(code[index])
        due = day + supply
        strength = np.zeros(n)
        if interventions is not None and len(index):
            due_now = RefillDue(step, index, p[index], due[index], h)
            strength[index] = np.clip(interventions(due_now), 0.0, 1.0)
            h.reminded.append(index[strength[index] > 0])
        draws = _step_draws(rng, h, n)
        late = _lateness(h, p, supply, draws["noise"], creeps, due - start, stop_after)
        response = h.responsiveness[p] * strength
        late = np.where(late > 0, late * (1.0 - response), late)
        late += np.where(draws["hospital"] < regime_array(h, "hospital_per_year", p) * supply / 365,
                         draws["stay"], 0)  # fmt: skip
        following = due + np.round(late).astype(np.int64)
        stops = following - start >= stop_after
        averted = stops & (draws["avert"] < response * AVERT)
        stop_after = np.where(averted, stop_after + draws["fresh"] * median, stop_after)
        stops &= ~averted
        restart = stops & (draws["restart"] < regime_array(h, "return_share", p))
        following = np.where(restart, due + gap + draws["delay"], following)
        stop_after = np.where(restart, following - start + draws["fresh"] * median, stop_after)
        active &= ~stops | restart
        switch = draws["switch"] < 0.02
        code = np.where(switch, CLASS_FIRST_CODE[h.therapy_class] + (
            draws["which"] * np.diff(CLASS_FIRST_CODE)[h.therapy_class]).astype(np.int64), code)  # fmt: skip
        resupply = draws["resupply"] < 0.05
        supply = np.where(resupply, _supplies(rng, h, n), supply)
        day = following
        step += 1


def _log_hazard(
    rng: np.random.Generator, h: RefillHistories, people: dict[str, np.ndarray]
) -> np.ndarray:
    """Each therapy's log hazard: observable covariates, class, latent propensity, hidden noise."""
    p = h.therapy_patient
    drugs = np.bincount(p, minlength=len(h.patients))
    profile = {
        "copay_share": people["copay_share"],
        "distance": np.log(people["distance_km"]),
        "delivery": people["delivery"],
        "readings": np.log1p(people["readings_per_week"]),
        "alerts": people["alerts_90d"],
        "hba1c": (people["hba1c"] - 7.5) / 1.4,
        "pills": drugs - 2.0,
        "young": (people["age"] < 40).astype(float),
        "ses": people["ses_index"],
        "uninsured": (people["affiliation"] == 4).astype(float),
    }
    risk = np.zeros(len(p))
    for name in COVARIATE_EFFECTS:
        effect = np.array([r.effects[name] for r in h.regimes])[h.regime_of[p]]
        risk += effect * profile[name][p]
    class_effect = np.array([CLASS_EFFECT.get(c, 0.0) for c in CLASS_NAMES])[h.therapy_class]
    hidden = regime_array(h, "hidden_sd", p) * rng.standard_normal(len(p))
    return risk + class_effect + hidden - regime_array(h, "propensity_effect", p) * h.propensity[p]


def _stop_times(
    rng: np.random.Generator,
    h: RefillHistories,
    risk: np.ndarray,
    k: np.ndarray,
    median: np.ndarray,
) -> np.ndarray:
    """Days from therapy start to abandonment: proportional-hazards Weibull, or an event (a copay
    rise, a bad visit) that triggers the stop soon after with a probability set by the risk."""
    n = len(risk)
    scale = median / np.log(2) ** (1 / k)
    weibull = scale * (rng.exponential(1.0, n) / np.exp(risk)) ** (1 / k)
    p = h.therapy_patient
    event = np.array([r.hazard == "event" for r in h.regimes])[h.regime_of[p]]
    triggered = rng.random(n) < 1 / (1 + np.exp(-(risk - 0.7)))
    event_day = rng.uniform(0, DAYS, n) + rng.exponential(25.0, n)
    late_weibull = scale * 2.5 * rng.exponential(1.0, n) ** (1 / k)
    return np.where(event, np.where(triggered, event_day, late_weibull), weibull)


def _supplies(rng: np.random.Generator, h: RefillHistories, n: int) -> np.ndarray:
    u = rng.random(n)
    out = np.empty(n, np.int64)
    for regime, mine in zip(h.regimes, regime_slices(h), strict=True):
        days = np.array([d for d, _ in regime.supply_mix])
        cumulative = np.cumsum([w for _, w in regime.supply_mix])
        out[mine] = days[np.minimum(np.searchsorted(cumulative, u[mine]), len(days) - 1)]
    return out


def _step_draws(rng: np.random.Generator, h: RefillHistories, n: int) -> dict[str, np.ndarray]:
    noise = np.empty(n)
    for regime, mine in zip(h.regimes, regime_slices(h), strict=True):
        noise[mine] = lateness_noise(regime, rng, mine.stop - mine.start)
    return {
        "noise": noise,
        "hospital": rng.random(n),
        "stay": rng.integers(3, 16, n),
        "avert": rng.random(n),
        "restart": rng.random(n),
        "delay": rng.integers(0, 200, n),
        "fresh": rng.exponential(1.0, n),
        "switch": rng.random(n),
        "which": rng.random(n),
        "resupply": rng.random(n),
    }


def _lateness(
    h: RefillHistories,
    p: np.ndarray,
    supply: np.ndarray,
    noise: np.ndarray,
    creeps: np.ndarray,
    elapsed: np.ndarray,
    stop_after: np.ndarray,
) -> np.ndarray:
    """Days late (negative: early) as a share of the supply; slipping before a stop for some."""
    mean = regime_array(h, "lateness_mean", p) - 0.08 * h.propensity[p]
    share = mean + regime_array(h, "lateness_sd", p) * noise
    ahead = stop_after - elapsed
    window = regime_array(h, "creep_days", p)
    creep = np.where(creeps & (ahead < window), 1.0 - np.clip(ahead / window, 0, 1), 0.0)
    share += creep * regime_array(h, "creep_max", p)
    return supply * np.clip(share, -0.4, 3.0)


def clinical(
    rng: np.random.Generator, h: RefillHistories, people: dict[str, np.ndarray]
) -> tuple[np.ndarray, ...]:
    """HbA1c and glucose for diabetic patients, systolic pressure for hypertensive ones, every
    ~90 days when they reach a laboratory (60%); worse control with lower latent propensity."""
    n = len(h.patients)
    diabetic = np.zeros(n, bool)
    diabetic[h.therapy_patient[np.isin(h.therapy_class, [0, 1, 2])]] = True
    hypertensive = np.zeros(n, bool)
    hypertensive[h.therapy_patient[np.isin(h.therapy_class, [3, 4, 5])]] = True
    rows = []
    for visit in range(0, DAYS, 90):
        day = h.first_day + visit + rng.integers(0, 30, n)
        seen = (rng.random(n) < 0.6) & (day < h.death_day)
        a1c = people["hba1c"] - 0.35 * h.propensity + rng.normal(0, 0.4, n)
        sbp = people["systolic"] - 5 * h.propensity + rng.normal(0, 8, n)
        glucose = 28.7 * a1c - 46.7 + rng.normal(0, 15, n)
        for measure, values, who in (
            (0, a1c, diabetic),
            (1, sbp, hypertensive),
            (2, glucose, diabetic),
        ):
            index = np.flatnonzero(seen & who)
            rows.append((index, np.full(len(index), measure), day[index], values[index].round(1)))
    return tuple(np.concatenate([r[i] for r in rows]) for i in range(4))
