"""RFC 9162 Merkle tree math: hashes, tree heads, inclusion and consistency proofs (pure).

Proofs are built from the hashes of *complete* subtrees, addressed by (level, index): the node at
level `h`, index `i` is MTH(D[i * 2**h : (i + 1) * 2**h]). A log stores exactly these nodes (they
never change once their leaves exist), so any proof is O(log n) node reads, fetched in one batch
through a `NodeReader`. The subtree hashes on the right edge of a tree that is not a power of two
are not stored: they are folded from the complete subtrees that cover them.

Spec: https://www.rfc-editor.org/rfc/rfc9162#section-2.1
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from enlace.modules.trace.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH()

NodeId = tuple[int, int]  # (level, index): the complete subtree of 2**level leaves


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class NodeReader(Protocol):
    """Hashes of complete subtrees, in the order asked; storage implements this."""

    def nodes(self, ids: Sequence[NodeId]) -> Sequence[bytes]: ...


def largest_power_of_two_below(n: int) -> int:
    """k in RFC 9162: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_node_ids(start: int, size: int) -> list[NodeId]:
    """The complete subtrees covering D[start:start+size], largest first.

    `start` must be a multiple of the largest power of two below `size` (true of every subtree the
    RFC's recursion visits), so MTH of the range is the right fold of these nodes.
    """
    ids: list[NodeId] = []
    while size:
        level = size.bit_length() - 1
        ids.append((level, start >> level))
        start += 1 << level
        size -= 1 << level
    return ids


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees, largest first: h0 + (h1 + (... + hk))."""
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC's recursive definition; the reference for tests."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = largest_power_of_two_below(len(leaf_hashes))
    return node_hash(tree_hash(leaf_hashes[:k]), tree_hash(leaf_hashes[k:]))


# A proof plan: each proof element is the right fold of one or more stored nodes.
ProofPlan = list[list[NodeId]]


def root_plan(size: int) -> list[NodeId]:
    return range_node_ids(0, size)


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, as the nodes each element is folded from (leaf first)."""
    if not 0 <= index < size:
        raise ProofError("index-out-of-range", f"leaf {index} is not in a tree of size {size}")
    plan: ProofPlan = []
    start = 0
    while size > 1:
        k = largest_power_of_two_below(size)
        if index < k:
            plan.append(range_node_ids(start + k, size - k))
            size = k
        else:
            plan.append(range_node_ids(start, k))
            index, start, size = index - k, start + k, size - k
    plan.reverse()  # the recursion appends from the root down; proofs list from the leaf up
    return plan


def consistency_plan(old_size: int, new_size: int) -> ProofPlan:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, as nodes to fold."""
    if not 0 < old_size <= new_size:
        raise ProofError(
            "sizes-out-of-range",
            f"no consistency proof from size {old_size} to size {new_size}",
        )
    plan: ProofPlan = []
    start, m, n, whole = 0, old_size, new_size, True
    while m != n:
        k = largest_power_of_two_below(n)
        if m <= k:
            plan.append(range_node_ids(start + k, n - k))
            n = k
        else:
            plan.append(range_node_ids(start, k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:
        plan.append(range_node_ids(start, m))
    plan.reverse()
    return plan


def resolve(reader: NodeReader, plan: ProofPlan) -> list[bytes]:
    """Read every node a plan needs in one batch, and fold each element."""
    wanted = [node for element in plan for node in element]
    hashes = list(reader.nodes(wanted))
    if len(hashes) != len(wanted) or any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError("node-missing", "the node store did not return every node asked for")
    proof, at = [], 0
    for element in plan:
        proof.append(fold_right(hashes[at : at + len(element)]))
        at += len(element)
    return proof


def root_hash(reader: NodeReader, size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return fold_right(list(reader.nodes(root_plan(size))))


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    return resolve(reader, inclusion_plan(index, size))


def consistency_proof(reader: NodeReader, old_size: int, new_size: int) -> list[bytes]:
    return resolve(reader, consistency_plan(old_size, new_size))


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError("bad-hash-size", f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _check_hash(value, f"proof[{position}]")


def inclusion_proof_size(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) holds: one per level where the leaf has a sibling."""
    inner = (
        index ^ (size - 1)
    ).bit_length()  # levels where the paths to index and last leaf differ
    border = (index >> inner).bit_count()  # above them, the left siblings on the right border
    return inner + border


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root a proof implies (RFC 9162 §2.1.3.2), or ProofError if it cannot be one."""
    if not 0 <= index < size:
        raise ProofError("index-out-of-range", f"leaf {index} is not in a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    _check_proof_hashes(proof)
    expected = inclusion_proof_size(index, size)
    if len(proof) != expected:
        raise ProofError(
            "proof-length",
            f"an inclusion proof for leaf {index} of {size} has {expected} hashes, got {len(proof)}",
        )
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` in the tree `root`."""
    _check_hash(root, "root hash")
    if root_from_inclusion(leaf, index, size, proof) != root:
        raise ProofError(
            "root-mismatch", f"the proof for leaf {index} of {size} gives another root"
        )


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Raise ProofError unless the tree `new_root` extends the tree `old_root` (RFC 9162 §2.1.4.2).

    Size 0 is refused: the empty tree precedes every tree, so such a "proof" proves nothing and an
    auditor should start from a real checkpoint. Equal sizes need equal roots and no proof.
    """
    if not 0 < old_size <= new_size:
        raise ProofError(
            "sizes-out-of-range",
            f"no consistency proof from size {old_size} to size {new_size} (need 0 < old <= new)",
        )
    if old_size == new_size:
        if proof:
            raise ProofError("proof-length", f"equal sizes ({new_size}) take an empty proof")
        if old_root != new_root:
            raise ProofError("root-mismatch", f"two different roots for the same size {new_size}")
        return
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    _check_proof_hashes(proof)
    if not proof:
        raise ProofError("empty-proof", f"a proof from {old_size} to {new_size} cannot be empty")
    old, new = _roots_from_consistency(old_size, new_size, list(proof), old_root)
    if old != old_root:
        raise ProofError(
            "old-root-mismatch", f"the proof does not give the root of size {old_size}"
        )
    if new != new_root:
        raise ProofError(
            "new-root-mismatch", f"the proof does not give the root of size {new_size}"
        )


def _roots_from_consistency(
    old_size: int, new_size: int, path: list[bytes], old_root: bytes
) -> tuple[bytes, bytes]:
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof-length", "the consistency proof has too many hashes")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("proof-length", "the consistency proof has too few hashes")
    return fr, sr
