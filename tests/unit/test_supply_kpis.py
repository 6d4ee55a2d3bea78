"""Every stock-out KPI against a fixture computed by hand (docs/supply_kpis.md).

The fixture: plan min 1, max 3 months; AMC window 3 months = 90 days. Day 2026-03-04 (a
Wednesday). Facilities F1 (state 09, imss), F2 (09, issste), F3 (14, imss); products P1, P2.

| pair  | on hand | issued | days out | N = ceil(C·90/(90-X)) | AMC = N/3 | MOS  | plan    | daily = C/(90-X) | days of stock |
|-------|---------|--------|----------|------------------------|-----------|------|---------|------------------|---------------|
| F1 P1 | 0       | 90     | 30       | ceil(8100/60) = 135    | 45        | 0    | under   | 1.5              | 0 (stocked out) |
| F1 P2 | 60      | 45     | 0        | 45                     | 15        | 4    | over    | 0.5              | 120           |
| F2 P1 | 20      | 30     | 0        | 30                     | 10        | 2    | within  | 1/3              | 60            |
| F2 P2 | 5       | 0      | 0        | 0                      | 0         | —    | unknown | 0                | —             |
| F3 P1 | 0       | 0      | 90       | — (never in stock)     | —         | —    | unknown | —                | —             |
| F3 P2 | 3       | 10     | 10       | ceil(900/80 = 11.25) = 12 | 4      | 0.75 | under   | 0.125            | 24            |

Reported in the period: F1 P1 and F3 P2 only -> facilities F1 and F3 reported, F2 did not.

Rollups (pairs, stocked out, assessed = MOS known, within plan, facilities, reported, days out):
network *: 6, 2 (F1P1, F3P1), 4 (F1P1, F1P2, F2P1, F3P2), 1 (F2P1), 3, 2, 30+90+10 = 130.
network P1: 3, 2, 2, 1, 3, 2, 120.  network P2: 3, 0, 2, 0, 3, 2, 10.
state 09 *: 4, 1, 3, 1, 2, 1, 30.   state 14 *: 2, 1, 1, 0, 1, 1, 100.
institution imss *: 4, 2, 3, 0, 2, 2, 130.   facility F1: 2, 1, 2, 0, 1, 1, 30.
Stock-out rate of P1 in the network: 2 / 3; network: 2 / 6; reporting rate 2 / 3.

Run-out: F1, F2 delivered weekly on Mondays (default) -> next Mon 2026-03-09, 5 days away.
F3 every 30 days from 2026-04-01 -> next 2026-04-01, 28 days away. Alerts: days of stock < days
to delivery, in stock: F3 P2 only (24 < 28), short ceil(0.125 x 28 - 3) = ceil(0.5) = 1 unit.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from enlace.modules.supply_kpis import (
    OVER,
    UNDER,
    UNKNOWN,
    WITHIN,
    DeliveryCycle,
    Ledger,
    Plan,
    adjusted_consumption,
    compute,
    pair_kpis,
    rate,
)
from enlace.modules.supply_kpis.runout import DEFAULT_CYCLE, shortfall

DAY = date(2026, 3, 4)
PLAN = Plan(min_months=1, max_months=3, amc_months=3)
NAN = math.nan


def fixture() -> Ledger:
    return Ledger(
        day=DAY,
        facilities=["F1", "F2", "F3"],
        products=["P1", "P2"],
        state=["09", "09", "14"],
        institution=["imss", "issste", "imss"],
        facility=np.array([0, 0, 1, 1, 2, 2]),
        product=np.array([0, 1, 0, 1, 0, 1]),
        on_hand=np.array([0, 60, 20, 5, 0, 3]),
        issued=np.array([90, 45, 30, 0, 0, 10]),
        days_out=np.array([30, 0, 0, 0, 90, 10]),
        reported=np.array([True, False, False, False, False, True]),
    )


def close(actual: np.ndarray, expected: list[float]) -> None:  # type: ignore[type-arg]
    np.testing.assert_allclose(actual, np.array(expected), rtol=1e-12, equal_nan=True)


def test_adjusted_consumption_is_openlmis_n() -> None:
    close(
        adjusted_consumption(np.array([90, 45, 0, 10, 3]), np.array([30, 0, 90, 10, 0]), 90),
        [135, 45, NAN, 12, 3],
    )


def test_pair_kpis_match_the_table() -> None:
    ledger = fixture()
    kpis = pair_kpis(ledger.on_hand, ledger.issued, ledger.days_out, PLAN)
    assert kpis.stocked_out.tolist() == [True, False, False, False, True, False]
    close(kpis.amc, [45, 15, 10, 0, NAN, 4])
    close(kpis.months_of_stock, [0, 4, 2, NAN, NAN, 0.75])
    assert kpis.plan.tolist() == [UNDER, OVER, WITHIN, UNKNOWN, UNKNOWN, UNDER]
    close(kpis.daily_use, [1.5, 0.5, 1 / 3, 0, NAN, 0.125])
    close(kpis.days_of_stock, [0, 120, 60, NAN, NAN, 24])


def test_plan_bounds_are_inclusive_and_configurable() -> None:
    kpis = pair_kpis(np.array([15, 45, 46]), np.array([45, 45, 45]), np.array([0, 0, 0]), PLAN)
    assert kpis.plan.tolist() == [WITHIN, WITHIN, OVER]  # MOS 1, 3, 3.07
    strict = Plan(min_months=2, max_months=2.5)
    assert pair_kpis(np.array([15]), np.array([45]), np.array([0]), strict).plan.tolist() == [UNDER]


def test_rollups_match_the_hand_counts() -> None:
    snapshot = compute(fixture(), PLAN, {"F3": DeliveryCycle(30, date(2026, 4, 1))})
    found = {
        (r.level, r.scope, r.product): (
            r.pairs,
            r.stocked_out,
            r.assessed,
            r.within_plan,
            r.facilities,
            r.reported,
            r.days_out,
        )
        for r in snapshot.rollups
    }
    assert found[("network", "*", "*")] == (6, 2, 4, 1, 3, 2, 130)
    assert found[("network", "*", "P1")] == (3, 2, 2, 1, 3, 2, 120)
    assert found[("network", "*", "P2")] == (3, 0, 2, 0, 3, 2, 10)
    assert found[("state", "09", "*")] == (4, 1, 3, 1, 2, 1, 30)
    assert found[("state", "14", "*")] == (2, 1, 1, 0, 1, 1, 100)
    assert found[("institution", "imss", "*")] == (4, 2, 3, 0, 2, 2, 130)
    assert found[("facility", "F1", "*")] == (2, 1, 2, 0, 1, 1, 30)
    assert ("facility", "F1", "P1") not in found  # the pair row itself says it
    network = found[("network", "*", "*")]
    assert rate(network[1], network[0]) == pytest.approx(2 / 6)
    assert rate(network[5], network[4]) == pytest.approx(2 / 3)
    assert rate(found[("network", "*", "P1")][1], 3) == pytest.approx(2 / 3)


def test_runout_alert_explains_itself() -> None:
    snapshot = compute(fixture(), PLAN, {"F3": DeliveryCycle(30, date(2026, 4, 1))})
    assert [(a.facility, a.product) for a in snapshot.alerts] == [("F3", "P2")]
    alert = snapshot.alerts[0]
    assert (alert.on_hand, alert.daily_use, alert.days_of_stock) == (3, 0.125, 24)
    assert (alert.next_delivery, alert.days_to_delivery, alert.shortfall) == (
        date(2026, 4, 1),
        28,
        1,
    )


def test_weekly_default_and_cycles() -> None:
    assert DEFAULT_CYCLE.next_after(DAY) == date(2026, 3, 9)
    assert DEFAULT_CYCLE.next_after(date(2026, 3, 9)) == date(2026, 3, 16)  # today's is shelved
    assert DeliveryCycle(14, date(2026, 3, 1)).next_after(date(2026, 2, 1)) == date(2026, 3, 1)
    with pytest.raises(ValueError):
        DeliveryCycle(0, DAY)
    assert shortfall(10, 0.5, 7) == 0


def test_empty_denominators_are_no_rate() -> None:
    assert rate(0, 0) is None
    assert rate(0, 4) == 0.0


def test_empty_ledger_gives_empty_rollups() -> None:
    empty = Ledger(
        DAY,
        [],
        [],
        [],
        [],
        *(np.array([], dtype=np.int64) for _ in range(5)),
        np.array([], dtype=bool),
    )
    snapshot = compute(empty, PLAN, {})
    assert snapshot.rollups == [] and snapshot.alerts == []


def test_plan_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Plan(min_months=3, max_months=1)
    with pytest.raises(ValueError):
        Plan(amc_months=0)


def test_unfilled_within_24_and_72_hours() -> None:
    """Day 2026-03-04 ends 2026-03-05T00:00Z. Written 2026-03-01T10:00Z, 30 units:
    A: 30 handed over at +2 h            -> filled within 24 h and 72 h.
    B: 10 at +5 h, 20 at +30 h           -> unfilled at 24 h (10 < 30), filled at 72 h.
    C: nothing                           -> unfilled at both.
    D: no quantity, 1 unit at +80 h      -> unfilled at both (nothing within 72 h).
    E: written 2026-03-03T10:00Z         -> 24 h window closed (counted, unfilled); 72 h still
                                            open (not counted).
    24 h: unfilled B, C, D, E of 5 -> 4/5. 72 h: C, D of 4 -> 2/4. Pharmacy x holds A, B."""
    from datetime import UTC, datetime, timedelta

    from enlace.modules.supply_kpis import Prescribed, unfilled_counts

    t0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
    h = timedelta(hours=1)
    written = [
        Prescribed("A", t0, 30, "x", ((t0 + 2 * h, 30),)),
        Prescribed("B", t0, 30, "x", ((t0 + 5 * h, 10), (t0 + 30 * h, 20))),
        Prescribed("C", t0, 30, None, ()),
        Prescribed("D", t0, None, None, ((t0 + 80 * h, 1),)),
        Prescribed("E", t0 + 48 * h, 30, None, ()),
    ]
    day = [(u.pharmacy, u.unfilled, u.of) for u in unfilled_counts(written, DAY, 24)]
    assert day == [("*", 4, 5), ("?", 3, 3), ("x", 1, 2)]
    three = [(u.pharmacy, u.unfilled, u.of) for u in unfilled_counts(written, DAY, 72)]
    assert three == [("*", 2, 4), ("?", 2, 2), ("x", 0, 2)]
