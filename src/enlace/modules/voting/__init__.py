"""Cooperative decisions (issue 15): proposals, anonymous verifiable ballots, proxies, quorum.

Public API: `create_proposal`, `comment`, `open_vote` (with `coop_roll`), `cast`, `close`,
`published`, `verify`, `verify_receipt`, `proxies.grant/revoke/cast_for/audit_log`.
See docs/governance.md (Decisions) for the anonymity design and its limits.
"""

from __future__ import annotations

from enlace.modules.voting import assemblies, ballots, bylaws, closing, proxies
from enlace.modules.voting.closing import close, published, verify, verify_receipt
from enlace.modules.voting.eligibility import coop_roll, member_for_user
from enlace.modules.voting.kinds import KINDS
from enlace.modules.voting.service import (
    RollSource,
    cast,
    comment,
    create_proposal,
    discussion,
    get,
    list_proposals,
    open_vote,
    standing,
    turnout,
)

__all__ = [
    "KINDS",
    "RollSource",
    "assemblies",
    "ballots",
    "bylaws",
    "cast",
    "close",
    "closing",
    "comment",
    "coop_roll",
    "create_proposal",
    "discussion",
    "get",
    "list_proposals",
    "member_for_user",
    "open_vote",
    "proxies",
    "published",
    "standing",
    "turnout",
    "verify",
    "verify_receipt",
]
