"""Delegation: a member lets another member cast their vote on one proposal.

Each proxy holds at most the proposal's `proxy_limit` votes besides their own, no chains (a proxy
cannot pass on a vote they hold, nor hold one if they delegated theirs), and every grant,
revocation and proxy vote is written to `voting_proxy_audit` with who and when. Delegation is
public by design (it is a mandate, not a ballot); the ballot a proxy casts stays anonymous.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from enlace.kernel import errors
from enlace.modules.voting import service
from enlace.modules.voting.tables import proxies, proxy_audit


def _holder(conn: Connection, proposal_id: str, grantor: str) -> str | None:
    query = select(proxies.c.proxy).where(
        proxies.c.proposal_id == proposal_id, proxies.c.grantor == grantor
    )
    return conn.execute(query).scalar()


def held_by(conn: Connection, proposal_id: str, proxy: str) -> list[str]:
    query = select(proxies.c.grantor).where(
        proxies.c.proposal_id == proposal_id, proxies.c.proxy == proxy
    )
    return sorted(conn.execute(query).scalars())


def grant(
    conn: Connection, proposal_id: str, grantor: str, proxy: str, actor: str, at: datetime
) -> None:
    found = service.in_state(conn, proposal_id, "open")
    if grantor == proxy:
        raise errors.bad_request("a member cannot be their own proxy", "proxy")
    service.roll_entry(conn, proposal_id, grantor)  # 403 off the roll, 409 already voted
    service.roll_entry(conn, proposal_id, proxy)
    if _holder(conn, proposal_id, grantor):
        raise errors.conflict(f"{grantor} has already delegated their vote on {proposal_id}")
    if _holder(conn, proposal_id, proxy) or held_by(conn, proposal_id, grantor):
        raise errors.conflict("no proxy chains: a delegated vote cannot be passed on")
    held = conn.execute(
        select(func.count()).where(proxies.c.proposal_id == proposal_id, proxies.c.proxy == proxy)
    ).scalar_one()  # fmt: skip
    if held >= found["proxy_limit"]:
        raise errors.conflict(
            f"{proxy} already holds {held} proxies; the limit is {found['proxy_limit']}"
        )
    conn.execute(proxies.insert().values(proposal_id=proposal_id, grantor=grantor, proxy=proxy))
    _audit(conn, proposal_id, "granted", grantor, proxy, actor, at, f"limit {found['proxy_limit']}")


def revoke(conn: Connection, proposal_id: str, grantor: str, actor: str, at: datetime) -> None:
    service.in_state(conn, proposal_id, "open")
    proxy = _holder(conn, proposal_id, grantor)
    if proxy is None:
        raise errors.not_found(f"{grantor} has no proxy on {proposal_id}")
    conn.execute(
        delete(proxies).where(proxies.c.proposal_id == proposal_id, proxies.c.grantor == grantor)
    )
    _audit(conn, proposal_id, "revoked", grantor, proxy, actor, at, "")


def cast_for(
    conn: Connection, proposal_id: str, proxy: str, grantor: str, choice: Any, at: datetime
) -> str:
    """The proxy casts the grantor's ballot; the receipt goes to the proxy to pass on."""
    if _holder(conn, proposal_id, grantor) != proxy:
        raise errors.error(403, "forbidden", f"{proxy} holds no proxy from {grantor}")
    secret = service.cast(conn, proposal_id, grantor, choice)
    _audit(conn, proposal_id, "voted", grantor, proxy, proxy, at, "ballot cast by proxy")
    return secret


def _audit(
    conn: Connection, proposal_id: str, action: str, grantor: str, proxy: str, actor: str,
    at: datetime, detail: str,
) -> None:  # fmt: skip
    conn.execute(proxy_audit.insert().values(
        proposal_id=proposal_id, action=action, grantor=grantor, proxy=proxy, actor=actor,
        detail=detail, at=at))  # fmt: skip


def audit_log(conn: Connection, proposal_id: str) -> list[dict[str, Any]]:
    query = select(proxy_audit).where(proxy_audit.c.proposal_id == proposal_id)
    return [dict(r) for r in conn.execute(query.order_by(proxy_audit.c.id)).mappings()]
