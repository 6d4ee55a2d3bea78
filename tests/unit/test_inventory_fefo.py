"""FEFO allocation, table-tested: order, ties, exact exhaustion, partial fills, expired lots."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.modules.inventory import LotOnHand, Pick, allocate

TODAY = date(2026, 3, 2)
A = LotOnHand("A", date(2026, 6, 30), 5)
B = LotOnHand("B", date(2026, 4, 30), 3)
C = LotOnHand("C", date(2027, 1, 31), 10)
TIE_BIG = LotOnHand("T1", date(2026, 5, 31), 8)
TIE_SMALL = LotOnHand("T2", date(2026, 5, 31), 2)
EXPIRED = LotOnHand("X", date(2026, 3, 1), 50)
LAST_DAY = LotOnHand("D", TODAY, 4)
EMPTY = LotOnHand("E", date(2026, 3, 10), 0)


@pytest.mark.parametrize(
    ("wanted", "lots", "min_days", "picks", "shortfall"),
    [
        # earliest expiry first, then the next
        (2, [A, B, C], 0, [("B", 2)], 0),
        (6, [A, B, C], 0, [("B", 3), ("A", 3)], 0),
        # exact exhaustion of everything usable
        (18, [A, B, C], 0, [("B", 3), ("A", 5), ("C", 10)], 0),
        # partial fill: the rest is the shortfall
        (20, [A, B, C], 0, [("B", 3), ("A", 5), ("C", 10)], 2),
        # ties on expiry: the smaller balance first, so a shelf slot empties
        (3, [TIE_BIG, TIE_SMALL], 0, [("T2", 2), ("T1", 1)], 0),
        # nothing on hand
        (4, [], 0, [], 4),
        (4, [EMPTY], 0, [], 4),
        # all expired: never touched
        (4, [EXPIRED], 0, [], 4),
        (4, [EXPIRED, B], 0, [("B", 3)], 1),
        # the expiry date is the last day of use
        (1, [LAST_DAY], 0, [("D", 1)], 0),
        # skip lots expiring before the end of the days' supply (B ends 2026-04-30)
        (2, [A, B], 60, [("A", 2)], 0),
        (2, [A, B], 59, [("B", 2)], 0),
        (2, [LAST_DAY], 1, [], 2),
        # nothing wanted
        (0, [A], 0, [], 0),
    ],
)
def test_fefo_table(
    wanted: int,
    lots: list[LotOnHand],
    min_days: int,
    picks: list[tuple[str, int]],
    shortfall: int,
) -> None:
    allocation = allocate(wanted, lots, TODAY, min_days)
    assert [(p.lot, p.quantity) for p in allocation.picks] == picks
    assert allocation.shortfall == shortfall
    assert allocation.filled + allocation.shortfall == wanted
    assert allocation.complete == (shortfall == 0)


def test_picks_carry_the_expiry_and_leave_the_input_alone() -> None:
    lots = [A, B]
    assert allocate(4, lots, TODAY).picks == (Pick("B", B.expiry, 3), Pick("A", A.expiry, 1))
    assert lots == [A, B]


def test_order_of_the_input_does_not_matter() -> None:
    assert allocate(7, [C, A, B], TODAY) == allocate(7, [B, A, C], TODAY)


@pytest.mark.parametrize(("wanted", "min_days"), [(-1, 0), (1, -1)])
def test_negative_arguments_are_refused(wanted: int, min_days: int) -> None:
    with pytest.raises(ValueError):
        allocate(wanted, [A], TODAY, min_days)
