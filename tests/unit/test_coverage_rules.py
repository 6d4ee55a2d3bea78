"""Eligibility rules, each at its boundary: formulary, network, waiting periods, frequency and
quantity windows, deductibles, co-insurance rounding, ceilings, family accumulators, and the
formulary alternative."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from enlace.modules.coverage import fhir_map
from enlace.modules.coverage.domain import (
    Accumulators,
    Ceiling,
    CostShare,
    CoverageFacts,
    Deductible,
    FrequencyLimit,
    Item,
    ItemResult,
    Network,
    Plan,
    Product,
    QuantityLimit,
    Reason,
    Scope,
    Selector,
    Setting,
    Tier,
    WaitingPeriod,
)
from enlace.modules.coverage.eligibility import (
    check_eligibility,
    plan_year,
    stored_usage,
    window,
)
from enlace.modules.coverage.plans_data import PLANS

START = date(2026, 1, 1)
METFORMIN = Product("metformin-850-tab", "A10BA02", "diabetes", 30, 4_500)
GLIBENCLAMIDE = Product("glibenclamide-5-tab", "A10BB01", "diabetes", 50, 3_800)
GLIMEPIRIDE = Product("glimepiride-2-tab", "A10BB12", "diabetes", 30, 9_500)
TOLBUTAMIDE = Product("tolbutamide-500-tab", "A10BB03", "diabetes", 100, 9_000)
ADALIMUMAB = Product("adalimumab-40-syringe", "L04AB04", "rheumatoid-arthritis", 2, 1_450_000)
FORMULARY = (METFORMIN, GLIBENCLAMIDE, GLIMEPIRIDE, TOLBUTAMIDE, ADALIMUMAB)
FACTS = CoverageFacts("c1", "pol-1", "plan-t", True, START, date(2026, 12, 31))


def plan(**rules: object) -> Plan:
    base = Plan(
        "plan-t",
        "Test",
        "payer",
        "gmm",
        (Tier("all", Selector(groups=("diabetes", "rheumatoid-arthritis")), CostShare()),),
        Network(("net",)),
    )
    return replace(base, **rules)


def one(
    p: Plan,
    line: Item,
    on: date = START,
    usage: Accumulators | None = None,
    facts: CoverageFacts = FACTS,
) -> ItemResult:
    return check_eligibility(p, facts, usage or {}, [line], on, FORMULARY).items[0]


def item(
    product: Product = METFORMIN,
    packs: int = 1,
    price: int | None = None,
    provider: str | None = None,
    setting: Setting = Setting.OUTPATIENT,
) -> Item:
    unit_price = product.price_centavos if price is None else price
    return Item(product, packs, unit_price, provider, setting)


def test_coverage_not_active_or_not_on_date() -> None:
    p = plan()
    inactive = replace(FACTS, active=False)
    assert one(p, item(), facts=inactive).reason is Reason.NO_POLICY
    assert one(p, item(), on=date(2027, 1, 1)).reason is Reason.NO_COVERAGE_ON_DATE
    assert one(p, item(), on=date(2025, 12, 31)).reason is Reason.NO_COVERAGE_ON_DATE
    assert one(p, item(), on=date(2026, 12, 31)).covered  # the last day is in force


def test_formulary_tier_exclusion_and_the_cheapest_alternative() -> None:
    p = plan(exclusions=(Selector(("A10BB12",)),))
    excluded = one(p, item(GLIMEPIRIDE))
    assert excluded.reason is Reason.EXCLUDED and excluded.patient_centavos == 9_500
    # Same ATC level 4 (A10BB): glibenclamide 76 centavos a tablet beats tolbutamide's 90.
    assert excluded.alternative == GLIBENCLAMIDE
    not_listed = plan(tiers=(Tier("metformin", Selector(("A10BA",)), CostShare()),))
    result = one(not_listed, item(GLIMEPIRIDE))
    assert result.reason is Reason.NOT_COVERED and result.alternative is None


def test_the_most_specific_tier_wins() -> None:
    tiers = (
        Tier("group", Selector(groups=("diabetes",)), CostShare(copay_centavos=100)),
        Tier("atc", Selector(("A10BA",)), CostShare(copay_centavos=7)),
    )
    assert one(plan(tiers=tiers), item()).patient_centavos == 7
    assert one(plan(tiers=tiers), item(GLIBENCLAMIDE)).patient_centavos == 100


def test_network_in_out_and_out_of_network_cost_share() -> None:
    assert one(plan(), item(provider="net")).covered
    assert one(plan(), item(provider=None)).covered  # no provider named: not checked
    out = one(plan(), item(provider="elsewhere"))
    assert out.reason is Reason.OUT_OF_NETWORK and not out.in_network
    open_network = plan(network=Network(("net",), CostShare(coinsurance_bp=2_000)))
    result = one(open_network, item(price=1_000, provider="elsewhere"))
    assert result.covered and result.patient_centavos == 200 and not result.in_network


def test_waiting_period_boundary_and_pre_existing_only() -> None:
    wait = plan(waiting_periods=(WaitingPeriod(Selector(groups=("diabetes",)), 30),))
    assert one(wait, item(), on=START + timedelta(days=29)).reason is Reason.WAITING_PERIOD
    assert one(wait, item(), on=START + timedelta(days=30)).covered
    pre = plan(waiting_periods=(WaitingPeriod(Selector(groups=("diabetes",)), 730, True),))
    assert one(pre, item(), on=START + timedelta(days=100)).covered
    declared = replace(FACTS, pre_existing=frozenset({"diabetes"}))
    result = one(pre, item(), on=START + timedelta(days=100), facts=declared)
    assert result.reason is Reason.WAITING_PERIOD


def test_frequency_limit_per_window() -> None:
    p = plan(frequency_limits=(FrequencyLimit(Selector(groups=("diabetes",)), 1, 30),))
    first = check_eligibility(p, FACTS, {}, [item(), item()], START)
    assert first.items[0].covered and first.items[1].reason is Reason.FREQUENCY
    used = stored_usage(first)
    assert used[("c1", "w30-0", "fills:A10BA02")] == 1
    assert one(p, item(), START + timedelta(days=29), used).reason is Reason.FREQUENCY
    assert one(p, item(), START + timedelta(days=30), used).covered  # the next window


def test_quantity_limit_in_units_at_the_boundary() -> None:
    p = plan(quantity_limits=(QuantityLimit(Selector(("A10BA",)), 90, 30),))
    assert one(p, item(packs=3)).covered  # 90 tablets
    over = one(p, item(packs=4))
    assert over.reason is Reason.QUANTITY
    limit = over.remaining[0]
    assert (limit.allowed, limit.used, limit.left) == (90, 0, 90)
    assert one(p, item(), usage={("c1", "w30-0", "units:A10BA02"): 61}).reason is Reason.QUANTITY


def test_coinsurance_rounds_half_up_to_the_centavo() -> None:
    p = plan(tiers=(Tier("t", Selector(groups=("diabetes",)), CostShare(coinsurance_bp=1_250)),))
    assert one(p, item(price=4)).patient_centavos == 1  # 0.5 → 1
    assert one(p, item(price=3)).patient_centavos == 0  # 0.375 → 0
    assert one(p, item(price=12)).patient_centavos == 2  # 1.5 → 2
    result = one(p, item(price=999, packs=3))
    assert (result.patient_centavos, result.payer_centavos) == (375, 2_622)  # 374.625 → 375


def test_copay_never_exceeds_the_price() -> None:
    p = plan(tiers=(Tier("t", Selector(groups=("diabetes",)), CostShare(copay_centavos=5_000)),))
    assert one(p, item(price=3_000)).patient_centavos == 3_000
    assert one(p, item(price=8_000)).patient_centavos == 5_000


def test_deductible_first_then_cost_share_and_policy_level_usage() -> None:
    tier = Tier("t", Selector(groups=("diabetes",)), CostShare(coinsurance_bp=1_000))
    p = plan(tiers=(tier,), deductibles=(Deductible(Scope.POLICY, 5_000),))
    result = one(p, item(price=8_000))
    assert result.deductible_centavos == 5_000
    assert result.patient_centavos == 5_000 + 300 and result.payer_centavos == 2_700
    usage = stored_usage(check_eligibility(p, FACTS, {}, [item(price=8_000)], START))
    assert usage[("pol-1", "y0", "deductible")] == 5_000
    sibling = replace(FACTS, coverage_id="c2")  # another member of the family: already met
    after = one(p, item(price=8_000), usage=usage, facts=sibling)
    assert after.deductible_centavos == 0 and after.patient_centavos == 800


def test_treatment_deductible_spans_the_items_of_one_request_only() -> None:
    p = plan(deductibles=(Deductible(Scope.TREATMENT, 6_000, Setting.INPATIENT),))
    inpatient = item(price=4_000, setting=Setting.INPATIENT)
    result = check_eligibility(p, FACTS, {}, [inpatient, inpatient], START)
    assert [i.deductible_centavos for i in result.items] == [4_000, 2_000]
    assert not any(k[0] == "treatment" for k in stored_usage(result))
    assert one(p, item(price=4_000)).deductible_centavos == 0  # outpatient: not this deductible


def test_ceilings_cap_the_payer_then_refuse() -> None:
    p = plan(ceilings=(Ceiling(Scope.INSUREE, 10_000), Ceiling(Scope.POLICY, 4_000, "diabetes")))
    partial = one(p, item(price=6_000))
    assert (partial.payer_centavos, partial.patient_centavos) == (4_000, 2_000)
    spent = {("pol-1", "y0", "paid:diabetes"): 4_000}
    assert one(p, item(), usage=spent).reason is Reason.CATEGORY_LIMIT
    spent = {("c1", "y0", "paid"): 10_000}
    assert one(p, item(), usage=spent).reason is Reason.CEILING
    next_year = one(p, item(), on=date(2027, 1, 1), usage=spent, facts=replace(FACTS, end=None))
    assert next_year.covered


def test_prior_authorization_flagged_on_a_covered_item() -> None:
    p = plan(prior_authorization=(Selector(("L04AB",)),))
    result = one(p, item(ADALIMUMAB))
    assert result.covered and result.prior_authorization
    assert not one(p, item()).prior_authorization


def test_periods_count_from_the_coverage_start() -> None:
    start = date(2025, 3, 15)
    assert plan_year(start, date(2026, 3, 14)) == "y0"
    assert plan_year(start, date(2026, 3, 15)) == "y1"
    assert window(start, date(2025, 4, 13), 30) == "w30-0"
    assert window(start, date(2025, 4, 14), 30) == "w30-1"


@pytest.mark.parametrize("shipped", PLANS, ids=lambda p: p.id)
def test_shipped_plans_survive_the_fhir_round_trip(shipped: Plan) -> None:
    back = fhir_map.plan_from_fhir(fhir_map.insurance_plan(shipped))
    assert back == replace(shipped, assumptions="")
