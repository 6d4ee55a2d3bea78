"""Home-care day plan: 200 home visits for 20 nurses (issue 14 target: <= 30 s), end to end
through the store (schedule the due needs, assign by skill and zone, route each nurse with the
delivery solver, write the plan).

.venv/bin/python bench/homecare_plan.py [--db sqlite|postgres] [--visits 200] [--nurses 20]
    [--runs 3] [--rounds 3]   # --rounds 1: no spill to another nurse, the baseline

A synthetic Mexico City day, seeded: 4 zones (quadrants of a 16 x 16 km square), nurses spread
over the zones with 2 skills each, visits 40% nursing (wound care, 30 min), 30% oncology follow-up (30 min),
30% home infusion (90 min, cold chain), morning or afternoon windows. Each run re-plans the
same day from scratch (the visits go back to `scheduled`); the line reports the median and max
seconds, and how many visits were planned and unassigned (with the reasons).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import update

from common import database, emit
from enlace.modules import homecare
from enlace.modules.homecare import planning
from enlace.modules.homecare.tables import visits as visits_table
from enlace.store import migrate
from enlace.store.database import Database, open_database

DAY = date(2026, 11, 26)
CENTER = (19.4326, -99.1332)
KM_LAT, KM_LON = 1 / 111.2, 1 / 104.9  # degrees per km at 19.4° N
ZONES = ("noroeste", "noreste", "suroeste", "sureste")
KINDS = (("nursing", 0.4, 30), ("oncology-followup", 0.3, 30), ("infusion", 0.3, 90))
SKILL_PAIRS = (("wound-care", "oncology"), ("infusion", "wound-care"), ("infusion", "oncology"))
WINDOWS = ((8 * 60, 13 * 60), (12 * 60, 17 * 60))


def zone_of(x: float, y: float) -> str:
    return ZONES[(0 if y >= 0 else 2) + (0 if x < 0 else 1)]


def load(db: Database, visits: int, nurses: int) -> None:
    rng = np.random.default_rng(14)
    with db.begin() as conn:
        for n in range(nurses):
            zone = ZONES[n % len(ZONES)]
            sx, sy = (-4 if "oeste" in zone else 4), (4 if "norte" in zone else -4)
            skills = SKILL_PAIRS[n % len(SKILL_PAIRS)]
            nurse = homecare.Nurse(
                f"nurse{n}",
                f"Enfermera {n}",
                frozenset(skills),
                frozenset({zone}),
                CENTER[0] + sy * KM_LAT,
                CENTER[1] + sx * KM_LON,
            )
            homecare.add_nurse(conn, nurse)
        for v in range(visits):
            x, y = rng.uniform(-8, 8, 2)
            kind, _, minutes = KINDS[rng.choice(3, p=[k[1] for k in KINDS])]
            window = WINDOWS[v % 2]
            need = homecare.Need(
                f"need{v}",
                f"patient{v}",
                kind,
                zone_of(x, y),
                CENTER[0] + y * KM_LAT,
                CENTER[1] + x * KM_LON,
                DAY,
                7,
                visit_minutes=minutes,
                window_start=window[0],
                window_end=window[1],
                medication="rituximab-500-vial" if kind == "infusion" else None,
                facility="clinic-l1-imss-09015" if kind == "infusion" else None,
            )
            homecare.add_need(conn, need)


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    migrate.upgrade(db)
    load(db, args.visits, args.nurses)
    seconds: list[float] = []
    result = None
    for _ in range(args.runs):
        with db.begin() as conn:
            conn.execute(update(visits_table).values(status="scheduled", nurse=None))
        began = time.perf_counter()
        with db.begin() as conn:
            result = homecare.plan_day(conn, DAY)
        seconds.append(time.perf_counter() - began)
    db.dispose()
    assert result is not None
    placed = len(result.assignments)
    assert placed + len(result.unassigned) == args.visits  # nothing dropped
    return {
        "bench": "homecare_plan",
        "db": db.dialect,
        "visits": args.visits,
        "nurses": args.nurses,
        "runs": args.runs,
        "spill_rounds": args.rounds,
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "planned": placed,
        "unassigned": len(result.unassigned),
        "unassigned_reasons": dict(Counter(u.reason for u in result.unassigned)),
        "route_km": round(sum(r.distance_km for r in result.routes.values()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--nurses", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--rounds", type=int, default=planning.SPILL_ROUNDS, help="1 = no spill (baseline)"
    )
    args = parser.parse_args()
    planning.SPILL_ROUNDS = args.rounds
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, args))


if __name__ == "__main__":
    main()
