"""Cooperative membership, fees, capital and surplus (issue 15; docs/governance.md).

Public API for other modules: `eligible_members(conn, at)` — (member id, class) of every member
active at `at` — is the voter roll the voting module counts against.
"""

from __future__ import annotations

from enlace.modules.coop.classes import DEFAULT_CLASSES, MemberClass
from enlace.modules.coop.members import (
    Application,
    Member,
    add_obligation,
    admit,
    apply,
    change_status,
    eligible_members,
    get_member,
    history,
    list_members,
    member_for_user,
    settle_obligations,
    unpaid_obligations,
)

__all__ = [
    "DEFAULT_CLASSES",
    "Application",
    "Member",
    "MemberClass",
    "add_obligation",
    "admit",
    "apply",
    "change_status",
    "eligible_members",
    "get_member",
    "history",
    "list_members",
    "member_for_user",
    "settle_obligations",
    "unpaid_obligations",
]
