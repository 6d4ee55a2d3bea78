"""Cooperative membership, fees, capital and surplus (issue 15; docs/governance.md).

Public API for other modules: `eligible_members(conn, at)` — (member id, class) of every member
active at `at` — is the voter roll the voting module counts against.
"""

from __future__ import annotations

from enlace.modules.coop.capital import (
    CASH,
    Certificate,
    capital_balance,
    certificates,
    contribute,
    open_books,
    refund,
)
from enlace.modules.coop.classes import DEFAULT_CLASSES, MemberClass
from enlace.modules.coop.directory import Entry, directory
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
from enlace.modules.coop.service import FULL_MONTHLY_FEE, Transparency, fee_tier, transparency
from enlace.modules.coop.surplus import (
    EDUCATION,
    RESERVE,
    SURPLUS,
    Bylaws,
    Distribution,
    compute,
    distribute,
    record_patronage,
    runs,
    statement,
    year_surplus,
)

__all__ = [
    "CASH",
    "DEFAULT_CLASSES",
    "EDUCATION",
    "FULL_MONTHLY_FEE",
    "RESERVE",
    "SURPLUS",
    "Application",
    "Bylaws",
    "Certificate",
    "Distribution",
    "Entry",
    "Member",
    "MemberClass",
    "Transparency",
    "add_obligation",
    "admit",
    "apply",
    "capital_balance",
    "certificates",
    "change_status",
    "compute",
    "contribute",
    "directory",
    "distribute",
    "eligible_members",
    "fee_tier",
    "get_member",
    "history",
    "list_members",
    "member_for_user",
    "open_books",
    "record_patronage",
    "refund",
    "runs",
    "settle_obligations",
    "statement",
    "transparency",
    "unpaid_obligations",
    "year_surplus",
]
