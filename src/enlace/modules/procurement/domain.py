"""Red flags, their settings, and the quartile statistics the outlier indicators share.

The indicators are the Open Contracting Partnership's Cardinal red flags (docs/procurement.md has
each definition); defaults here are Cardinal's defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

INDICATOR_TITLES: Mapping[str, str] = {
    "R003": "Short submission period",
    "R018": "Single bid received",
    "R024": "Price close to winning bid",
    "R028": "Identical bid prices",
    "R030": "Late bid won",
    "R035": "All except winning bid disqualified",
    "R036": "Lowest bid disqualified",
    "R038": "Excessive disqualified bids",
    "R048": "Heterogeneous supplier",
    "R058": "Heavily discounted bid",
}
INDICATORS: tuple[str, ...] = tuple(INDICATOR_TITLES)

# Who a flag is about, as Cardinal groups its results.
OCID, BUYER, PROCURING_ENTITY, TENDERER = "OCID", "Buyer", "ProcuringEntity", "Tenderer"

Figure = float | int | str


@dataclass(frozen=True, slots=True)
class Flag:
    """One red flag: which indicator, about whom, its value and the numbers that raised it."""

    indicator: str
    group: str  # OCID | Buyer | ProcuringEntity | Tenderer
    key: str  # the ocid, or the organization's id
    value: float  # Cardinal's output value for this indicator
    explanation: str
    figures: tuple[tuple[str, Figure], ...] = ()
    tenderers: tuple[str, ...] = ()  # tenderers flagged with a contracting process

    def as_dict(self) -> dict[str, object]:
        return {
            "indicator": self.indicator,
            "title": INDICATOR_TITLES[self.indicator],
            "group": self.group,
            "key": self.key,
            "value": self.value,
            "explanation": self.explanation,
            "figures": dict(self.figures),
            "tenderers": list(self.tenderers),
        }


def _frozen(*values: str) -> frozenset[str]:
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class RedFlagSettings:
    """Thresholds and filters; every default is Cardinal's (`None` means "use the quartile fence")."""

    currency: str | None = None  # main currency; None: the first one observed
    excluded_procurement_method_details: frozenset[str] = frozenset()
    # Price comparisons (R024, R028, R036, R058) are pointless where the buyer sets the price.
    no_price_comparison_procurement_methods: frozenset[str] = frozenset()
    price_comparison_procurement_methods: frozenset[str] = frozenset()
    r003_threshold_days: int = 15
    r003_threshold_by_method_details: Mapping[str, int] = field(default_factory=dict)
    r003_procurement_methods: frozenset[str] = frozenset()  # empty: every method
    r018_procurement_methods: frozenset[str] = field(
        default_factory=lambda: _frozen("open", "selective")
    )
    r024_threshold: float | None = None  # default: lower fence Q1 - 1.5 IQR
    r035_threshold: int = 1
    r038_threshold: float | None = None  # default: upper fence Q3 + 1.5 IQR
    r038_minimum_submitted_bids: int = 2
    r038_minimum_contracting_processes: int = 2
    r048_threshold: int | None = None  # default: upper fence Q3 + 1.5 IQR
    r048_digits: int = 2
    r048_minimum_contracting_processes: int = 20
    r058_threshold: float | None = None  # default: upper fence Q3 + 1.5 IQR
    price_ratio_threshold: float = 2.0  # unit price over catalog reference price


@dataclass(frozen=True, slots=True)
class Quartiles:
    q1: float
    q3: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def lower_fence(self) -> float:
        return self.q1 - 1.5 * self.iqr

    @property
    def upper_fence(self) -> float:
        return self.q3 + 1.5 * self.iqr


def quantile(sorted_values: list[float], tau: float) -> float:
    """The tau-quantile by Hyndman and Fan's type 8 (approximately median-unbiased).

    Type 8 is what Cardinal's statistics library computes, so fences here match Cardinal's.
    """
    n = len(sorted_values)
    if n == 0:
        return math.nan
    position = (n + 1 / 3) * tau + 1 / 3
    below = math.floor(position)
    if below <= 0 or tau == 0.0:
        return sorted_values[0]
    if below >= n or tau == 1.0:
        return sorted_values[-1]
    low, high = sorted_values[below - 1], sorted_values[below]
    return low + (position - below) * (high - low)


def quartiles(values: Iterable[float]) -> Quartiles:
    ordered = sorted(values)
    return Quartiles(quantile(ordered, 0.25), quantile(ordered, 0.75))


def rounded(value: float, places: int = 4) -> float:
    return round(value, places)
