"""An independent check of a plan: every constraint recomputed from the orders and the map.

It does not trust the solver's times: it replays each route from the depot with the travel
matrix and checks windows, capacity, shifts, refrigeration and cold-chain transit, and that
each order is routed or reported unplaced exactly once. Used by the tests and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

from enlace.modules.delivery.domain import (
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Route,
    Vehicle,
)
from enlace.modules.delivery.travel import road_km, travel_seconds


def violations(
    plan: Plan,
    orders: Sequence[DeliveryOrder],
    depots: Sequence[Depot],
    vehicles: Sequence[Vehicle],
    settings: PlanSettings | None = None,
) -> list[str]:
    """Every broken rule of `plan`, as sentences; an empty list means the plan is valid."""
    settings = settings or PlanSettings()
    by_id = {o.id: o for o in orders}
    problems = _accounting(plan, by_id)
    depot_of = {d.id: d for d in depots}
    vehicle_of = {v.id: v for v in vehicles}
    used: set[str] = set()
    for route in plan.routes:
        vehicle = vehicle_of.get(route.vehicle_id)
        if vehicle is None or route.vehicle_id in used:
            problems.append(f"route of unknown or reused vehicle {route.vehicle_id}")
            continue
        used.add(vehicle.id)
        stops = [by_id[s.order_id] for s in route.stops if s.order_id in by_id]
        problems += _route(route, vehicle, depot_of[vehicle.depot], stops, settings)
    return problems


def _accounting(plan: Plan, by_id: dict[str, DeliveryOrder]) -> list[str]:
    seen: dict[str, int] = {}
    for order_id in (
        [s.order_id for r in plan.routes for s in r.stops]
        + [u.order_id for u in plan.unplaced]
        + list(plan.later)
    ):
        seen[order_id] = seen.get(order_id, 0) + 1
    problems = [f"order {o} appears {n} times" for o, n in seen.items() if n > 1]
    problems += [f"unknown order {o}" for o in seen if o not in by_id]
    problems += [f"order {o} neither routed nor reported" for o in by_id if o not in seen]
    return problems


def _route(
    route: Route,
    vehicle: Vehicle,
    depot: Depot,
    stops: list[DeliveryOrder],
    settings: PlanSettings,
) -> list[str]:
    name = f"vehicle {vehicle.id}"
    problems = []
    points = [(depot.latitude, depot.longitude)]
    points += [(o.address.latitude, o.address.longitude) for o in stops]
    seconds = travel_seconds(road_km(points, settings), settings)
    if route.depart_s < max(vehicle.shift.start, depot.hours.start) * 60:
        problems.append(f"{name} leaves before its shift or the depot opens")
    load = sum(o.packs for o in stops)
    if load > vehicle.capacity:
        problems.append(f"{name} carries {load} packs > capacity {vehicle.capacity}")
    clock, previous = route.depart_s, 0
    for k, (order, stop) in enumerate(zip(stops, route.stops, strict=True), start=1):
        earliest = clock + int(seconds[previous, k])
        if stop.start_s < earliest:
            problems.append(f"{name} cannot begin {order.id} at {stop.start_s}s (>= {earliest}s)")
        begin = max(earliest, stop.start_s)
        if not order.window.start * 60 <= begin <= order.window.end * 60:
            problems.append(f"{name} serves {order.id} outside its window")
        if order.cold_chain and not vehicle.refrigerated:
            problems.append(f"{name} is not refrigerated and carries cold-chain {order.id}")
        if order.cold_chain and begin - route.depart_s > settings.cold_chain_minutes * 60:
            problems.append(f"{name} keeps cold-chain {order.id} out too long")
        clock, previous = begin + order.service_minutes * 60, k
    back = clock + int(seconds[previous, 0])
    if back > min(vehicle.shift.end, depot.hours.end) * 60:
        problems.append(f"{name} is back at {back}s, after its shift or the depot closes")
    return problems
