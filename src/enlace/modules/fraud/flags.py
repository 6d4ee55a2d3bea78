"""A flag: one provider, one rule, the numbers behind it and a plain-English explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Rule names (the page translates them; see the payer dashboard's strings).
ZSCORE = "zscore"
MAD = "robust-mad"
UPCODING = "upcoding"
CAPACITY = "impossible-day-capacity"
TWO_PHARMACIES = "impossible-day-two-pharmacies"
EARLY_REFILL = "early-refill"
FOREST = "isolation-forest"
BENFORD = "benford"
RULES = (ZSCORE, MAD, UPCODING, CAPACITY, TWO_PHARMACIES, EARLY_REFILL, FOREST, BENFORD)


@dataclass(frozen=True)
class Flag:
    provider: str  # pharmacy (catalog facility slug)
    rule: str  # one of RULES
    feature: str  # what was measured, e.g. "claims_per_patient"; the rule name when none
    explanation: str  # plain English, with the numbers
    numbers: dict[str, Any] = field(default_factory=dict)  # value, median, MAD, z, ...

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "rule": self.rule,
            "feature": self.feature,
            "explanation": self.explanation,
            "numbers": self.numbers,
        }


def fmt(value: float) -> str:
    """A number for an explanation: integers as such, others with 3 significant decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.1f}"
