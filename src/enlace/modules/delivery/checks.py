"""Refuse a planning request that cannot be planned as given, naming each bad field.

Every problem becomes an OperationOutcome issue whose expression is the field's path in the
request (`orders[3].address.latitude`), and nothing is planned: a partial plan built on a typo
would send a van to the wrong place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from enlace.kernel import errors
from enlace.modules.delivery.domain import (
    MINUTES_PER_DAY,
    DeliveryOrder,
    Depot,
    Vehicle,
    Window,
)


def check_request(
    orders: Sequence[DeliveryOrder], depots: Sequence[Depot], vehicles: Sequence[Vehicle]
) -> None:
    """Raise a 400 FhirError listing every problem; return quietly when the request is sound."""
    issues: list[errors.Issue] = []
    depot_ids = {d.id for d in depots}
    issues += _duplicates([d.id for d in depots], "depots")
    issues += _duplicates([v.id for v in vehicles], "vehicles")
    issues += _duplicates([o.id for o in orders], "orders")
    for i, depot in enumerate(depots):
        issues += _coordinates(depot.latitude, depot.longitude, f"depots[{i}]")
        issues += _window(depot.hours, f"depots[{i}].hours")
    for i, vehicle in enumerate(vehicles):
        issues += _vehicle(vehicle, f"vehicles[{i}]", depot_ids)
    largest = max((v.capacity for v in vehicles), default=0)
    for i, order in enumerate(orders):
        issues += _order(order, f"orders[{i}]", depot_ids, largest)
    if issues:
        raise errors.FhirError(400, issues)


def _issue(where: str, message: str, code: str = "value") -> errors.Issue:
    return errors.Issue(code, f"{where}: {message}", where)


def _duplicates(ids: list[str], where: str) -> list[errors.Issue]:
    seen: set[str] = set()
    issues = []
    for i, identifier in enumerate(ids):
        if not isinstance(identifier, str) or not identifier:
            issues.append(_issue(f"{where}[{i}].id", "an id is required", "required"))
        elif identifier in seen:
            issues.append(_issue(f"{where}[{i}].id", f"duplicate id '{identifier}'"))
        seen.add(identifier)
    return issues


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _coordinates(latitude: object, longitude: object, where: str) -> list[errors.Issue]:
    issues = []
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is None:
            issues.append(_issue(f"{where}.{name}", "coordinates are required", "required"))
        elif not _number(value) or not -bound <= value <= bound:  # type: ignore[operator]
            issues.append(_issue(f"{where}.{name}", f"{value!r} is not in [-{bound}, {bound}]"))
    return issues


def _window(window: Window, where: str) -> list[errors.Issue]:
    if not (_number(window.start) and _number(window.end)):
        return [_issue(where, "start and end are required", "required")]
    if not 0 <= window.start < MINUTES_PER_DAY or not 0 <= window.end < MINUTES_PER_DAY:
        return [_issue(where, "times must fall within one day (00:00-23:59)")]
    if window.end < window.start:
        return [_issue(f"{where}.end", "ends before it starts")]
    return []


def _vehicle(vehicle: Vehicle, where: str, depot_ids: set[str]) -> list[errors.Issue]:
    issues = []
    if vehicle.depot not in depot_ids:
        issues.append(_issue(f"{where}.depot", f"unknown depot '{vehicle.depot}'", "not-found"))
    if not isinstance(vehicle.capacity, int) or vehicle.capacity <= 0:
        issues.append(_issue(f"{where}.capacity", "must be a positive whole number of packs"))
    shift = _window(vehicle.shift, f"{where}.shift")
    if not shift and vehicle.shift.end == vehicle.shift.start:
        shift = [_issue(f"{where}.shift.end", "the shift ends when it starts")]
    return issues + shift


def _order(
    order: DeliveryOrder, where: str, depot_ids: set[str], largest_vehicle: int
) -> list[errors.Issue]:
    issues = _coordinates(order.address.latitude, order.address.longitude, f"{where}.address")
    issues += _window(order.window, f"{where}.window")
    if not isinstance(order.packs, int) or isinstance(order.packs, bool) or order.packs <= 0:
        issues.append(_issue(f"{where}.packs", "must be a positive whole number"))
    elif largest_vehicle and order.packs > largest_vehicle:
        issues.append(
            _issue(
                f"{where}.packs",
                f"{order.packs} packs exceed the largest vehicle ({largest_vehicle}); split it",
            )
        )
    if not isinstance(order.service_minutes, int) or not 0 <= order.service_minutes <= 240:
        issues.append(_issue(f"{where}.serviceMinutes", "must be 0-240 whole minutes"))
    if order.depot is not None and order.depot not in depot_ids:
        issues.append(_issue(f"{where}.depot", f"unknown depot '{order.depot}'", "not-found"))
    if not isinstance(order.attempts, int) or order.attempts < 0:
        issues.append(_issue(f"{where}.attempts", "must be 0 or more"))
    return issues
