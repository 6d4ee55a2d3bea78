"""Plans, benefits and coverage as plain values (pure; no database, no FHIR).

A plan is a list of machine-checkable rules; each rule names the medicines it applies to with a
`Selector` (ATC code prefixes and/or catalog therapeutic groups). Money is integer MXN centavos,
co-insurance is integer basis points (1,000 bp = 10%). docs/coverage.md explains every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Reason(StrEnum):
    """Why an item is not covered; mirrors openIMIS's claim rejection reasons."""

    NOT_COVERED = "not-covered"  # in no formulary tier of the plan
    EXCLUDED = "excluded"  # explicitly excluded by the plan
    NO_POLICY = "no-policy"  # no coverage, or one that is not active
    NO_COVERAGE_ON_DATE = "no-coverage-on-date"
    WAITING_PERIOD = "waiting-period"
    CATEGORY_LIMIT = "category-limit"  # a per-category ceiling is used up
    CEILING = "ceiling"  # the annual ceiling is used up
    FREQUENCY = "frequency"
    QUANTITY = "quantity"
    OUT_OF_NETWORK = "out-of-network"


class Scope(StrEnum):
    """Whose usage a deductible or ceiling counts: this treatment (the request), this insured
    person over the plan year, or the whole policy (subscriber and dependents together)."""

    TREATMENT = "treatment"
    INSUREE = "insuree"
    POLICY = "policy"


class Setting(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Selector:
    """Which medicines a rule applies to: any ATC prefix (any level) or any therapeutic group."""

    atc_prefixes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def specificity(self, atc: str, group: str) -> int:
        """0 when the selector does not match; else the longest matching ATC prefix (a group
        match counts as 1, less specific than any ATC prefix)."""
        best = max((len(p) + 1 for p in self.atc_prefixes if atc.startswith(p)), default=0)
        return best or (1 if group in self.groups else 0)

    def matches(self, atc: str, group: str) -> bool:
        return self.specificity(atc, group) > 0


@dataclass(frozen=True, slots=True)
class CostShare:
    """What the patient pays of the allowed amount: a fixed copay per item, or co-insurance."""

    copay_centavos: int = 0
    coinsurance_bp: int = 0

    def patient_part(self, amount_centavos: int) -> int:
        """Co-insurance rounds half up to the centavo; a copay never exceeds the amount."""
        if self.coinsurance_bp:
            return (amount_centavos * self.coinsurance_bp + 5_000) // 10_000
        return min(self.copay_centavos, amount_centavos)


@dataclass(frozen=True, slots=True)
class Tier:
    code: str  # e.g. "generic", "brand", "specialty"
    selector: Selector
    cost_share: CostShare


@dataclass(frozen=True, slots=True)
class Deductible:
    scope: Scope
    amount_centavos: int
    setting: Setting = Setting.ANY


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The most the payer pays per plan year; `category` (a therapeutic group) or overall."""

    scope: Scope  # INSUREE or POLICY
    amount_centavos: int
    category: str | None = None


@dataclass(frozen=True, slots=True)
class QuantityLimit:
    """At most `units` dose units (tablets, pens) of one substance per window of `days`."""

    selector: Selector
    units: int
    days: int = 30


@dataclass(frozen=True, slots=True)
class FrequencyLimit:
    """At most `fills` dispenses of one substance per window of `days`."""

    selector: Selector
    fills: int
    days: int = 30


@dataclass(frozen=True, slots=True)
class WaitingPeriod:
    """No benefit for `days` after the coverage starts; when `pre_existing_only`, only for
    conditions the person had before (declared on the Coverage)."""

    selector: Selector
    days: int
    pre_existing_only: bool = False


@dataclass(frozen=True, slots=True)
class Network:
    """Providers in network (Organization slugs); out of network either not covered (None) or
    at another cost share."""

    organizations: tuple[str, ...]
    out_of_network: CostShare | None = None

    def includes(self, organization: str | None) -> bool:
        return organization is None or organization in self.organizations


@dataclass(frozen=True)
class Plan:
    id: str  # InsurancePlan id, e.g. "plan-imss"
    name: str
    payer: str  # Organization slug of the payer
    kind: str  # public | sgmm | gmm | ises
    tiers: tuple[Tier, ...]
    network: Network
    exclusions: tuple[Selector, ...] = ()
    deductibles: tuple[Deductible, ...] = ()
    ceilings: tuple[Ceiling, ...] = ()
    quantity_limits: tuple[QuantityLimit, ...] = ()
    frequency_limits: tuple[FrequencyLimit, ...] = ()
    waiting_periods: tuple[WaitingPeriod, ...] = ()
    prior_authorization: tuple[Selector, ...] = ()
    max_dependents: int = 0  # family members a subscriber may add (0: individual only)
    assumptions: str = ""  # what the plan's figures rest on (docs/coverage.md)

    def tier_for(self, atc: str, group: str) -> Tier | None:
        """The most specific matching tier (the first of equally specific ones)."""
        best, best_score = None, 0
        for tier in self.tiers:
            score = tier.selector.specificity(atc, group)
            if score > best_score:
                best, best_score = tier, score
        return best


@dataclass(frozen=True, slots=True)
class Product:
    """A medicine as eligibility sees it (built from the catalog's Medicine)."""

    slug: str
    atc: str
    group: str
    pack_size: int
    price_centavos: int


@dataclass(frozen=True)
class CoverageFacts:
    coverage_id: str
    policy_id: str  # family members share it: policy-level accumulators are keyed by it
    plan_id: str
    active: bool
    start: date
    end: date | None
    pre_existing: frozenset[str] = frozenset()  # therapeutic groups declared at enrollment

    def in_force(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True, slots=True)
class Item:
    product: Product
    packs: int
    unit_price_centavos: int
    provider: str | None = None  # Organization slug of the dispensing/treating provider
    setting: Setting = Setting.OUTPATIENT

    @property
    def units(self) -> int:
        return self.packs * self.product.pack_size

    @property
    def amount_centavos(self) -> int:
        return self.packs * self.unit_price_centavos


# (holder, period, bucket) -> amount; holder is a coverage id or a policy id.
Accumulators = Mapping[tuple[str, str, str], int]


@dataclass(frozen=True, slots=True)
class Remaining:
    """One limit as it stands after this item: in centavos, units or fills."""

    name: str  # e.g. "ceiling:insuree", "units:A10BA02"
    unit: str  # centavos | units | fills
    allowed: int
    used: int

    @property
    def left(self) -> int:
        return max(self.allowed - self.used, 0)


@dataclass(frozen=True)
class ItemResult:
    product: Product
    covered: bool
    reason: Reason | None = None
    tier: str | None = None
    in_network: bool = True
    amount_centavos: int = 0
    patient_centavos: int = 0  # deductible + copay/co-insurance + what ceilings leave over
    payer_centavos: int = 0
    deductible_centavos: int = 0
    prior_authorization: bool = False
    remaining: tuple[Remaining, ...] = ()
    alternative: Product | None = None
    usage: dict[tuple[str, str, str], int] = field(default_factory=dict)  # what it would add


@dataclass(frozen=True)
class EligibilityResult:
    coverage_id: str
    in_force: bool
    reason: Reason | None  # for the coverage as a whole (no policy, not on date)
    items: tuple[ItemResult, ...]
