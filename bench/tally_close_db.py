"""Closing a 100,000-member ranked-choice election in the database (SQLite), end to end: what
`enlace coop vote close` does — read the box, rewrite it in commitment order, count (instant
runoff), Merkle root, seal and Ed25519 signature — and `verify` after it. bench/tally.py times
the in-memory part; this adds the database reads and writes it leaves out.

nice -n 10 .venv/bin/python bench/tally_close_db.py [--ballots 100000] [--repeats 3]

Each repeat is a fresh proposal: the roll is snapshotted by `open_vote` from a synthetic source
of N members (timed: `open_s`), then the ballots are bulk-inserted straight into the box with
the roll marked voted (a bench shortcut, not timed: casting 100,000 ballots one request at a
time is not what this measures). Medians of `close_s` and `verify_s`; target <= 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, update

from common import emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import trace, voting
from enlace.modules.voting.tables import ballots, roll
from tally import make_box

AT = datetime(2030, 5, 1, tzinfo=UTC)


def one_close(services: object, n: int, k: int, pid: str) -> dict[str, float]:
    settings = services.settings  # type: ignore[attr-defined]
    db = services.db  # type: ignore[attr-defined]
    key = voting.ballots.seal_key(settings.secret_key)
    signer = trace.log_publisher(settings).signer
    options, box = make_box(n, k, seed=hash(pid) % 1000)
    members = [(f"m{i:06d}", "patient") for i in range(n)]
    with db.begin() as conn:
        voting.create_proposal(conn, pid, "Consejo", "ranked", options)
    start = time.perf_counter()
    with db.begin() as conn:
        voting.open_vote(conn, pid, lambda c, at: members, AT)
    opened = time.perf_counter() - start
    with db.begin() as conn:
        _stuff(conn, pid, box)
    start, cpu = time.perf_counter(), time.process_time()
    with db.begin() as conn:
        result = voting.close(conn, pid, AT, key, signer)
    closed, closed_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    with db.begin() as conn:
        problems = voting.verify(conn, pid, key, signer.verifier)
    verified = time.perf_counter() - start
    assert not problems and result["winner"], (problems, result)
    return {"open_s": opened, "close_s": closed, "close_cpu_s": closed_cpu, "verify_s": verified,
            "rounds": len(result["rounds"])}  # fmt: skip


def _stuff(conn: Connection, pid: str, box: list[tuple[str, str, int]]) -> None:
    rows = [
        {"proposal_id": pid, "commitment": c, "choice": choice, "weight": w} for c, choice, w in box
    ]
    conn.execute(ballots.insert(), rows)
    conn.execute(update(roll).where(roll.c.proposal_id == pid).values(voted=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tally.db'}"
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp) / "var"))
        runs = [
            one_close(services, args.ballots, args.candidates, f"p{r}") for r in range(args.repeats)
        ]
        services.db.dispose()
    emit({
        "bench": "tally_close_db", "store": "sqlite", "ballots": args.ballots,
        "candidates": args.candidates, "repeats": args.repeats, "rounds": runs[0]["rounds"],
        **{k: round(statistics.median(r[k] for r in runs), 2) for k in ("open_s", "close_s", "close_cpu_s", "verify_s")},
        "target_s": 10,
    })  # fmt: skip


if __name__ == "__main__":
    main()
