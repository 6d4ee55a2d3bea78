"""plan_day: a day's orders grouped per depot, then one routing problem per depot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from enlace.modules.delivery.checks import check_request
from enlace.modules.delivery.domain import (
    UNPLACED_REASONS,
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Unplaced,
    Vehicle,
)
from enlace.modules.delivery.solver import plan_depot
from enlace.modules.delivery.travel import great_circle_km


def plan_day(
    orders: Sequence[DeliveryOrder],
    depots: Sequence[Depot],
    vehicles: Sequence[Vehicle],
    day: date,
    settings: PlanSettings | None = None,
) -> Plan:
    """Plan every order due on `day` (earliest date on or before it); later ones are listed.

    A 400 FhirError names each bad field and nothing is planned.
    """
    settings = settings or PlanSettings()
    check_request(orders, depots, vehicles)
    due = [o for o in orders if o.earliest_date is None or o.earliest_date <= day]
    later = tuple(o.id for o in orders if o.earliest_date is not None and o.earliest_date > day)
    groups, outside = group_by_depot(due, depots)
    plans = [plan_depot(d, vehicles, groups[d.id], settings) for d in depots if groups[d.id]]
    return Plan(
        routes=tuple(r for p in plans for r in p.routes),
        unplaced=tuple(outside) + tuple(u for p in plans for u in p.unplaced),
        cost=sum(p.cost for p in plans),
        solve_seconds=sum(p.solve_seconds for p in plans),
        later=later,
    )


def group_by_depot(
    orders: Sequence[DeliveryOrder], depots: Sequence[Depot]
) -> tuple[dict[str, list[DeliveryOrder]], list[Unplaced]]:
    """Each order to its assigned depot, or the nearest depot whose radius covers the address."""
    groups: dict[str, list[DeliveryOrder]] = {d.id: [] for d in depots}
    outside: list[Unplaced] = []
    free = [o for o in orders if o.depot is None]
    for order in orders:
        if order.depot is not None:
            groups[order.depot].append(order)
    if not free or not depots:
        outside += [_outside(o) for o in free]
        return groups, outside
    points = [(d.latitude, d.longitude) for d in depots]
    points += [(o.address.latitude, o.address.longitude) for o in free]
    km = great_circle_km(points)[len(depots) :, : len(depots)]
    for row, order in zip(km, free, strict=True):
        serving = [
            (distance, d)
            for distance, d in zip(row, depots, strict=True)
            if d.service_radius_km is None or distance <= d.service_radius_km
        ]
        if serving:
            groups[min(serving, key=lambda pair: pair[0])[1].id].append(order)
        else:
            outside.append(_outside(order))
    return groups, outside


def _outside(order: DeliveryOrder) -> Unplaced:
    return Unplaced(order.id, "outside-service-area", UNPLACED_REASONS["outside-service-area"])
