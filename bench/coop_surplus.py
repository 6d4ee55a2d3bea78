"""Year-end surplus distribution (issue 15): N members with patronage, the year's income and
expense in the ledger; one run computes the surplus from the ledger statements, splits it by
class and patronage and posts the closing and the payouts (chunked transfers).

.venv/bin/python bench/coop_surplus.py [--db sqlite|postgres] [--members 2000] [--runs 3]

Each run uses a fresh year (a year is distributed once); the line reports the median and max
seconds of `distribute` and checks that the shares sum exactly to the members' pool.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import database, emit
from enlace.modules import coop
from enlace.modules.finance import Ledger, Transfer
from enlace.store import migrate
from enlace.store.database import Database, open_database

CLASSES = ("patient", "patient", "patient", "physician", "worker")


def load(db: Database, members: int, years: list[int]) -> None:
    joined = datetime(years[0] - 1, 1, 1, tzinfo=UTC)
    with db.begin() as conn:
        for n in range(members):
            ident = f"m{n:05d}"
            cls = CLASSES[n % len(CLASSES)]
            coop.apply(conn, coop.Application(ident, ident, cls, 500_000 + n, 2), joined)
            coop.admit(conn, ident, joined, "bench")
            for year in years:
                coop.record_patronage(conn, ident, year, 1 + n % 37)
    for year in years:
        ledger = Ledger(clock=lambda y=year: datetime(y, 6, 1, tzinfo=UTC))
        with db.begin() as conn:
            coop.open_books(conn, ledger)
            ledger.open_account(conn, "coop:income:fees", "income")
            ledger.open_account(conn, "coop:expense:care", "expense")
            for _ in range(12):  # monthly takings and spending
                ledger.post_transfer(
                    conn, Transfer.between(coop.CASH, "coop:income:fees", 9_876_543)
                )
                ledger.post_transfer(
                    conn, Transfer.between("coop:expense:care", coop.CASH, 7_654_321)
                )


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    migrate.upgrade(db)
    years = [2020 + r for r in range(args.runs)]
    load(db, args.members, years)
    seconds, exact = [], True
    for year in years:
        at = datetime(year + 1, 1, 15, tzinfo=UTC)
        start = time.perf_counter()
        with db.begin() as conn:
            plan = coop.distribute(conn, Ledger(clock=lambda a=at: a), year, at)
        seconds.append(time.perf_counter() - start)
        exact = exact and sum(plan.shares.values()) == plan.to_members
    db.dispose()
    return {
        "bench": "coop_surplus",
        "db": args.db,
        "members": args.members,
        "runs": args.runs,
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "shares_sum_exactly": exact,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, args))


if __name__ == "__main__":
    main()
