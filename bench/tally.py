"""Counting a 100,000-member ranked-choice election (instant runoff): the issue's target is
<= 10 s for the whole count.

.venv/bin/python bench/tally.py [--ballots 100000] [--candidates 8] [--repeats 5]

Ballots rank a random 1..k of the candidates with a popularity skew, so the runoff takes several
rounds and some ballots exhaust. Timed per repeat, medians reported:
- `irv_s`: instant runoff alone on the (ballots x ranks) matrix;
- `count_s`: what closing a vote does in memory: parse the stored JSON choices, build the matrix,
  run the runoff, check quorum (`service.count`);
- `merkle_s`: the Merkle root over the sorted (commitment, choice, weight) box;
- `baseline_irv_s`: the same runoff as a plain per-ballot Python loop (one repeat), the
  comparison for the vectorized version; both must name the same winner.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time

import numpy as np

from common import emit
from enlace.modules.voting import ballots, service, tally


def make_box(n: int, k: int, seed: int = 11) -> tuple[list[str], list[tuple[str, str, int]]]:
    rng = np.random.default_rng(seed)
    options = [f"c{i}" for i in range(k)]
    popularity = np.linspace(1.0, 2.0, k)
    popularity /= popularity.sum()
    lengths = rng.integers(1, k + 1, n)
    box = []
    for row, length in enumerate(lengths):
        ranking = rng.choice(k, size=int(length), replace=False, p=popularity)
        commit = hashlib.sha256(row.to_bytes(8, "big")).hexdigest()
        box.append((commit, json.dumps([options[i] for i in ranking]), 1))
    return options, sorted(box)


def python_irv(options: list[str], rankings: list[list[str]]) -> str | None:
    """Per-ballot loop, same rules as `tally.instant_runoff` (the baseline)."""
    out: set[str] = set()
    while True:
        counts = {o: 0 for o in options if o not in out}
        for ranking in rankings:
            pick = next((o for o in ranking if o not in out), None)
            if pick is not None:
                counts[pick] += 1
        active = sum(counts.values())
        order = {o: i for i, o in enumerate(options)}
        best = max(counts, key=lambda o: (counts[o], -order[o]))
        if active == 0:
            return None
        if counts[best] * 2 > active or len(counts) == 1:
            return best
        out.add(min(counts, key=lambda o: (counts[o], -order[o])))


def timed(call: object, repeats: int) -> tuple[float, object]:
    samples, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = call()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    options, box = make_box(args.ballots, args.candidates)
    found = {"kind": "ranked", "options": options, "quorum": 0.5, "min_share": 0.5}
    matrix = tally.rank_matrix(options, [json.loads(c) for _, c, _ in box])
    irv_s, irv = timed(lambda: tally.instant_runoff(options, matrix), args.repeats)
    count_s, _ = timed(lambda: service.count(found, box, len(box), len(box)), args.repeats)
    merkle_s, _ = timed(lambda: ballots.merkle_root(box), args.repeats)
    result = irv if isinstance(irv, dict) else {}
    rankings = [json.loads(c) for _, c, _ in box]
    baseline_s, baseline = timed(lambda: python_irv(options, rankings), 1)
    assert baseline == result.get("winner"), (baseline, result.get("winner"))
    emit({
        "bench": "tally", "ballots": args.ballots, "candidates": args.candidates,
        "rounds": len(result.get("rounds", [])), "winner": result.get("winner"),
        "irv_s": round(irv_s, 3), "count_s": round(count_s, 3), "merkle_s": round(merkle_s, 3),
        "baseline_irv_s": round(baseline_s, 3),
        "close_total_s": round(count_s + merkle_s, 3), "target_s": 10,
    })  # fmt: skip


if __name__ == "__main__":
    main()
