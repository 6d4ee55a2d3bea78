"""All the rules over one set of claim columns: features, outliers, rules, Benford -> flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import flags as f
from .benford import EXPECTED, BenfordResult, by_provider
from .columns import ClaimArrays
from .features import (
    FloatArray,
    MedicineInfo,
    counts,
    list_prices,
    provider_features,
    top_of_class,
)
from .flags import Flag, fmt
from .outliers import (
    CLASSIC_Z,
    FOREST_THRESHOLD,
    MAD_Z,
    classic_z,
    forest_scores,
    peer_groups,
    robust_z,
)
from .rules import DEFAULT_CAPACITY, capacity, early_refills, two_pharmacies, upcoding

MIN_CLAIMS = 30  # a provider with fewer claims is not judged against peers
# Features compared with peers, where only the high side is suspicious (fraud inflates).
# The mean amount per claim is reported but not compared: it follows the case mix (one patient
# on a biologic makes a pharmacy an outlier); claimed over list price does not.
OUTLIER_FEATURES = (
    "claims_per_patient",
    "amount_over_list",
    "packs_per_claim",
    "refusal_rate",
    "phantom_rate",
    "claims_per_day",
    "priciest_share",
    "early_refill_rate",
)


@dataclass(frozen=True)
class Settings:
    capacity: int = DEFAULT_CAPACITY
    min_claims: int = MIN_CLAIMS
    forest_threshold: float = FOREST_THRESHOLD
    random_state: int = 0


@dataclass
class Report:
    providers: tuple[str, ...]
    groups: list[str]
    claims: list[int]
    features: dict[str, FloatArray]
    flags: list[Flag] = field(default_factory=list)

    def flagged_by(self, rule: str | None = None) -> set[str]:
        return {x.provider for x in self.flags if rule is None or x.rule == rule}

    def rules_of(self, provider: str) -> set[str]:
        return {x.rule for x in self.flags if x.provider == provider}

    def combined(self, min_rules: int = 2) -> set[str]:
        """Providers flagged by at least `min_rules` different rules."""
        return {p for p in self.flagged_by() if len(self.rules_of(p)) >= min_rules}


def detect(
    a: ClaimArrays,
    medicines: Mapping[str, MedicineInfo],
    facility_of: Mapping[str, tuple[str, str]],
    settings: Settings = Settings(),
) -> Report:
    """Every flag over the claim columns `a`; `facility_of`: pharmacy -> (institution, state)."""
    if a.size == 0:
        return Report(a.pharmacies, [], [0] * len(a.pharmacies), {})
    c = counts(a)
    in_class, top = top_of_class(a, medicines)
    early = early_refills(a)
    features = provider_features(a, c, top, in_class, early, list_prices(a, medicines))
    groups = peer_groups(a.pharmacies, facility_of)
    judged = c.claims >= settings.min_claims
    report = Report(a.pharmacies, groups, [int(x) for x in c.claims], features)
    report.flags += _peer_flags(report, judged)
    report.flags += _upcoding_flags(a, in_class, top, judged)
    report.flags += _capacity_flags(a, settings.capacity)
    report.flags += _two_pharmacy_flags(a)
    report.flags += _early_flags(report, early, a, judged)
    report.flags += _forest_flags(report, judged, settings)
    report.flags += _benford_flags(a)
    report.flags.sort(key=lambda x: (x.provider, f.RULES.index(x.rule), x.feature))
    return report


def _peer_flags(report: Report, judged: np.ndarray) -> list[Flag]:
    out: list[Flag] = []
    for name in OUTLIER_FEATURES:
        values = report.features[name]
        robust = robust_z(values, report.groups, judged)
        z, mean, sd = classic_z(values, report.groups, judged)
        for i in np.flatnonzero(judged & (robust.z > MAD_Z)):
            numbers = {
                "value": float(values[i]),
                "peer_median": float(robust.median[i]),
                "mad": float(robust.spread[i]),
                "z": round(float(robust.z[i]), 2),
                "mad_was_zero": bool(robust.mad_zero[i]),
                "peer_group": report.groups[i],
            }
            spread = "MeanAD (MAD was 0)" if robust.mad_zero[i] else "MAD"
            text = (
                f"{name} = {fmt(values[i])} against a peer median of {fmt(robust.median[i])} "
                f"({spread} {fmt(robust.spread[i])}) in peer group {report.groups[i]}: "
                f"modified z = {robust.z[i]:.2f} > {MAD_Z}"
            )
            out.append(Flag(report.providers[i], f.MAD, name, text, numbers))
        for i in np.flatnonzero(judged & (z > CLASSIC_Z)):
            numbers = {"value": float(values[i]), "peer_mean": float(mean[i]), "sd": float(sd[i])}
            numbers |= {"z": round(float(z[i]), 2), "peer_group": report.groups[i]}
            text = (
                f"{name} = {fmt(values[i])} against a peer mean of {fmt(mean[i])} "
                f"(standard deviation {fmt(sd[i])}) in peer group {report.groups[i]}: "
                f"z = {z[i]:.2f} > {CLASSIC_Z}"
            )
            out.append(Flag(report.providers[i], f.ZSCORE, name, text, numbers))
    return out


def _upcoding_flags(
    a: ClaimArrays, in_class: np.ndarray, top: np.ndarray, judged: np.ndarray
) -> list[Flag]:
    up = upcoding(a, in_class, top)
    out = []
    for i in np.flatnonzero(up.flagged() & judged):
        numbers = {
            "priciest_items": int(up.observed[i]),
            "expected": round(float(up.expected[i]), 1),
            "class_items": int(up.items[i]),
            "z": round(float(up.z[i]), 2),
        }
        text = (
            f"{int(up.observed[i])} of {int(up.items[i])} items in classes with several "
            f"presentations were the priciest one; other providers' shares predict "
            f"{up.expected[i]:.1f} (z = {up.z[i]:.2f})"
        )
        out.append(Flag(a.pharmacies[i], f.UPCODING, "priciest_share", text, numbers))
    return out


def _capacity_flags(a: ClaimArrays, limit: int) -> list[Flag]:
    cap = capacity(a, limit)
    out = []
    for i in np.flatnonzero(cap.days_over > 0):
        numbers = {"days_over": int(cap.days_over[i]), "peak": int(cap.peak[i]), "capacity": limit}
        text = (
            f"{int(cap.days_over[i])} day(s) with more claims than one counter can dispense "
            f"({limit} a day); the busiest had {int(cap.peak[i])}"
        )
        out.append(Flag(a.pharmacies[i], f.CAPACITY, "claims_per_day", text, numbers))
    return out


def _two_pharmacy_flags(a: ClaimArrays) -> list[Flag]:
    two = two_pharmacies(a)
    share = two.share()
    out = []
    for i in np.flatnonzero(two.flagged()):
        numbers = {
            "patient_days": int(two.patient_days[i]),
            "also_elsewhere": int(two.blamed[i]),
            "share": round(float(share[i]), 4),
        }
        text = (
            f"{int(two.blamed[i])} of {int(two.patient_days[i])} patient-days claimed here "
            f"({share[i]:.1%}) were also claimed that day at the patient's usual pharmacy"
        )
        out.append(Flag(a.pharmacies[i], f.TWO_PHARMACIES, "patient_days", text, numbers))
    return out


MIN_EARLY = 5


def _early_flags(
    report: Report, early: np.ndarray, a: ClaimArrays, judged: np.ndarray
) -> list[Flag]:
    n = len(a.pharmacies)
    count = np.bincount(a.pharmacy, weights=early, minlength=n)
    rate = report.features["early_refill_rate"]
    robust = robust_z(rate, report.groups, judged)
    out = []
    for i in np.flatnonzero(judged & (count >= MIN_EARLY) & (robust.z > MAD_Z)):
        numbers = {
            "early_items": int(count[i]),
            "rate": round(float(rate[i]), 4),
            "peer_median": round(float(robust.median[i]), 4),
            "z": round(float(robust.z[i]), 2),
        }
        text = (
            f"{int(count[i])} items ({rate[i]:.1%}) claimed again for the same patient and "
            f"medicine within 22 days (a monthly supply); peer median {robust.median[i]:.1%}, "
            f"modified z = {robust.z[i]:.2f}"
        )
        out.append(Flag(a.pharmacies[i], f.EARLY_REFILL, "early_refill_rate", text, numbers))
    return out


def _forest_flags(report: Report, judged: np.ndarray, settings: Settings) -> list[Flag]:
    if judged.sum() < 2:
        return []
    names = list(OUTLIER_FEATURES)
    scaled = np.column_stack([robust_z(report.features[n], report.groups, judged).z for n in names])
    rows = np.flatnonzero(judged)
    scores = forest_scores(scaled[rows], settings.random_state)
    out = []
    for row, score in zip(rows, scores, strict=True):
        if score >= settings.forest_threshold:
            continue
        furthest = np.argsort(-np.abs(scaled[row]))[:3]
        parts = [f"{names[j]} (modified z {scaled[row, j]:.1f})" for j in furthest]
        numbers = {
            "score": round(float(score), 3),
            "threshold": settings.forest_threshold,
            "furthest": {names[j]: round(float(scaled[row, j]), 2) for j in furthest},
        }
        text = (
            f"isolation forest score {score:.3f} < {settings.forest_threshold} "
            f"(isolated in few splits); furthest from peers: {', '.join(parts)}"
        )
        out.append(Flag(report.providers[row], f.FOREST, "provider_features", text, numbers))
    return out


def _benford_flags(a: ClaimArrays) -> list[Flag]:
    out = []
    for i, result in enumerate(by_provider(a.pharmacy, a.submitted, len(a.pharmacies))):
        if result is not None and result.flagged:
            out.append(
                Flag(
                    a.pharmacies[i],
                    f.BENFORD,
                    "first_digit",
                    _benford_text(result),
                    _benford_numbers(result),
                )
            )
    return out


def _benford_numbers(r: BenfordResult) -> dict[str, object]:
    return {
        "amounts": r.amounts,
        "observed": [round(x, 4) for x in r.observed],
        "expected": [round(float(x), 4) for x in EXPECTED],
        "chi2": round(r.chi2, 2),
        "mad": round(r.mad, 4),
        "conformity": r.conformity,
    }


def _benford_text(r: BenfordResult) -> str:
    shares = ", ".join(
        f"{d}: {o:.1%} vs {e:.1%}"
        for d, o, e in zip(range(1, 10), r.observed, EXPECTED, strict=True)
    )
    return (
        f"first digits of {r.amounts} unrounded amounts (observed vs Benford) {shares}; "
        f"MAD {r.mad:.4f} > 0.015 ({r.conformity}), chi-square {r.chi2:.1f} > 20.09"
    )
