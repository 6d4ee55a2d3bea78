"""Measured effect of the interventions (issue 11 part 4): treated vs control, per stratum and
overall, with a 95 % confidence interval, so the platform reports uplift instead of asserting it.

Outcomes per enrolled therapy, over the 90 days after its assignment: PDC, and abandonment (a
discontinuation that starts in those days). The overall estimate is the stratified difference
(post-stratification on the risk band the therapy was randomized in):
    Δ = Σ_s w_s (ȳ_T,s - ȳ_C,s),  w_s = n_s / N,  Var(Δ) = Σ_s w_s² (s²_T,s/n_T,s + s²_C,s/n_C,s)
with a normal-approximation CI (Δ ± 1.96·SE) and a stratified percentile bootstrap (arms
resampled within each stratum). Strata missing an arm (the high band, never held out) are left
out of the overall estimate and say so. Over time: the same by month of assignment (cohorts),
for the network report page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

Z95 = 1.959963984540054
FOLLOW_UP_DAYS = 90


@dataclass(frozen=True, slots=True)
class Outcome:
    patient: str
    therapy: str
    arm: str  # treated | control
    stratum: str
    assigned: date
    pdc: float  # over the FOLLOW_UP_DAYS after assignment
    abandoned: bool  # a discontinuation began in those days


@dataclass(frozen=True, slots=True)
class StratumEffect:
    stratum: str
    n_treated: int
    n_control: int
    treated_mean: float
    control_mean: float
    difference: float | None  # None when an arm is empty
    se: float | None


@dataclass(frozen=True, slots=True)
class Effect:
    metric: str  # pdc | abandonment
    difference: float | None  # treated minus control
    se: float | None
    normal_ci: tuple[float, float] | None
    bootstrap_ci: tuple[float, float] | None
    strata: tuple[StratumEffect, ...]
    left_out: tuple[str, ...]  # strata with one arm only


@dataclass(frozen=True, slots=True)
class MonthEffect:
    month: str  # YYYY-MM of assignment
    n_treated: int
    n_control: int
    pdc_treated: float | None
    pdc_control: float | None
    abandonment_treated: float | None
    abandonment_control: float | None


@dataclass(frozen=True, slots=True)
class UpliftReport:
    pdc: Effect
    abandonment: Effect
    monthly: tuple[MonthEffect, ...] = field(default_factory=tuple)


def uplift_report(
    outcomes: Iterable[Outcome], bootstrap: int = 1000, seed: int = 0
) -> UpliftReport:
    rows = list(outcomes)
    pdc: dict[tuple[str, str], list[float]] = defaultdict(list)
    abandoned: dict[tuple[str, str], list[float]] = defaultdict(list)
    for o in rows:
        pdc[(o.stratum, o.arm)].append(o.pdc)
        abandoned[(o.stratum, o.arm)].append(1.0 if o.abandoned else 0.0)
    return UpliftReport(
        stratified_effect("pdc", _arrays(pdc), bootstrap, seed),
        stratified_effect("abandonment", _arrays(abandoned), bootstrap, seed),
        monthly(rows),
    )


def _arrays(groups: dict[tuple[str, str], list[float]]) -> dict[tuple[str, str], np.ndarray]:
    return {key: np.asarray(values, dtype=float) for key, values in groups.items()}


def stratified_effect(
    metric: str, groups: dict[tuple[str, str], np.ndarray], bootstrap: int = 1000, seed: int = 0
) -> Effect:
    """`groups` maps (stratum, arm) to the outcome values."""
    strata = sorted({s for s, _ in groups})
    empty = np.empty(0)
    per: list[StratumEffect] = []
    usable: list[tuple[str, np.ndarray, np.ndarray]] = []
    for s in strata:
        t, c = groups.get((s, "treated"), empty), groups.get((s, "control"), empty)
        per.append(_stratum(s, t, c))
        if len(t) and len(c):
            usable.append((s, t, c))
    left_out = tuple(s for s in strata if s not in {u[0] for u in usable})
    if not usable:
        return Effect(metric, None, None, None, None, tuple(per), left_out)
    total = sum(len(t) + len(c) for _, t, c in usable)
    weights = [(len(t) + len(c)) / total for _, t, c in usable]
    diff = sum(w * (t.mean() - c.mean()) for w, (_, t, c) in zip(weights, usable, strict=True))
    var = sum(
        w * w * (_var(t) / len(t) + _var(c) / len(c))
        for w, (_, t, c) in zip(weights, usable, strict=True)
    )
    se = float(np.sqrt(var))
    normal = (float(diff - Z95 * se), float(diff + Z95 * se))
    boot = _bootstrap(usable, weights, bootstrap, seed) if bootstrap > 0 else None
    return Effect(metric, float(diff), se, normal, boot, tuple(per), left_out)


def _stratum(s: str, t: np.ndarray, c: np.ndarray) -> StratumEffect:
    both = bool(len(t) and len(c))
    return StratumEffect(
        s,
        len(t),
        len(c),
        float(t.mean()) if len(t) else float("nan"),
        float(c.mean()) if len(c) else float("nan"),
        float(t.mean() - c.mean()) if both else None,
        float(np.sqrt(_var(t) / len(t) + _var(c) / len(c))) if both else None,
    )


def _var(values: np.ndarray) -> float:
    return float(values.var(ddof=1)) if len(values) > 1 else 0.0


def _bootstrap(
    usable: Sequence[tuple[str, np.ndarray, np.ndarray]],
    weights: Sequence[float],
    draws: int,
    seed: int,
) -> tuple[float, float]:
    """Percentile CI of the stratified difference, arms resampled within strata. Means of a
    resample are drawn in blocks so memory stays bounded for large arms."""
    rng = np.random.default_rng(seed)
    total = np.zeros(draws)
    for w, (_, t, c) in zip(weights, usable, strict=True):
        total += w * (_resampled_means(rng, t, draws) - _resampled_means(rng, c, draws))
    low, high = np.percentile(total, [2.5, 97.5])
    return float(low), float(high)


def _resampled_means(rng: np.random.Generator, values: np.ndarray, draws: int) -> np.ndarray:
    n = len(values)
    block = max(1, 4_000_000 // max(n, 1))
    means = np.empty(draws)
    for start in range(0, draws, block):
        size = min(block, draws - start)
        means[start : start + size] = values[rng.integers(0, n, (size, n))].mean(axis=1)
    return means


def monthly(rows: Sequence[Outcome]) -> tuple[MonthEffect, ...]:
    """Treated and control means by month of assignment (unstratified: a trend, not a test)."""
    months: dict[str, dict[str, list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for o in rows:
        months[o.assigned.strftime("%Y-%m")][o.arm].append(o)
    return tuple(_month(m, arms["treated"], arms["control"]) for m, arms in sorted(months.items()))


def _month(month: str, treated: list[Outcome], control: list[Outcome]) -> MonthEffect:
    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return MonthEffect(
        month,
        len(treated),
        len(control),
        mean([o.pdc for o in treated]),
        mean([o.pdc for o in control]),
        mean([float(o.abandoned) for o in treated]),
        mean([float(o.abandoned) for o in control]),
    )
