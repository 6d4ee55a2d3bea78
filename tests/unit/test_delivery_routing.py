"""Delivery route planning: constraints held, a hand-solved optimum, reasons for unplaced orders."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from enlace.modules.delivery import (
    Address,
    DeliveryOrder,
    Depot,
    PlanSettings,
    Vehicle,
    Window,
    great_circle_km,
    plan_day,
    plan_routes,
    road_km,
    travel_seconds,
    violations,
)

CENTER = (20.6597, -103.3496)  # Guadalajara
KM = 180 / (np.pi * 6371.0088)  # degrees of latitude per km on the haversine sphere
FAST = PlanSettings(time_limit_seconds=5, solution_limit=300)
DEPOT = Depot("gdl", *CENTER, Window(7 * 60, 21 * 60))


def order(name: str, north_km: float, east_km: float = 0.0, **kw: object) -> DeliveryOrder:
    lat = CENTER[0] + north_km * KM
    lon = CENTER[1] + east_km * KM / np.cos(np.radians(CENTER[0]))
    fields = {"window": Window(8 * 60, 20 * 60), "packs": 1, "service_minutes": 5, **kw}
    return DeliveryOrder(name, f"Patient/{name}", Address(lat, lon), **fields)  # type: ignore[arg-type]


def van(name: str, capacity: int = 50, refrigerated: bool = False, **kw: object) -> Vehicle:
    shift = kw.pop("shift", Window(8 * 60, 18 * 60))
    return Vehicle(name, "gdl", capacity, shift, refrigerated)  # type: ignore[arg-type]


def test_great_circle_matches_a_known_distance() -> None:
    # Guadalajara (Plaza de Armas) to Mexico City (Zócalo): about 461 km great-circle.
    km = great_circle_km([CENTER, (19.4326, -99.1332)])
    assert km[0, 1] == pytest.approx(461, abs=5)
    assert km[0, 0] == 0 and km[1, 0] == km[0, 1]


def test_travel_time_uses_circuity_and_speed() -> None:
    settings = PlanSettings(circuity=1.5, speed_kmh=30)
    points = [CENTER, (CENTER[0] + 10 * KM, CENTER[1])]  # 10 km north
    seconds = travel_seconds(road_km(points, settings), settings)
    assert seconds[0, 1] == pytest.approx(10 * 1.5 / 30 * 3600, abs=2)


def test_matrix_is_fast_for_300_points() -> None:
    rng = random.Random(3)
    points = [(CENTER[0] + rng.uniform(-0.1, 0.1), CENTER[1] + rng.uniform(-0.1, 0.1))] * 301
    matrix = travel_seconds(road_km(points, PlanSettings()), PlanSettings())
    assert matrix.shape == (301, 301) and matrix.dtype == np.int64


def test_a_line_of_drops_is_served_in_order_out_and_back() -> None:
    # Three drops due north at 1, 2 and 3 km: the optimum visits them in order and returns,
    # 6 km of great-circle distance, whatever the vehicle.
    orders = [order("c", 3), order("a", 1), order("b", 2)]
    plan = plan_routes(DEPOT, [van("v1"), van("v2")], orders, FAST)
    visited = [s.order_id for r in plan.routes for s in r.stops]
    assert visited in (["a", "b", "c"], ["c", "b", "a"])  # both directions are optimal
    assert plan.distance_km == pytest.approx(6 * 1.3, rel=1e-3)
    assert violations(plan, orders, [DEPOT], [van("v1"), van("v2")], FAST) == []


def test_windows_decide_the_order_of_drops() -> None:
    # The far drop must be served first (its window closes early), then the near one.
    orders = [
        order("near", 1, window=Window(11 * 60, 12 * 60)),
        order("far", 4, window=Window(8 * 60, 9 * 60)),
    ]
    plan = plan_routes(DEPOT, [van("v1")], orders, FAST)
    route = plan.routes[0]
    assert [s.order_id for s in route.stops] == ["far", "near"]
    assert route.stops[1].start_s == 11 * 3600  # waits for the window to open
    assert violations(plan, orders, [DEPOT], [van("v1")], FAST) == []


def test_capacity_splits_the_drops_over_two_vans() -> None:
    orders = [order(f"o{i}", 1 + i * 0.1, packs=4) for i in range(4)]
    fleet = [van("v1", capacity=8), van("v2", capacity=8)]
    plan = plan_routes(DEPOT, fleet, orders, FAST)
    assert plan.placed == 4 and len(plan.routes) == 2
    assert all(r.load <= 8 for r in plan.routes)
    assert violations(plan, orders, [DEPOT], fleet, FAST) == []


def test_an_overfull_day_still_plans_and_lists_the_rest() -> None:
    orders = [order(f"o{i}", 1 + i * 0.1, packs=5) for i in range(5)]
    plan = plan_routes(DEPOT, [van("v1", capacity=10)], orders, FAST)
    assert plan.placed == 2
    assert sorted(u.reason for u in plan.unplaced) == ["no-room"] * 3
    assert violations(plan, orders, [DEPOT], [van("v1", capacity=10)], FAST) == []


def test_cold_chain_goes_only_on_refrigerated_vans_within_the_limit() -> None:
    orders = [order(f"c{i}", 1 + i, cold_chain=True) for i in range(3)] + [order("dry", 2.5)]
    fleet = [van("plain"), van("cold", refrigerated=True)]
    settings = replace(FAST, cold_chain_minutes=60)
    plan = plan_routes(DEPOT, fleet, orders, settings)
    carried = {s.order_id: r.vehicle_id for r in plan.routes for s in r.stops}
    assert {carried[f"c{i}"] for i in range(3)} == {"cold"}
    assert violations(plan, orders, [DEPOT], fleet, settings) == []


def test_cold_chain_limit_counts_the_wait_for_a_late_window() -> None:
    # Two cold drops, one due at 09:00 and one at 13:00 nearby: one van cannot keep both
    # within 60 minutes of leaving, so two trips are needed: with one van, one is left out.
    settings = replace(FAST, cold_chain_minutes=60)
    orders = [
        order("early", 2, cold_chain=True, window=Window(9 * 60, 9 * 60 + 30)),
        order("late", 2.2, cold_chain=True, window=Window(13 * 60, 13 * 60 + 30)),
    ]
    fleet = [van("cold", refrigerated=True)]
    plan = plan_routes(DEPOT, fleet, orders, settings)
    assert plan.placed == 1 and len(plan.unplaced) == 1
    assert violations(plan, orders, [DEPOT], fleet, settings) == []
    two = plan_routes(DEPOT, [*fleet, van("cold2", refrigerated=True)], orders, settings)
    assert two.placed == 2


@pytest.mark.parametrize(
    ("kwargs", "fleet", "reason"),
    [
        ({"window": Window(8 * 60, 8 * 60 + 5)}, [van("v")], "window-unreachable"),
        ({"cold_chain": True}, [van("v")], "no-refrigerated-vehicle"),
    ],
)
def test_unplaceable_orders_carry_their_reason(
    kwargs: dict[str, object], fleet: list[Vehicle], reason: str
) -> None:
    far = order("x", 8, **kwargs)  # 8 km: ~31 min away, after 08:05
    plan = plan_routes(DEPOT, fleet, [far, order("ok", 1)], FAST)
    assert [(u.order_id, u.reason) for u in plan.unplaced] == [("x", reason)]
    assert plan.placed == 1


def test_an_order_too_big_for_its_depot_but_not_for_the_fleet() -> None:
    other = Depot("other", CENTER[0] + 0.2, CENTER[1])
    fleet = [van("small", capacity=10), Vehicle("big", "other", 40, Window(480, 1080))]
    orders = [order("x", 2, packs=30, depot="gdl"), order("ok", 1)]
    plan = plan_day(orders, [DEPOT, other], fleet, date(2026, 11, 26), FAST)
    assert [(u.order_id, u.reason) for u in plan.unplaced] == [("x", "too-big-for-depot")]


def test_cold_chain_too_far_for_the_limit() -> None:
    settings = replace(FAST, cold_chain_minutes=20)
    plan = plan_routes(
        DEPOT, [van("c", refrigerated=True)], [order("x", 8, cold_chain=True)], settings
    )
    assert [u.reason for u in plan.unplaced] == ["cold-chain-too-far"]


def test_shift_ends_bound_the_route() -> None:
    fleet = [van("v", shift=Window(8 * 60, 9 * 60))]
    orders = [order(f"o{i}", 3 + i, window=Window(8 * 60, 9 * 60)) for i in range(4)]
    plan = plan_routes(DEPOT, fleet, orders, FAST)
    assert all(r.return_s <= 9 * 3600 for r in plan.routes)
    assert plan.placed + len(plan.unplaced) == 4 and plan.placed < 4
    assert violations(plan, orders, [DEPOT], fleet, FAST) == []


def test_a_random_day_respects_every_constraint() -> None:
    rng = random.Random(11)
    orders = [
        order(
            f"o{i}",
            rng.uniform(-6, 6),
            rng.uniform(-6, 6),
            window=Window(s := rng.randrange(9 * 60, 15 * 60, 30), s + 180),
            packs=rng.randint(1, 4),
            cold_chain=rng.random() < 0.15,
        )
        for i in range(40)
    ]
    fleet = [van("v1", 30, True), van("v2", 30), van("v3", 30)]
    plan = plan_routes(DEPOT, fleet, orders, FAST)
    assert plan.placed >= 30
    assert violations(plan, orders, [DEPOT], fleet, FAST) == []


def test_the_validator_catches_a_broken_plan() -> None:
    orders = [order("a", 1), order("b", 2, window=Window(9 * 60, 10 * 60))]
    fleet = [van("v1", capacity=5)]
    plan = plan_routes(DEPOT, fleet, orders, FAST)
    assert violations(plan, orders, [DEPOT], fleet, FAST) == []
    heavier = [replace(o, packs=3) for o in orders]
    assert any("capacity" in v for v in violations(plan, heavier, [DEPOT], fleet, FAST))
    narrow = [orders[0], replace(orders[1], window=Window(8 * 60, 8 * 60 + 1))]
    assert any("window" in v for v in violations(plan, narrow, [DEPOT], fleet, FAST))
    cold = [replace(o, cold_chain=True) for o in orders]
    assert any("refrigerated" in v for v in violations(plan, cold, [DEPOT], fleet, FAST))
    assert any("neither" in v for v in violations(plan, [*orders, order("z", 1)], [DEPOT], fleet))


def test_the_same_settings_give_the_same_plan() -> None:
    rng = random.Random(5)
    orders = [order(f"o{i}", rng.uniform(-5, 5), rng.uniform(-5, 5)) for i in range(25)]
    fleet = [van("v1", 10), van("v2", 10), van("v3", 10)]
    first = plan_routes(DEPOT, fleet, orders, FAST)
    second = plan_routes(DEPOT, fleet, orders, FAST)
    assert first.routes == second.routes and first.cost == second.cost


def test_plan_day_groups_by_nearest_serving_depot_and_skips_later_orders() -> None:
    west = Depot("west", CENTER[0], CENTER[1] - 0.1, service_radius_km=8)
    east = Depot("east", CENTER[0], CENTER[1] + 0.1, service_radius_km=8)
    fleet = [
        Vehicle("vw", "west", 20, Window(8 * 60, 18 * 60)),
        Vehicle("ve", "east", 20, Window(8 * 60, 18 * 60)),
    ]
    day = date(2026, 11, 26)
    orders = [
        order("w1", 0, -9),  # ~9.4 km west of center: near west
        order("e1", 0, 9),
        order("assigned", 0, 9, depot="west"),  # the pharmacy chose west
        order("nowhere", 60, 0),  # 60 km north: outside both radii
        order("tomorrow", 0, 9, earliest_date=date(2026, 11, 27)),
    ]
    plan = plan_day(orders, [west, east], fleet, day, FAST)
    carried = {s.order_id: r.depot_id for r in plan.routes for s in r.stops}
    assert carried == {"w1": "west", "e1": "east", "assigned": "west"}
    assert [(u.order_id, u.reason) for u in plan.unplaced] == [("nowhere", "outside-service-area")]
    assert plan.later == ("tomorrow",)
    assert violations(plan, orders, [west, east], fleet, FAST) == []
