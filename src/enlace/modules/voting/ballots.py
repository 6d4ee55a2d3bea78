"""Anonymous, verifiable ballots: receipts are hash commitments, the box is Merkle-rooted.

A voter is handed a random secret; the box stores only sha256(proposal | secret | choice) and the
choice. The voter (and nobody else) can recompute the commitment and find it in the published
list, and the list's Merkle root (RFC 9162 hashing, as the trace log) pins the closed box: change
a stored choice, drop or add a ballot, and the recomputed root no longer matches the sealed one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any


def canonical(choice: Any) -> str:
    return json.dumps(choice, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_secret() -> str:
    return secrets.token_hex(16)


def commitment(proposal_id: str, secret: str, choice_json: str) -> str:
    return hashlib.sha256(f"{proposal_id}|{secret}|{choice_json}".encode()).hexdigest()


def _leaf(commit: str, choice_json: str, weight: int) -> bytes:
    return hashlib.sha256(b"\x00" + f"{commit}|{choice_json}|{weight}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _node(_root(leaves[:split]), _root(leaves[split:]))


def merkle_root(box: Sequence[tuple[str, str, int]]) -> str:
    """Root over (commitment, choice, weight) sorted by commitment: order-free, content-bound."""
    return _root([_leaf(*row) for row in sorted(box)]).hex()


def seal(key: bytes, proposal_id: str, root: str, result_json: str) -> str:
    """HMAC over the root and the published result: a changed count breaks the seal."""
    message = f"{proposal_id}|{root}|{result_json}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_key(secret_key: str) -> bytes:
    """The tally sealing key, derived from the deployment secret (one secret to manage)."""
    return hashlib.sha256(b"enlace.voting.seal|" + secret_key.encode()).digest()
