"""Rules a claim pattern cannot pass whatever the peers do: upcoding and impossible days.

- Upcoding: within each therapeutic class with several prices, the provider's patient-medicine
  pairs that are the priciest presentation are compared with what its peers' shares (the other providers', class by
  class) predict: z = (observed - expected) / sqrt(sum p(1 - p)); flagged when z > 3.5 and the
  observed count is at least 1.3 times the expected.
- Capacity: claims on one day beyond what a counter can dispense (a parameter, default 200: one
  counter, 10 hours, 3 minutes a dispense).
- Two pharmacies: the same patient claimed at two pharmacies on one day; the pharmacy that is not
  the patient's usual one (most of the patient's claims) is blamed.
- Early refill: the same patient and medicine claimed again before the last supply ran out
  (monthly supply assumed: a gap under 0.75 x 30 days), counted at the later claim's provider.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import ClaimArrays, IntArray
from .features import FloatArray

UPCODING_Z = 3.5
UPCODING_RATIO = 1.3
MIN_CLASS_ITEMS = 10


@dataclass(frozen=True)
class Upcoding:
    observed: FloatArray  # priciest-presentation items per provider
    expected: FloatArray
    items: FloatArray  # items in multi-price classes
    z: FloatArray

    def flagged(self) -> np.ndarray:
        ratio_ok = self.observed >= UPCODING_RATIO * self.expected
        return (self.z > UPCODING_Z) & ratio_ok & (self.items >= MIN_CLASS_ITEMS)


def upcoding(a: ClaimArrays, in_class: IntArray, top: IntArray) -> Upcoding:
    n = len(a.pharmacies)
    # One count per (provider, patient, medicine): a chronic patient's monthly refills of one
    # presentation are one choice, not twelve independent ones.
    mask = in_class >= 0
    k = int(in_class.max()) + 1 if mask.any() else 1
    triples = np.unique(
        np.stack([a.pharmacy[mask], a.patient[mask], a.medicine[mask]], axis=1), axis=0
    )
    cell_class = in_class[mask][_first_of(a, mask, triples)]
    cell_top = top[mask][_first_of(a, mask, triples)]
    cell = triples[:, 0] * k + cell_class
    items = np.bincount(cell, minlength=n * k).reshape(n, k).astype(np.float64)
    tops = np.bincount(cell, weights=cell_top, minlength=n * k).reshape(n, k)
    others_items = items.sum(axis=0) - items  # every other provider, class by class
    others_tops = tops.sum(axis=0) - tops
    share = np.divide(others_tops, others_items, out=np.zeros_like(items), where=others_items > 0)
    expected = (items * share).sum(axis=1)
    variance = (items * share * (1 - share)).sum(axis=1)
    observed = tops.sum(axis=1)
    z = np.divide(observed - expected, np.sqrt(variance), out=np.zeros(n), where=variance > 0)
    return Upcoding(observed, expected, items.sum(axis=1), z)


def _first_of(a: ClaimArrays, mask: np.ndarray, triples: np.ndarray) -> IntArray:
    """For each medicine of `triples`, the index of one masked line with that medicine."""
    medicines = a.medicine[mask]
    index = np.full(int(medicines.max()) + 1, 0, dtype=np.int64)
    index[medicines[::-1]] = np.arange(medicines.size)[::-1]
    return index[triples[:, 2]]


DEFAULT_CAPACITY = 200


@dataclass(frozen=True)
class Capacity:
    days_over: IntArray  # days with more claims than the capacity, per provider
    peak: IntArray  # most claims on one day
    capacity: int


def capacity(a: ClaimArrays, limit: int = DEFAULT_CAPACITY) -> Capacity:
    n = len(a.pharmacies)
    if a.size == 0:
        return Capacity(np.zeros(n, np.int64), np.zeros(n, np.int64), limit)
    _, first = np.unique(a.claim, return_index=True)
    day0, span = int(a.day.min()), int(a.day.max() - a.day.min()) + 1
    per_day = np.bincount(a.pharmacy[first] * span + (a.day[first] - day0), minlength=n * span)
    grid = per_day.reshape(n, span)
    return Capacity((grid > limit).sum(axis=1), grid.max(axis=1), limit)


MIN_TWO_PHARMACY = 5
TWO_PHARMACY_SHARE = 0.05


@dataclass(frozen=True)
class TwoPharmacies:
    blamed: IntArray  # patient-days claimed here while the patient also claimed elsewhere
    patient_days: IntArray

    def share(self) -> FloatArray:
        den = self.patient_days.astype(np.float64)
        return np.divide(self.blamed, den, out=np.zeros(den.size), where=den > 0)

    def flagged(self) -> np.ndarray:
        return (self.blamed >= MIN_TWO_PHARMACY) & (self.share() >= TWO_PHARMACY_SHARE)


def two_pharmacies(a: ClaimArrays) -> TwoPharmacies:
    n = len(a.pharmacies)
    if a.size == 0:
        zeros = np.zeros(n, np.int64)
        return TwoPharmacies(zeros, zeros)
    visits = np.unique(np.stack([a.patient, a.day, a.pharmacy], axis=1), axis=0)
    patient, day, pharmacy = visits[:, 0], visits[:, 1], visits[:, 2]
    patient_day = patient * (int(day.max()) + 1) + day
    _, inverse, per_pd = np.unique(patient_day, return_inverse=True, return_counts=True)
    shared = per_pd[inverse] > 1
    usual = _usual_pharmacy(a, n)
    blamed_rows = shared & (pharmacy != usual[patient])
    return TwoPharmacies(
        np.bincount(pharmacy[blamed_rows], minlength=n), np.bincount(pharmacy, minlength=n)
    )


def _usual_pharmacy(a: ClaimArrays, n: int) -> IntArray:
    """Per patient: the pharmacy with most of their items (the lowest code on a tie)."""
    pairs, count = np.unique(a.patient * n + a.pharmacy, return_counts=True)
    patient, pharmacy = pairs // n, pairs % n
    order = np.lexsort((pharmacy, -count, patient))  # per patient: most items first
    patient, pharmacy = patient[order], pharmacy[order]
    first = np.r_[True, patient[1:] != patient[:-1]]
    usual = np.full(int(a.patient.max()) + 1, -1, dtype=np.int64)
    usual[patient[first]] = pharmacy[first]
    return usual


SUPPLY_DAYS = 30
EARLY_FRACTION = 0.75


def early_refills(a: ClaimArrays) -> IntArray:
    """Per line: 1 when the same patient and medicine were claimed, in another claim, fewer
    than EARLY_FRACTION x SUPPLY_DAYS days before."""
    early = np.zeros(a.size, dtype=np.int64)
    if a.size < 2:
        return early
    order = np.lexsort((a.claim, a.day, a.medicine, a.patient))
    patient, medicine, day, claim = (x[order] for x in (a.patient, a.medicine, a.day, a.claim))
    same = (patient[1:] == patient[:-1]) & (medicine[1:] == medicine[:-1])
    soon = (day[1:] - day[:-1]) < EARLY_FRACTION * SUPPLY_DAYS
    early[order[1:]] = same & soon & (claim[1:] != claim[:-1])
    return early
