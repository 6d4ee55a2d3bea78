"""Real-time eligibility as a pure function: a plan, a coverage, its usage so far, the items.

Order per item (openIMIS practice, REFERENCE.md §7): coverage in force → formulary (exclusions,
tier) → network → waiting periods → frequency and quantity limits → money: deductibles first,
then the tier's copay or co-insurance on the rest, then the ceilings cap what the payer pays.
Items of one request are evaluated in order and each sees what the ones before it used, so two
packs of the same substance in one request count against the same limit.

Usage windows are counted from the coverage start: plan years ("y0", "y1", ...) for deductibles
and ceilings, windows of a limit's `days` ("w30-0", "w30-1", ...) for quantity and frequency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

from .domain import (
    Accumulators,
    CostShare,
    CoverageFacts,
    EligibilityResult,
    Item,
    ItemResult,
    Plan,
    Product,
    Reason,
    Remaining,
    Scope,
    Setting,
)

TREATMENT = "treatment"  # holder of per-treatment usage: lives only within one request
FORMULARY_REASONS = (Reason.EXCLUDED, Reason.NOT_COVERED)


def plan_year(start: date, on: date) -> str:
    before_anniversary = (on.month, on.day) < (start.month, start.day)
    return f"y{on.year - start.year - before_anniversary}"


def window(start: date, on: date, days: int) -> str:
    return f"w{days}-{(on - start).days // days}"


@dataclass
class _Usage:
    """Stored accumulators plus what earlier items of this request add."""

    stored: Accumulators
    added: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def get(self, holder: str, period: str, bucket: str) -> int:
        key = (holder, period, bucket)
        return self.stored.get(key, 0) + self.added.get(key, 0)

    def add(self, delta: dict[tuple[str, str, str], int]) -> None:
        for key, amount in delta.items():
            self.added[key] = self.added.get(key, 0) + amount


def check_eligibility(
    plan: Plan,
    facts: CoverageFacts,
    accumulators: Accumulators,
    items: Sequence[Item],
    on_date: date,
    formulary: Iterable[Product] = (),
) -> EligibilityResult:
    """Each item covered or not (with the reason), the patient's share in centavos, the limits
    left, whether prior authorization is needed, and a covered formulary alternative (same ATC
    level 4, cheapest per dose unit) for an item the formulary does not cover."""
    if not facts.active or not facts.in_force(on_date):
        reason = Reason.NO_POLICY if not facts.active else Reason.NO_COVERAGE_ON_DATE
        rejected = tuple(_rejected(item, reason) for item in items)
        return EligibilityResult(facts.coverage_id, False, reason, rejected)
    usage = _Usage(accumulators)
    candidates = tuple(formulary)
    results = []
    for item in items:
        result = _evaluate(plan, facts, usage, item, on_date)
        if result.reason in FORMULARY_REASONS:
            alternative = best_alternative(plan, facts, item.product, candidates, on_date)
            result = replace(result, alternative=alternative)
        usage.add(result.usage)
        results.append(result)
    return EligibilityResult(facts.coverage_id, True, None, tuple(results))


def _rejected(
    item: Item,
    reason: Reason,
    tier: str | None = None,
    in_network: bool = True,
    remaining: tuple[Remaining, ...] = (),
) -> ItemResult:
    """Not covered: the patient would pay the whole amount, and nothing counts as used."""
    amount = item.amount_centavos
    return ItemResult(
        item.product,
        False,
        reason,
        tier=tier,
        in_network=in_network,
        amount_centavos=amount,
        patient_centavos=amount,
        remaining=remaining,
    )


def formulary_status(
    plan: Plan, facts: CoverageFacts, product: Product, on: date
) -> tuple[Reason | None, CostShare | None, str | None]:
    """Exclusion, tier and waiting period: what depends on the medicine, not on usage."""
    if any(s.matches(product.atc, product.group) for s in plan.exclusions):
        return Reason.EXCLUDED, None, None
    tier = plan.tier_for(product.atc, product.group)
    if tier is None:
        return Reason.NOT_COVERED, None, None
    days_covered = (on - facts.start).days
    for wait in plan.waiting_periods:
        if not wait.selector.matches(product.atc, product.group):
            continue
        applies = not wait.pre_existing_only or product.group in facts.pre_existing
        if applies and days_covered < wait.days:
            return Reason.WAITING_PERIOD, None, tier.code
    return None, tier.cost_share, tier.code


def best_alternative(
    plan: Plan, facts: CoverageFacts, product: Product, candidates: Sequence[Product], on: date
) -> Product | None:
    level4 = product.atc[:5]
    covered = [
        c
        for c in candidates
        if c.slug != product.slug
        and c.atc.startswith(level4)
        and formulary_status(plan, facts, c, on)[0] is None
    ]
    return min(
        covered, key=lambda c: (Fraction(c.price_centavos, c.pack_size), c.slug), default=None
    )


def _evaluate(plan: Plan, facts: CoverageFacts, usage: _Usage, item: Item, on: date) -> ItemResult:
    product = item.product
    reason, share, tier = formulary_status(plan, facts, product, on)
    if reason is not None:
        return _rejected(item, reason, tier=tier)
    in_network = plan.network.includes(item.provider)
    if not in_network:
        if plan.network.out_of_network is None:
            return _rejected(item, Reason.OUT_OF_NETWORK, tier=tier, in_network=False)
        share = plan.network.out_of_network
    reason, remaining, counted = _count_limits(plan, facts, usage, item, on)
    if reason is not None:
        return _rejected(item, reason, tier=tier, in_network=in_network, remaining=remaining)
    assert share is not None  # formulary_status gives a share whenever there is no reason
    money = _money(plan, facts, usage, item, share, on)
    if money.reason is not None:
        return _rejected(
            item,
            money.reason,
            tier=tier,
            in_network=in_network,
            remaining=remaining + money.remaining,
        )
    prior_auth = any(s.matches(product.atc, product.group) for s in plan.prior_authorization)
    return ItemResult(
        product,
        True,
        None,
        tier=tier,
        in_network=in_network,
        amount_centavos=item.amount_centavos,
        patient_centavos=item.amount_centavos - money.payer,
        payer_centavos=money.payer,
        deductible_centavos=money.deductible,
        prior_authorization=prior_auth,
        remaining=remaining + money.remaining,
        usage={**counted, **money.usage},
    )


def _count_limits(
    plan: Plan, facts: CoverageFacts, usage: _Usage, item: Item, on: date
) -> tuple[Reason | None, tuple[Remaining, ...], dict[tuple[str, str, str], int]]:
    """Frequency (fills) and quantity (dose units) of this substance in the current window."""
    atc, group, holder = item.product.atc, item.product.group, facts.coverage_id
    remaining: list[Remaining] = []
    delta: dict[tuple[str, str, str], int] = {}
    reason = None
    for freq in plan.frequency_limits:
        if freq.selector.matches(atc, group):
            key = (holder, window(facts.start, on, freq.days), f"fills:{atc}")
            used = usage.get(*key)
            if used + 1 > freq.fills:
                reason = reason or Reason.FREQUENCY
            remaining.append(Remaining(f"fills:{atc}/{freq.days}d", "fills", freq.fills, used + 1))
            delta[key] = 1
    for qty in plan.quantity_limits:
        if qty.selector.matches(atc, group):
            key = (holder, window(facts.start, on, qty.days), f"units:{atc}")
            used = usage.get(*key)
            if used + item.units > qty.units:
                reason = reason or Reason.QUANTITY
            remaining.append(
                Remaining(f"units:{atc}/{qty.days}d", "units", qty.units, used + item.units)
            )
            delta[key] = item.units
    if reason is not None:  # nothing is dispensed: show the limits as they stand
        remaining = [
            Remaining(r.name, r.unit, r.allowed, r.used - _own(r, item)) for r in remaining
        ]
    return reason, tuple(remaining), delta


def _own(remaining: Remaining, item: Item) -> int:
    return 1 if remaining.unit == "fills" else item.units


@dataclass
class _Money:
    payer: int = 0
    deductible: int = 0
    reason: Reason | None = None
    remaining: tuple[Remaining, ...] = ()
    usage: dict[tuple[str, str, str], int] = field(default_factory=dict)


def _holder(scope: Scope, facts: CoverageFacts) -> str:
    if scope is Scope.POLICY:
        return facts.policy_id
    return TREATMENT if scope is Scope.TREATMENT else facts.coverage_id


def _money(
    plan: Plan, facts: CoverageFacts, usage: _Usage, item: Item, share: CostShare, on: date
) -> _Money:
    year = plan_year(facts.start, on)
    amount = item.amount_centavos
    deductible, remaining = _deductible_due(plan, facts, usage, item, year)
    base = amount - deductible
    payer = base - share.patient_part(base)
    out = _Money(deductible=deductible)
    for ceiling in plan.ceilings:
        if ceiling.category not in (None, item.product.group):
            continue
        holder = _holder(ceiling.scope, facts)
        bucket = "paid" if ceiling.category is None else f"paid:{ceiling.category}"
        used = usage.get(holder, year, bucket)
        left = max(ceiling.amount_centavos - used, 0)
        if left == 0 and payer > 0:
            out.reason = Reason.CEILING if ceiling.category is None else Reason.CATEGORY_LIMIT
        payer = min(payer, left)
        label = f"ceiling:{ceiling.scope}" + (f":{ceiling.category}" if ceiling.category else "")
        remaining.append(Remaining(label, "centavos", ceiling.amount_centavos, used))
    if out.reason is not None:
        out.remaining = tuple(remaining)
        return out
    out.payer = payer
    out.remaining = tuple(_after_payment(r, payer) for r in remaining)
    out.usage = _money_usage(plan, facts, year, item, payer, deductible)
    return out


def _after_payment(remaining: Remaining, payer: int) -> Remaining:
    if not remaining.name.startswith("ceiling:"):
        return remaining
    return Remaining(remaining.name, remaining.unit, remaining.allowed, remaining.used + payer)


def _deductible_due(
    plan: Plan, facts: CoverageFacts, usage: _Usage, item: Item, year: str
) -> tuple[int, list[Remaining]]:
    """The largest deductible still due applies: the treatment's (within this request), or the
    annual one, where an insuree's and the policy's both count (the lesser remainder)."""
    treatment_left, annual_left = 0, None
    remaining: list[Remaining] = []
    for rule in plan.deductibles:
        if rule.setting not in (Setting.ANY, item.setting):
            continue
        bucket = _deductible_bucket(rule.setting)
        holder = _holder(rule.scope, facts)
        used = usage.get(holder, year, bucket)
        left = max(rule.amount_centavos - used, 0)
        if rule.scope is Scope.TREATMENT:
            treatment_left = max(treatment_left, left)
        else:
            annual_left = left if annual_left is None else min(annual_left, left)
        remaining.append(
            Remaining(f"deductible:{rule.scope}", "centavos", rule.amount_centavos, used)
        )
    due = min(item.amount_centavos, max(treatment_left, annual_left or 0))
    return due, [
        Remaining(r.name, r.unit, r.allowed, min(r.used + due, r.allowed)) for r in remaining
    ]


def _deductible_bucket(setting: Setting) -> str:
    return "deductible" if setting is Setting.ANY else f"deductible:{setting}"


def _money_usage(
    plan: Plan, facts: CoverageFacts, year: str, item: Item, payer: int, deductible: int
) -> dict[tuple[str, str, str], int]:
    """What this item adds: paid amounts and deductible for the insuree and the policy (each
    holder's ceilings count their own), and the per-treatment deductible for later items."""
    group = item.product.group
    delta: dict[tuple[str, str, str], int] = {}
    for holder in (facts.coverage_id, facts.policy_id):
        delta[(holder, year, "paid")] = payer
        delta[(holder, year, f"paid:{group}")] = payer
    for rule in plan.deductibles:
        if rule.setting in (Setting.ANY, item.setting) and deductible:
            bucket = _deductible_bucket(rule.setting)
            for holder in (facts.coverage_id, facts.policy_id, TREATMENT):
                delta[(holder, year, bucket)] = deductible
    return delta


def stored_usage(result: EligibilityResult) -> dict[tuple[str, str, str], int]:
    """What a dispense or claim of these items adds to the stored accumulators (per-treatment
    amounts are not stored: they end with the request)."""
    total: dict[tuple[str, str, str], int] = {}
    for item in result.items:
        for key, amount in item.usage.items():
            if key[0] != TREATMENT and amount:
                total[key] = total.get(key, 0) + amount
    return total
