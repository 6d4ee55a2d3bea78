"""Merkle proof generation and verification time against tree size, up to 10^9 leaves.

.venv/bin/python bench/merkle.py [--proofs 2000] [--real 1000000]

A synthetic NodeReader derives each complete subtree's hash from its (level, index) without
building the tree, so a proof in a tree of 10^8 leaves costs exactly what it would with the O(log n)
nodes read from storage (minus the storage round trip, which a store batches into one query).
A real in-memory log of `--real` leaves checks the same growth with true hashes, and gives the
cost of hashing appends (leaf plus completed nodes), the CPU floor of the append path.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Callable, Sequence

from common import emit
from enlace.modules.trace import merkle
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.merkle import NodeId


class SyntheticNodes:
    """Hash of node (level, index) = SHA-256 of its coordinates: deterministic, never stored."""

    def __init__(self) -> None:
        self.reads = 0

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.reads += len(ids)
        return [hashlib.sha256(b"%d/%d" % node).digest() for node in ids]


def percentiles_us(samples: list[int]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_us": round(cuts[49] / 1000, 2), "p99_us": round(cuts[98] / 1000, 2)}


def timed(action: Callable[[], object], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        action()
        samples.append(time.perf_counter_ns() - started)
    return percentiles_us(samples)


def synthetic_curve(proofs: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for exponent in range(3, 10):
        size = 10**exponent
        reader = SyntheticNodes()
        inclusion = timed(
            lambda s=size, r=reader: merkle.inclusion_proof(r, rng.randrange(s), s), proofs
        )
        reads = reader.reads / proofs
        consistency = timed(
            lambda s=size, r=reader: merkle.consistency_proof(r, rng.randrange(1, s), s), proofs
        )
        rows.append(
            {
                "leaves": size,
                "inclusion": inclusion,
                "node_reads_per_inclusion": round(reads, 1),
                "consistency": consistency,
            }
        )
    return rows


def real_log(leaves: int, proofs: int, rng: random.Random) -> dict[str, object]:
    log = MemoryLog()
    entries = [i.to_bytes(8, "big") for i in range(leaves)]
    started = time.perf_counter()
    log.extend(entries)
    append_s = time.perf_counter() - started
    root = log.root()

    def prove_and_verify() -> None:
        index = rng.randrange(leaves)
        proof = merkle.inclusion_proof(log, index, leaves)
        merkle.verify_inclusion(merkle.leaf_hash(entries[index]), index, leaves, proof, root)

    return {
        "leaves": leaves,
        "appends_per_s": round(leaves / append_s),
        "inclusion": timed(
            lambda: merkle.inclusion_proof(log, rng.randrange(leaves), leaves), proofs
        ),
        "prove_and_verify": timed(prove_and_verify, proofs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--real", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(6)
    emit(
        {
            "bench": "merkle",
            "proofs_per_size": args.proofs,
            "synthetic": synthetic_curve(args.proofs, rng),
            "memory_log": real_log(args.real, args.proofs, rng),
        }
    )


if __name__ == "__main__":
    main()
