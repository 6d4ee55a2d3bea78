"""Provider (pharmacy) features from claim columns, one value per provider, vectorised.

Each is a rate or a mean over the provider's own claims, so providers of different sizes compare:
claims per patient, mean claimed amount per claim, claimed amounts over the list price of what
was claimed, packs per claim, refused and phantom shares
of the items, claims per day the provider claimed on, the share of items that are the priciest
presentation of their therapeutic class, and the early-refill share (rules.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .columns import PHANTOM, ClaimArrays, IntArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MedicineInfo:
    therapeutic_class: str  # ATC level 4 (5 characters): presentations that substitute
    price_centavos: int


@dataclass(frozen=True)
class Counts:
    """Per provider: lines, distinct claims, distinct patients, days with claims."""

    lines: IntArray
    claims: IntArray
    patients: IntArray
    days: IntArray


def counts(a: ClaimArrays) -> Counts:
    n = len(a.pharmacies)
    _, first = np.unique(a.claim, return_index=True)
    claims = np.bincount(a.pharmacy[first], minlength=n)
    return Counts(
        lines=np.bincount(a.pharmacy, minlength=n),
        claims=claims,
        patients=_distinct(a.pharmacy, a.patient, n),
        days=_distinct(a.pharmacy, a.day - (a.day.min() if a.size else 0), n),
    )


def _distinct(provider: IntArray, other: IntArray, n: int) -> IntArray:
    """Distinct values of `other` per provider."""
    if provider.size == 0:
        return np.zeros(n, dtype=np.int64)
    pairs = np.unique(provider * (int(other.max()) + 1) + other)
    return np.bincount(pairs // (int(other.max()) + 1), minlength=n)


def top_of_class(
    a: ClaimArrays, medicines: Mapping[str, MedicineInfo]
) -> tuple[IntArray, IntArray]:
    """Per line: the class code (-1 when the class has one price only, or the medicine is
    unknown) and whether the medicine is the priciest presentation of its class (0/1)."""
    prices: dict[str, set[int]] = {}
    for known in medicines.values():
        prices.setdefault(known.therapeutic_class, set()).add(known.price_centavos)
    classes = sorted(c for c, p in prices.items() if len(p) > 1)
    class_code = {c: i for i, c in enumerate(classes)}
    per_medicine_class = np.full(len(a.medicines) + 1, -1, dtype=np.int64)
    per_medicine_top = np.zeros(len(a.medicines) + 1, dtype=np.int64)
    for code, slug in enumerate(a.medicines):
        info = medicines.get(slug)
        if info is None or info.therapeutic_class not in class_code:
            continue
        per_medicine_class[code] = class_code[info.therapeutic_class]
        per_medicine_top[code] = info.price_centavos == max(prices[info.therapeutic_class])
    return per_medicine_class[a.medicine], per_medicine_top[a.medicine]


def list_prices(a: ClaimArrays, medicines: Mapping[str, MedicineInfo]) -> IntArray:
    """Per line: the list price of the packs claimed (0 for a medicine not in the catalog)."""
    per_medicine = np.array(
        [medicines[m].price_centavos if m in medicines else 0 for m in a.medicines] + [0],
        dtype=np.int64,
    )
    return per_medicine[a.medicine] * a.packs


def provider_features(
    a: ClaimArrays,
    c: Counts,
    top: IntArray,
    in_class: IntArray,
    early: IntArray,
    listed: IntArray,
) -> dict[str, FloatArray]:
    """Feature name -> value per provider (0 for a provider without lines)."""
    n = len(a.pharmacies)
    phantom = a.reason_code(PHANTOM)

    def per_provider(weights: IntArray | FloatArray) -> FloatArray:
        return np.bincount(a.pharmacy, weights=weights, minlength=n).astype(np.float64)

    def ratio(num: FloatArray | IntArray, den: FloatArray | IntArray) -> FloatArray:
        num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
        return np.divide(num, den, out=np.zeros(n), where=den > 0)

    class_lines = per_provider((in_class >= 0).astype(np.float64))
    return {
        "claims_per_patient": ratio(c.claims, c.patients),
        "amount_per_claim": ratio(per_provider(a.submitted.astype(np.float64)), c.claims),
        "amount_over_list": ratio(
            per_provider(np.where(listed > 0, a.submitted, 0).astype(np.float64)),
            per_provider(listed.astype(np.float64)),
        ),
        "packs_per_claim": ratio(per_provider(a.packs.astype(np.float64)), c.claims),
        "refusal_rate": ratio(per_provider((a.reason != 0).astype(np.float64)), c.lines),
        "phantom_rate": ratio(per_provider((a.reason == phantom).astype(np.float64)), c.lines),
        "claims_per_day": ratio(c.claims, c.days),
        "priciest_share": ratio(
            per_provider((top * (in_class >= 0)).astype(np.float64)), class_lines
        ),
        "early_refill_rate": ratio(per_provider(early.astype(np.float64)), c.lines),
    }
