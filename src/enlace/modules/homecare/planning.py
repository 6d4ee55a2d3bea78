"""Assign the day's visits to nurses by skill and zone, then route each nurse's visits with the
delivery module's OR-Tools solver (docs/homecare.md, Planning).

The delivery solver knows time windows, service minutes and refrigerated vehicles but neither
skills nor zones, and routes many vehicles out of one depot; a nurse starts from her own base.
So this module wraps it: it picks each visit's nurse among those who hold its skill and cover
its zone (scarcest visits first, to the least-loaded nearest nurse), then asks the solver for
each nurse's route (one depot = her base, one vehicle = her shift). A visit her route cannot
fit moves to another eligible nurse (up to two rounds); what still does not fit is reported
unassigned with the solver's reason. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from enlace.modules import delivery
from enlace.modules.homecare.needs import Need
from enlace.modules.homecare.nurses import Nurse

REASONS = {
    "outside-zones": "no nurse covers the visit's zone",
    "no-skill": "no nurse covering the zone holds the skill the visit needs",
    **delivery.UNPLACED_REASONS,
}
# A biologic rides in a validated passive box with a logger (coldchain delivery-box) that holds
# 2-8 °C for a working day; the delivery default (120 min) is for unmonitored van drops.
Settings = delivery.PlanSettings
SETTINGS = delivery.PlanSettings(cold_chain_minutes=9 * 60, time_limit_seconds=0.3)
# Rounds in which a visit a route left out may move to another eligible nurse.
SPILL_ROUNDS = 3
# Minutes of driving that weigh as one minute of already-assigned work when choosing a nurse.
_KM_WEIGHT = 3.0


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    need: Need


@dataclass(frozen=True, slots=True)
class Assignment:
    visit_id: str
    nurse_id: str
    sequence: int  # 1-based place in the nurse's route
    start_minute: int  # planned start, minutes after local midnight


@dataclass(frozen=True, slots=True)
class Unassigned:
    visit_id: str
    reason: str  # one of REASONS
    detail: str


@dataclass(frozen=True, slots=True)
class DayPlan:
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    routes: dict[str, delivery.Route]


def eligible(nurses: Sequence[Nurse], need: Need) -> list[Nurse] | Unassigned:
    in_zone = [n for n in nurses if need.zone in n.zones]
    if not in_zone:
        return Unassigned("", "outside-zones", f"zone {need.zone}: {REASONS['outside-zones']}")
    skilled = [n for n in in_zone if need.needed_skill in n.skills]
    if not skilled:
        detail = f"skill {need.needed_skill} in zone {need.zone}: {REASONS['no-skill']}"
        return Unassigned("", "no-skill", detail)
    return skilled


def plan(
    nurses: Sequence[Nurse],
    visits: Sequence[Visit],
    settings: delivery.PlanSettings = SETTINGS,
) -> DayPlan:
    """Who visits whom, in which order and when; every visit is assigned or unassigned."""
    unassigned: list[Unassigned] = []
    options: dict[str, list[Nurse]] = {}
    for visit in visits:
        found = eligible(nurses, visit.need)
        if isinstance(found, Unassigned):
            unassigned.append(replace(found, visit_id=visit.id))
        else:
            options[visit.id] = found
    by_id = {v.id: v for v in visits}
    chosen = _choose(options, by_id)
    routes, left = _route_all(nurses, chosen, by_id, settings)
    tried = {v: {nurse} for nurse, ids in chosen.items() for v in ids}
    for last in [False] * (SPILL_ROUNDS - 1) + [True]:
        left = _spill(nurses, options, tried, routes, left, by_id, settings, unassigned, last)
        if not left:
            break
    return DayPlan(_assignments(routes), tuple(unassigned), routes)


def _spill(
    nurses: Sequence[Nurse],
    options: dict[str, list[Nurse]],
    tried: dict[str, set[str]],
    routes: dict[str, delivery.Route],
    left: list[delivery.Unplaced],
    by_id: dict[str, Visit],
    settings: delivery.PlanSettings,
    unassigned: list[Unassigned],
    last: bool,
) -> list[delivery.Unplaced]:
    """One round: each visit a route left out goes to the least-loaded eligible nurse not yet
    tried for it, whose route is re-solved with it; no nurse left (or the last round) makes it
    unassigned with the solver's reason. What the re-solved routes leave out, for the next."""
    placed = {nurse: [s.order_id for s in route.stops] for nurse, route in routes.items()}
    retry: dict[str, list[str]] = {}
    for miss in left:
        others = [n for n in options[miss.order_id] if n.id not in tried[miss.order_id]]
        if not others or last:
            unassigned.append(Unassigned(miss.order_id, miss.reason, miss.detail))
            continue
        target = min(others, key=lambda n: len(placed.get(n.id, [])) + len(retry.get(n.id, [])))
        retry.setdefault(target.id, []).append(miss.order_id)
        tried[miss.order_id].add(target.id)
    if not retry:
        return []
    again_ids = {nurse: [*placed.get(nurse, []), *extra] for nurse, extra in retry.items()}
    for nurse_id in retry:
        routes.pop(nurse_id, None)  # the re-solved route replaces the first one
    again, still = _route_all([n for n in nurses if n.id in retry], again_ids, by_id, settings)
    routes.update(again)
    return still


def _choose(options: dict[str, list[Nurse]], by_id: dict[str, Visit]) -> dict[str, list[str]]:
    """Scarcest visits first, each to the eligible nurse with the least work (visit minutes
    plus weighted distance from her base)."""
    load: dict[str, float] = {}
    chosen: dict[str, list[str]] = {}
    for visit_id in sorted(options, key=lambda v: (len(options[v]), v)):
        need = by_id[visit_id].need

        def cost(nurse: Nurse, need: Need = need) -> tuple[float, str]:
            base = (nurse.base_latitude, nurse.base_longitude)
            km = float(delivery.great_circle_km([base, (need.latitude, need.longitude)])[0, 1])
            return load.get(nurse.id, 0.0) + _KM_WEIGHT * km, nurse.id

        nurse = min(options[visit_id], key=cost)
        load[nurse.id] = load.get(nurse.id, 0.0) + need.visit_minutes
        chosen.setdefault(nurse.id, []).append(visit_id)
    return chosen


def _route_all(
    nurses: Sequence[Nurse],
    chosen: dict[str, list[str]],
    by_id: dict[str, Visit],
    settings: delivery.PlanSettings,
) -> tuple[dict[str, delivery.Route], list[delivery.Unplaced]]:
    routes: dict[str, delivery.Route] = {}
    left: list[delivery.Unplaced] = []
    for nurse in nurses:
        ids = chosen.get(nurse.id, [])
        if not ids:
            continue
        shift = delivery.Window(nurse.shift_start, nurse.shift_end)
        depot = delivery.Depot(nurse.id, nurse.base_latitude, nurse.base_longitude, hours=shift)
        vehicle = delivery.Vehicle(
            nurse.id, nurse.id, len(ids), shift, refrigerated="infusion" in nurse.skills
        )
        result = delivery.plan_routes(depot, [vehicle], [_order(by_id[i]) for i in ids], settings)
        routes.update({r.vehicle_id: _earliest(r, nurse, by_id, settings) for r in result.routes})
        left += result.unplaced
    return routes, left


def _earliest(
    route: delivery.Route, nurse: Nurse, by_id: dict[str, Visit], settings: delivery.PlanSettings
) -> delivery.Route:
    """The solver's order, timed for a nurse: she leaves at the start of her shift and begins
    each visit as early as its window allows. (The delivery timetable leaves as late as it can,
    to shorten a van's cold-chain transit; a nurse's box holds a working day.) Starting earlier
    never makes a later visit later, so the route stays feasible."""
    homes = [
        (by_id[s.order_id].need.latitude, by_id[s.order_id].need.longitude) for s in route.stops
    ]
    points = [(nurse.base_latitude, nurse.base_longitude), *homes]
    seconds = delivery.travel_seconds(delivery.road_km(points, settings), settings)
    leave, stops = nurse.shift_start * 60, []
    for k, stop in enumerate(route.stops, start=1):
        need = by_id[stop.order_id].need
        arrival = leave + int(seconds[k - 1, k])
        start = max(arrival, need.window_start * 60)
        stops.append(replace(stop, arrival_s=arrival, start_s=start))
        leave = start + need.visit_minutes * 60
    back = leave + int(seconds[len(route.stops), 0])
    return replace(route, depart_s=nurse.shift_start * 60, return_s=back, stops=tuple(stops))


def _order(visit: Visit) -> delivery.DeliveryOrder:
    need = visit.need
    # The solver's window is when service may begin: the visit must also end inside its window.
    window = delivery.Window(need.window_start, need.window_end - need.visit_minutes)
    return delivery.DeliveryOrder(
        id=visit.id,
        patient=f"Patient/{need.patient}",
        address=delivery.Address(need.latitude, need.longitude, need.address),
        window=window,
        packs=1,
        cold_chain=need.kind == "infusion",
        service_minutes=need.visit_minutes,
    )


def _assignments(routes: dict[str, delivery.Route]) -> tuple[Assignment, ...]:
    return tuple(
        Assignment(stop.order_id, nurse_id, place, stop.start_s // 60)
        for nurse_id, route in sorted(routes.items())
        for place, stop in enumerate(route.stops, start=1)
    )
