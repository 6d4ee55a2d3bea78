"""Orders no route can carry, told apart before the solver runs so each gets its reason.

The solver only knows that it dropped an order; these checks know why. An order that passes
them and is still dropped found no room in the day's routes ("no-room").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from enlace.modules.delivery.domain import (
    UNPLACED_REASONS,
    DeliveryOrder,
    Depot,
    PlanSettings,
    Unplaced,
    Vehicle,
    Window,
)


def working_window(vehicle: Vehicle, depot: Depot) -> Window | None:
    """The part of the vehicle's shift when its depot is open; None if they never overlap."""
    start = max(vehicle.shift.start, depot.hours.start)
    end = min(vehicle.shift.end, depot.hours.end)
    return Window(start, end) if start < end else None


def unplaceable(
    order: DeliveryOrder,
    out_s: int,
    back_s: int,
    vehicles: Sequence[tuple[Vehicle, Window]],
    settings: PlanSettings,
) -> Unplaced | None:
    """Why `order` cannot be on any route from its depot, or None if some vehicle could take it.

    out_s / back_s: driving seconds depot -> address and address -> depot.
    """
    if not vehicles:
        return _reason(order, "no-vehicle")
    suitable = [(v, w) for v, w in vehicles if v.refrigerated or not order.cold_chain]
    if not suitable:
        return _reason(order, "no-refrigerated-vehicle")
    suitable = [(v, w) for v, w in suitable if v.capacity >= order.packs]
    if not suitable:
        return _reason(order, "too-big-for-depot", f"{order.packs} packs")
    if order.cold_chain and out_s > settings.cold_chain_minutes * 60:
        minutes = out_s / 60
        return _reason(order, "cold-chain-too-far", f"{minutes:.0f} min > limit")
    if not any(_reachable(order, out_s, back_s, work) for _, work in suitable):
        return _reason(order, "window-unreachable")
    return None


def _reachable(order: DeliveryOrder, out_s: int, back_s: int, work: Window) -> bool:
    begin = max(work.start * 60 + out_s, order.window.start * 60)
    return begin <= order.window.end * 60 and (
        begin + order.service_minutes * 60 + back_s <= work.end * 60
    )


def _reason(order: DeliveryOrder, reason: str, detail: str = "") -> Unplaced:
    text = UNPLACED_REASONS[reason] + (f" ({detail})" if detail else "")
    return Unplaced(order.id, reason, text)


def screen(
    orders: Sequence[DeliveryOrder],
    seconds: NDArray[np.int64],
    vehicles: Sequence[tuple[Vehicle, Window]],
    settings: PlanSettings,
) -> tuple[list[int], list[Unplaced]]:
    """Split orders (node i+1 of `seconds`, node 0 the depot) into routable indexes and refusals."""
    keep: list[int] = []
    refused: list[Unplaced] = []
    for i, order in enumerate(orders):
        why = unplaceable(order, int(seconds[0, i + 1]), int(seconds[i + 1, 0]), vehicles, settings)
        if why is None:
            keep.append(i)
        else:
            refused.append(why)
    return keep, refused
