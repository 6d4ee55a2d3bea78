"""Claim lines as columns (numpy arrays): the analytics never loop over rows in Python.

`ClaimArrays.from_lines` reads `claims.claim_lines` (one row per adjudicated claim item, refused
ones included) into integer-coded columns; `ClaimArrays.build` takes columns a generator made
(the benchmark). Strings (pharmacy, patient, medicine, claim, refusal reason) become codes into
sorted vocabularies, dates become day numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from enlace.modules.claims import ClaimLine

IntArray = NDArray[np.int64]
PHANTOM = "phantom"


@dataclass(frozen=True)
class ClaimArrays:
    pharmacies: tuple[str, ...]  # vocabulary of `pharmacy`
    medicines: tuple[str, ...]  # vocabulary of `medicine` (catalog slugs)
    reasons: tuple[str, ...]  # vocabulary of `reason`; "" (approved) is code 0
    outcomes: tuple[str, ...]  # vocabulary of `outcome` (the claim's RemittanceOutcome)
    pharmacy: IntArray
    patient: IntArray
    medicine: IntArray
    claim: IntArray
    day: IntArray  # date.toordinal() of the service date
    packs: IntArray
    submitted: IntArray  # centavos claimed for the item
    paid: IntArray  # payer centavos
    reason: IntArray
    outcome: IntArray

    @property
    def size(self) -> int:
        return int(self.pharmacy.size)

    def where(self, mask: np.ndarray) -> ClaimArrays:
        """The lines where `mask` is true, with the same vocabularies."""
        columns = {name: getattr(self, name)[mask] for name in _COLUMN_NAMES}
        return ClaimArrays(self.pharmacies, self.medicines, self.reasons, self.outcomes, **columns)

    def reason_code(self, reason: str) -> int:
        """The code of a refusal reason, -1 when no line has it."""
        return self.reasons.index(reason) if reason in self.reasons else -1

    @classmethod
    def build(
        cls,
        pharmacies: Sequence[str],
        medicines: Sequence[str],
        reasons: Sequence[str],
        outcomes: Sequence[str] = ("complete",),
        **columns: Sequence[int] | IntArray,
    ) -> ClaimArrays:
        if not reasons or reasons[0] != "":
            raise ValueError('reason code 0 must be "" (approved)')
        missing = [n for n in _COLUMN_NAMES if n not in columns and n != "outcome"]
        if missing:
            raise ValueError(f"columns missing: {', '.join(missing)}")
        if "outcome" not in columns:
            columns["outcome"] = np.zeros(len(columns["pharmacy"]), dtype=np.int64)
        arrays = {name: np.asarray(values, dtype=np.int64) for name, values in columns.items()}
        sizes = {a.size for a in arrays.values()}
        if len(sizes) > 1:
            raise ValueError(f"columns of different lengths: {sorted(sizes)}")
        return cls(tuple(pharmacies), tuple(medicines), tuple(reasons), tuple(outcomes), **arrays)

    @classmethod
    def from_lines(cls, lines: Iterable[ClaimLine]) -> ClaimArrays:
        codes: dict[str, dict[str, int]] = {k: {} for k in ("ph", "pa", "me", "cl", "re", "ou")}
        codes["re"][""] = 0
        cols: dict[str, list[int]] = {k: [] for k in _COLUMN_NAMES}
        for line in lines:
            cols["pharmacy"].append(_code(codes["ph"], line.pharmacy))
            cols["patient"].append(_code(codes["pa"], line.patient))
            cols["medicine"].append(_code(codes["me"], line.medication))
            cols["claim"].append(_code(codes["cl"], line.claim_id))
            cols["day"].append(line.service_date.toordinal())
            cols["packs"].append(line.packs)
            cols["submitted"].append(line.submitted_centavos)
            cols["paid"].append(line.payer_centavos)
            cols["reason"].append(_code(codes["re"], line.reason))
            cols["outcome"].append(_code(codes["ou"], line.outcome))
        return cls.build(
            list(codes["ph"]), list(codes["me"]), list(codes["re"]), list(codes["ou"]), **cols
        )


_COLUMN_NAMES = (
    "pharmacy",
    "patient",
    "medicine",
    "claim",
    "day",
    "packs",
    "submitted",
    "paid",
    "reason",
    "outcome",
)


def _code(vocabulary: dict[str, int], value: str) -> int:
    found = vocabulary.get(value)
    if found is None:
        found = vocabulary[value] = len(vocabulary)
    return found


def day_of(ordinal: int) -> date:
    return date.fromordinal(ordinal)
