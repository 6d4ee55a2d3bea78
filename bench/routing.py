"""Delivery routing: 300 home deliveries with time windows, 10 vans, one Guadalajara depot.

.venv/bin/python bench/routing.py [--seeds 3] [--seconds 20] [--reference 300]

For each seed: a seeded instance around a distribution center in Guadalajara, Jalisco (orders
scattered up to 9 km away, 2-3 h windows between 09:00 and 18:00, 1-5 packs, ~10% cold chain,
3 of 10 vans refrigerated), planned with `plan_routes` under the --seconds limit. The validator
replays every route. With --reference N, each seed is also solved for N seconds and the gap of
the timed plan to that reference is reported. Prints one JSON line of medians.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from dataclasses import replace

from common import emit
from enlace.modules.delivery import (
    Address,
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Vehicle,
    Window,
    plan_routes,
    violations,
)

GUADALAJARA = (20.6597, -103.3496)  # Plaza de Armas, Guadalajara
KM_PER_DEGREE = 111.32


def instance(
    seed: int, orders: int = 300, vans: int = 10, cold_share: float = 0.10
) -> tuple[Depot, list[Vehicle], list[DeliveryOrder]]:
    rng = random.Random(seed)
    depot = Depot("cedis-gdl", *GUADALAJARA, Window(7 * 60, 21 * 60), "distribution-center")
    vehicles = [
        Vehicle(f"van-{v:02d}", depot.id, 150, Window(8 * 60, 20 * 60), refrigerated=v < 3)
        for v in range(vans)
    ]
    return depot, vehicles, [_order(rng, i, cold_share) for i in range(orders)]


def _order(rng: random.Random, index: int, cold_share: float) -> DeliveryOrder:
    distance = 9.0 * math.sqrt(rng.random())  # uniform over the disc
    bearing = rng.uniform(0, 2 * math.pi)
    lat = GUADALAJARA[0] + distance * math.cos(bearing) / KM_PER_DEGREE
    lon = GUADALAJARA[1] + distance * math.sin(bearing) / (
        KM_PER_DEGREE * math.cos(math.radians(GUADALAJARA[0]))
    )
    start = rng.randrange(9 * 60, 16 * 60, 60)
    return DeliveryOrder(
        id=f"order-{index:03d}",
        patient=f"Patient/p{index:03d}",
        address=Address(round(lat, 6), round(lon, 6)),
        window=Window(start, start + rng.choice((180, 240))),
        packs=rng.randint(1, 5),
        cold_chain=rng.random() < cold_share,
        service_minutes=rng.choice((3, 5, 5, 8)),
    )


def travel_cost(plan: Plan, settings: PlanSettings) -> int:
    """The objective without the drop penalties: driving seconds of the routes."""
    dropped = sum(1 for u in plan.unplaced if u.reason == "no-room")
    return plan.cost - dropped * settings.drop_penalty


def run(
    seed: int, seconds: float, reference: float, cold_share: float
) -> dict[str, float | int | None]:
    depot, vehicles, orders = instance(seed, cold_share=cold_share)
    settings = PlanSettings(time_limit_seconds=seconds)
    began = time.perf_counter()
    plan = plan_routes(depot, vehicles, orders, settings)
    elapsed = time.perf_counter() - began
    broken = violations(plan, orders, [depot], vehicles, settings)
    row: dict[str, float | int | None] = {
        "seconds": elapsed,
        "cost": plan.cost,
        "travel_s": travel_cost(plan, settings),
        "placed": plan.placed,
        "unplaced": len(plan.unplaced),
        "km": plan.distance_km,
        "violations": len(broken),
        "cold_chain_repairs": sum(1 for u in plan.unplaced if u.reason == "cold-chain-transit"),
        "gap_pct": None,
    }
    if reference:
        best = plan_routes(depot, vehicles, orders, replace(settings, time_limit_seconds=reference))
        broken += violations(best, orders, [depot], vehicles, settings)
        row["violations"] = len(broken)
        row["reference_cost"] = best.cost
        row["reference_placed"] = best.placed
        row["gap_pct"] = 100.0 * (plan.cost - best.cost) / best.cost
        reference_travel = travel_cost(best, settings)
        row["travel_gap_pct"] = 100.0 * (row["travel_s"] - reference_travel) / reference_travel  # type: ignore[operator]
    print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--reference", type=float, default=0.0, help="reference solve, s")
    parser.add_argument("--cold-share", type=float, default=0.10, help="cold-chain fraction")
    args = parser.parse_args()
    rows = [
        run(seed, args.seconds, args.reference, args.cold_share)
        for seed in range(1, args.seeds + 1)
    ]

    def median(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return round(statistics.median(values), 3) if values else None  # type: ignore[type-var]

    emit(
        {
            "bench": "routing",
            "orders": 300,
            "vehicles": 10,
            "seeds": args.seeds,
            "time_limit_s": args.seconds,
            "reference_s": args.reference,
            "cold_share": args.cold_share,
            "median_plan_s": median("seconds"),
            "median_cost": median("cost"),
            "median_placed": median("placed"),
            "median_km": median("km"),
            "median_gap_pct": median("gap_pct"),
            "median_travel_gap_pct": median("travel_gap_pct"),
            "median_reference_placed": median("reference_placed"),
            "max_gap_pct": max((r["gap_pct"] or 0.0 for r in rows), default=None),  # type: ignore[type-var]
            "violations": sum(int(r["violations"] or 0) for r in rows),
            "cold_chain_repairs": sum(int(r["cold_chain_repairs"] or 0) for r in rows),
        }
    )


if __name__ == "__main__":
    main()
