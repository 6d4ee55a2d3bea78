"""Closing a vote, publishing the sealed tally, and checking it later (tamper evidence)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, update

from enlace.modules.trace import Signer, Verifier
from enlace.modules.voting import ballots as box
from enlace.modules.voting.kinds import check_choice
from enlace.modules.voting.service import box_contents, count, get, in_state, turnout
from enlace.modules.voting.tables import ballots, proposals, roll


def close(
    conn: Connection, proposal_id: str, at: datetime, key: bytes, signer: Signer | None = None
) -> dict[str, Any]:
    """Count, root and seal; with `signer` (the trace log's key) also sign root + result so
    anyone holding the public key can check the tally without the deployment secret."""
    found = in_state(conn, proposal_id, "open")
    contents = box_contents(conn, proposal_id)
    _rewrite(conn, proposal_id, contents)
    voted, size = turnout(conn, proposal_id)
    result = count(found, contents, voted, size)
    result_json = box.canonical(result)
    root = box.merkle_root(contents)
    signed = _signed_text(proposal_id, root, result_json)
    signature = signer.signature_line(signed) if signer else None
    conn.execute(update(proposals).where(proposals.c.id == proposal_id).values(
        state="closed", closed_at=at, result=result_json, merkle_root=root,
        seal=box.seal(key, proposal_id, root, result_json),
        signature=signature))  # fmt: skip
    return result


def _rewrite(conn: Connection, proposal_id: str, contents: list[tuple[str, str, int]]) -> None:
    """Re-write the box (sorted by commitment) and touch every roll row in the closing
    transaction. While open, a ballot row and its voter's has-voted row were written by the same
    transaction, so on PostgreSQL their system columns (xmin, and ctid order) could pair them
    for someone with database access; after this they all carry the closing transaction and the
    box's physical order is commitment order. (Old row versions linger until VACUUM.)"""
    conn.execute(delete(ballots).where(ballots.c.proposal_id == proposal_id))
    if contents:
        conn.execute(ballots.insert(), [
            {"proposal_id": proposal_id, "commitment": c, "choice": choice, "weight": w}
            for c, choice, w in contents])  # fmt: skip
    conn.execute(update(roll).where(roll.c.proposal_id == proposal_id).values(voted=roll.c.voted))


def published(conn: Connection, proposal_id: str) -> dict[str, Any]:
    """What anyone may see after closing: result, receipt commitments, Merkle root, seal."""
    found = in_state(conn, proposal_id, "closed")
    return {
        "proposal": proposal_id, "result": found["result"], "merkle_root": found["merkle_root"],
        "seal": found["seal"], "signature": found["signature"], "commitments": [c for c, _, _ in box_contents(conn, proposal_id)],
    }  # fmt: skip


def _signed_text(proposal_id: str, root: str, result_json: str) -> str:
    return f"enlace vote tally\n{proposal_id}\n{root}\n{result_json}\n"


def signature_holds(found: dict[str, Any], verifier: Verifier) -> bool:
    """The stored Ed25519 signature line verifies over the stored root and result."""
    line = found.get("signature") or ""
    try:
        raw = base64.b64decode(line.rstrip("\n").rpartition(" ")[2], validate=True)
    except (binascii.Error, ValueError):
        return False
    text = _signed_text(found["id"], found["merkle_root"], box.canonical(found["result"]))
    return raw[:4] == verifier.key_id and verifier.verifies(text.encode(), raw[4:])


def verify(
    conn: Connection, proposal_id: str, key: bytes, verifier: Verifier | None = None
) -> list[str]:
    """Every way the closed tally disagrees with the box and the roll; empty means it holds."""
    found = in_state(conn, proposal_id, "closed")
    contents = box_contents(conn, proposal_id)
    problems: list[str] = []
    if verifier is not None and not signature_holds(found, verifier):
        problems.append("signature: the tally's Ed25519 signature does not verify")
    root = box.merkle_root(contents)
    if root != found["merkle_root"]:
        problems.append(
            f"ballot box: Merkle root {root[:12]} != sealed {found['merkle_root'][:12]}"
        )
    stored_json = box.canonical(found["result"])
    if box.seal(key, proposal_id, found["merkle_root"], stored_json) != found["seal"]:
        problems.append("result: the stored count does not match its seal")
    voted, size = turnout(conn, proposal_id)
    if len(contents) != voted:
        problems.append(f"roll: {voted} marked as voted but {len(contents)} ballots in the box")
    recount = box.canonical(count(found, contents, voted, size))
    if recount != stored_json:
        problems.append("result: a recount of the box differs from the published result")
    return problems


def verify_receipt(conn: Connection, proposal_id: str, secret: str, choice: Any) -> bool:
    """The voter's check: is the commitment of my secret and my choice in the closed box?"""
    found = get(conn, proposal_id)
    clean = box.canonical(check_choice(found["kind"], found["options"], choice))
    wanted = box.commitment(proposal_id, secret, clean)
    return any(c == wanted for c, _, _ in box_contents(conn, proposal_id))


def closed_at(conn: Connection, proposal_id: str) -> datetime | None:
    return get(conn, proposal_id)["closed_at"]
