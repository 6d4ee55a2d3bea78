"""Proposals through their life: draft, open (roll snapshot), ballots, close (sealed tally).

Every function takes a Connection inside the caller's transaction, so a refused ballot or proxy
writes nothing. The voter roll comes from a `RollSource` (coop.eligible_members in production)
read once at opening: later admissions or suspensions do not change who may vote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.modules.voting import ballots as box
from enlace.modules.voting import kinds, quorum, tally
from enlace.modules.voting.tables import ballots, comments, proposals, roll

RollSource = Callable[[Connection, datetime], list[tuple[str, str]]]


def create_proposal(
    conn: Connection,
    proposal_id: str,
    title: str,
    kind: str,
    options: list[str] | None = None,
    *,
    body: str = "",
    quorum_share: float = 0.5,
    min_share: float = 0.5,
    class_weights: dict[str, int] | None = None,
    proxy_limit: int = 1,
    by: str = "system",
) -> None:
    choices = kinds.options_for(kind, options or [])
    if not title.strip():
        raise errors.bad_request("a proposal needs a title", "title")
    for value, name in ((quorum_share, "quorum"), (min_share, "min_share")):
        if not 0 <= value <= 1:
            raise errors.bad_request(f"{name} is a share between 0 and 1", name)
    if proxy_limit < 0:
        raise errors.bad_request("proxy_limit cannot be negative", "proxy_limit")
    if conn.execute(select(proposals.c.id).where(proposals.c.id == proposal_id)).first():
        raise errors.conflict(f"proposal {proposal_id} already exists")
    conn.execute(
        proposals.insert().values(
            id=proposal_id, title=title, body=body, kind=kind, options=json.dumps(choices),
            quorum=quorum_share, min_share=min_share, proxy_limit=proxy_limit, state="draft",
            class_weights=json.dumps(class_weights) if class_weights else None, created_by=by,
        )
    )  # fmt: skip


def get(conn: Connection, proposal_id: str) -> dict[str, Any]:
    row = conn.execute(select(proposals).where(proposals.c.id == proposal_id)).mappings().first()
    if row is None:
        raise errors.not_found(f"no proposal {proposal_id}")
    found = dict(row)
    found["options"] = json.loads(found["options"])
    found["class_weights"] = json.loads(found["class_weights"] or "null")
    found["result"] = json.loads(found["result"] or "null")
    return found


def comment(conn: Connection, proposal_id: str, author: str, body: str, at: datetime) -> None:
    get(conn, proposal_id)
    if not body.strip():
        raise errors.bad_request("an empty comment", "body")
    conn.execute(comments.insert().values(proposal_id=proposal_id, author=author, body=body, at=at))


def discussion(conn: Connection, proposal_id: str) -> list[tuple[str, str]]:
    query = select(comments.c.author, comments.c.body).where(comments.c.proposal_id == proposal_id)
    return [(r.author, r.body) for r in conn.execute(query.order_by(comments.c.id))]


def open_vote(conn: Connection, proposal_id: str, source: RollSource, at: datetime) -> int:
    """Snapshot the eligible roll (one member one vote, or the class weight) and open."""
    found = in_state(conn, proposal_id, "draft")
    weights = found["class_weights"] or {}
    voters = source(conn, at)
    if voters:
        conn.execute(
            roll.insert(),
            [
                {"proposal_id": proposal_id, "member_id": member, "member_class": cls,
                 "weight": int(weights.get(cls, 1)), "voted": 0}
                for member, cls in voters
            ],
        )  # fmt: skip
    conn.execute(update(proposals).where(proposals.c.id == proposal_id).values(
        state="open", opened_at=at))  # fmt: skip
    return len(voters)


def cast(conn: Connection, proposal_id: str, member_id: str, choice: Any) -> str:
    """Record one ballot; returns the voter's secret receipt (shown once, never stored)."""
    found = in_state(conn, proposal_id, "open")
    entry = roll_entry(conn, proposal_id, member_id)
    clean = box.canonical(kinds.check_choice(found["kind"], found["options"], choice))
    marked = conn.execute(
        update(roll)
        .where(roll.c.proposal_id == proposal_id, roll.c.member_id == member_id, roll.c.voted == 0)
        .values(voted=1)
    )
    if marked.rowcount != 1:  # the guard in WHERE makes a concurrent second ballot lose here
        raise errors.conflict(f"member {member_id} has already voted on {proposal_id}")
    secret = box.new_secret()
    conn.execute(ballots.insert().values(
        proposal_id=proposal_id, commitment=box.commitment(proposal_id, secret, clean),
        choice=clean, weight=entry["weight"]))  # fmt: skip
    return secret


def roll_entry(conn: Connection, proposal_id: str, member_id: str) -> dict[str, Any]:
    row = conn.execute(
        select(roll).where(roll.c.proposal_id == proposal_id, roll.c.member_id == member_id)
    ).mappings().first()  # fmt: skip
    if row is None:
        raise errors.error(403, "forbidden", f"{member_id} is not on the roll of {proposal_id}")
    if row["voted"]:
        raise errors.conflict(f"member {member_id} has already voted on {proposal_id}")
    return dict(row)


def in_state(conn: Connection, proposal_id: str, state: str) -> dict[str, Any]:
    found = get(conn, proposal_id)
    if found["state"] != state:
        raise errors.conflict(f"proposal {proposal_id} is {found['state']}, not {state}")
    return found


def turnout(conn: Connection, proposal_id: str) -> tuple[int, int]:
    rows = conn.execute(select(roll.c.voted).where(roll.c.proposal_id == proposal_id)).all()
    return sum(r.voted for r in rows), len(rows)


def box_contents(conn: Connection, proposal_id: str) -> list[tuple[str, str, int]]:
    query = select(ballots.c.commitment, ballots.c.choice, ballots.c.weight)
    rows = conn.execute(query.where(ballots.c.proposal_id == proposal_id))
    return sorted((r.commitment, r.choice, r.weight) for r in rows)


def count(
    found: dict[str, Any], contents: list[tuple[str, str, int]], voted: int, size: int
) -> dict:
    choices = [json.loads(choice) for _, choice, _ in contents]
    weights = [weight for _, _, weight in contents]
    options, kind = found["options"], found["kind"]
    if kind == "proposal":
        counted = tally.count_proposal(choices, weights, found["min_share"])
    elif kind == "ranked":
        matrix = tally.rank_matrix(options, choices)
        counted = tally.instant_runoff(options, matrix, np.asarray(weights, dtype=np.int64))
    else:
        counter = {"single": tally.count_single, "multiple": tally.count_multiple}
        counted = counter.get(kind, tally.count_score)(options, choices, weights)
    met = quorum.quorum_met(voted, size, found["quorum"])
    return {
        **counted, "turnout": voted, "roll": size, "ballots": len(contents),
        "quorum_needed": quorum.needed(size, found["quorum"]), "quorum_met": met,
        "decision": "void" if not met else _decision(kind, counted),
    }  # fmt: skip


def _decision(kind: str, counted: dict) -> str:
    if kind == "proposal":
        return "adopted" if counted["passed"] else "rejected"
    return "elected" if counted.get("winner") else "no winner (tie)"


def list_proposals(conn: Connection) -> list[dict[str, Any]]:
    query = select(proposals.c.id, proposals.c.title, proposals.c.kind, proposals.c.state)
    return [dict(r) for r in conn.execute(query.order_by(proposals.c.id)).mappings()]


def standing(conn: Connection, proposal_id: str, member_id: str | None) -> str:
    """`can_vote`, `voted` or `not_on_roll`: what the ballot page offers this member."""
    if member_id is None:
        return "not_on_roll"
    query = select(roll.c.voted).where(
        roll.c.proposal_id == proposal_id, roll.c.member_id == member_id
    )
    voted = conn.execute(query).scalar()
    return "not_on_roll" if voted is None else "voted" if voted else "can_vote"
