"""Signal detection over 1 M adverse event reports (issue 14 target: <= 30 s), on SQLite or
PostgreSQL.

.venv/bin/python bench/signals.py [--db sqlite|postgres] [--reports 1000000] [--drugs 800]
    [--events 3000] [--repeats 3]

Reports are drawn with numpy: the suspect drug by a Zipf-like share of use over `--drugs`
drugs, the reaction from a Zipf-like background over `--events` MedDRA-like terms, except one
seeded pair (drug 5, event 40) made 5 times as likely as background. They are bulk-inserted into
`vigilance_cases` (the capture path's row; the AdverseEvent resources themselves are not written,
their cost is the FHIR store's bench). Each repeat runs `vigilance.detect` in one transaction:
read all (drug, event) rows, build every observed pair's 2x2 table, PRR/chi2/ROR/IC/IC025 for
all pairs, write the flagged pairs. The line reports the median seconds of that end to end, and
of the arithmetic alone (2x2 tables, figures and flags, vectorized, on integer arrays already
in memory), whether the
seeded pair is flagged by all three methods, and how many pairs each method flags.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import delete, insert

from common import database, emit
from enlace.modules import vigilance
from enlace.modules.vigilance.disproportionality import (
    analyse_codes,
    figures,
    signal_mask,
    tables,
)
from enlace.modules.vigilance.tables import cases, signals
from enlace.store import migrate
from enlace.store.database import Database, open_database

SEEDED = (5, 40)
FOLD = 5.0
T0 = 1_780_000_000_000_000
CHUNK = 50_000


def zipf(n: int, s: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


def draw(n: int, drugs: int, events: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    drug = rng.choice(drugs, size=n, p=zipf(drugs))
    event = rng.choice(events, size=n, p=zipf(events, 0.9))
    background = zipf(events, 0.9)[SEEDED[1]]
    # the seeded drug's reports get the seeded event with probability FOLD x background
    seeded_rows = np.flatnonzero(drug == SEEDED[0])
    extra = rng.random(seeded_rows.size) < (FOLD - 1) * background / (1 - background)
    event[seeded_rows[extra]] = SEEDED[1]
    return drug.astype(np.int64), event.astype(np.int64)


def load(db: Database, drug: np.ndarray, event: np.ndarray) -> None:
    with db.begin() as conn:
        conn.execute(delete(cases))
    for start in range(0, drug.size, CHUNK):
        rows = [
            {
                "id": f"c{i}",
                "patient": f"p{i % 50_000}",
                "reporter_kind": "patient",
                "reporter": f"Patient/p{i % 50_000}",
                "drug": f"d{int(d)}",
                "drug_display": f"d{int(d)}",
                "event": f"{10_000_000 + int(e)}",
                "event_display": f"e{int(e)}",
                "event_coded": True,
                "serious": False,
                "unexpected": True,
                "received_us": T0,
                "due_us": T0,
                "rule": "not-serious",
            }
            for i, d, e in zip(
                range(start, start + CHUNK),
                drug[start : start + CHUNK],
                event[start : start + CHUNK],
                strict=False,  # the range runs past the last chunk
            )
        ]
        with db.begin() as conn:
            conn.execute(insert(cases), rows)


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    drug, event = draw(args.reports, args.drugs, args.events)
    began = time.perf_counter()
    db = open_database(url)
    migrate.upgrade(db)
    load(db, drug, event)
    load_s = time.perf_counter() - began
    end_to_end, arithmetic = [], []
    found: list[vigilance.Signal] = []
    for _ in range(args.repeats):
        with db.begin() as conn:
            conn.execute(delete(signals))
        began = time.perf_counter()
        with db.begin() as conn:
            found = vigilance.detect(conn, T0)
        end_to_end.append(time.perf_counter() - began)
    names_d = [f"d{i}" for i in range(args.drugs)]
    names_e = [f"{10_000_000 + i}" for i in range(args.events)]
    for _ in range(args.repeats):
        began = time.perf_counter()
        _, _, a, b, c, d = tables(drug, event, args.drugs, args.events)
        flags = signal_mask(figures(a, b, c, d), a)
        arithmetic.append(time.perf_counter() - began)
    stats = analyse_codes(drug, event, names_d, names_e)
    assert [int(f.sum()) for f in flags] == [
        sum(1 for s in stats if s.prr_signal),
        sum(1 for s in stats if s.ror_signal),
        sum(1 for s in stats if s.ic_signal),
    ]
    db.dispose()
    seeded_key = (f"d{SEEDED[0]}", f"{10_000_000 + SEEDED[1]}")
    seeded = {(s.drug, s.event): s for s in found}.get(seeded_key)
    return {
        "bench": "signals",
        "db": db.dialect,
        "reports": args.reports,
        "pairs": len(stats),
        "load_s": round(load_s, 1),
        "repeats": args.repeats,
        "detect_median_s": round(statistics.median(end_to_end), 2),
        "arithmetic_median_s": round(statistics.median(arithmetic), 2),
        "seeded_methods": ",".join(seeded.methods) if seeded else "",
        "flagged_prr": sum(1 for s in stats if s.prr_signal),
        "flagged_ror": sum(1 for s in stats if s.ror_signal),
        "flagged_ic": sum(1 for s in stats if s.ic_signal),
        "flagged_all_three": sum(1 for s in stats if len(s.methods) == 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--drugs", type=int, default=800)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, args))


if __name__ == "__main__":
    main()
