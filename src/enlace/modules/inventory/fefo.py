"""First-expiry-first-out allocation: a pure function, like allocating order lines to batches.

Given the units wanted, the lots on hand and today's date, pick from the lot that expires first,
then the next, until the quantity is met or the usable lots run out (a partial fill: the rest is
the shortfall). A lot is usable while today ≤ its expiry (GS1: the expiry date is the last day
of use; trace's verification says the same). `min_days` skips lots that would expire before the
patient finishes the supply (e.g. the days' supply of the prescription): a lot is picked only if
today + min_days ≤ its expiry. Ties on expiry go to the smaller balance first (empties a shelf
slot), then the lot code, so the answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class LotOnHand:
    lot: str
    expiry: date
    balance: int


@dataclass(frozen=True, slots=True)
class Pick:
    lot: str
    expiry: date
    quantity: int


@dataclass(frozen=True, slots=True)
class Allocation:
    picks: tuple[Pick, ...]
    shortfall: int  # units wanted that no usable lot could give

    @property
    def filled(self) -> int:
        return sum(p.quantity for p in self.picks)

    @property
    def complete(self) -> bool:
        return self.shortfall == 0


def allocate(wanted: int, lots: Iterable[LotOnHand], today: date, min_days: int = 0) -> Allocation:
    """Pick `wanted` units first-expiry-first-out from the usable lots."""
    if wanted < 0 or min_days < 0:
        raise ValueError("wanted and min_days are not negative")
    last_usable_from = today + timedelta(days=min_days)
    usable = sorted(
        (lot for lot in lots if lot.balance > 0 and lot.expiry >= last_usable_from),
        key=lambda lot: (lot.expiry, lot.balance, lot.lot),
    )
    picks: list[Pick] = []
    left = wanted
    for lot in usable:
        if left == 0:
            break
        take = min(left, lot.balance)
        picks.append(Pick(lot.lot, lot.expiry, take))
        left -= take
    return Allocation(tuple(picks), left)
