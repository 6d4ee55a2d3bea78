"""What the portal and the CLI show: a member's fee tier, and aggregate figures with no
personal data for the public transparency page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection

from enlace.modules.coop.members import Member, list_members
from enlace.modules.coop.surplus import runs
from enlace.modules.finance import SlidingFee, sliding_fee
from enlace.modules.finance.sliding_scale import Area

# The monthly member fee before the sliding scale (centavos); bylaws configuration.
FULL_MONTHLY_FEE = 20_000  # $200.00


def fee_tier(member: Member, full_fee: int = FULL_MONTHLY_FEE) -> SlidingFee:
    """The member's monthly fee by household income and size (finance's sliding scale)."""
    area = cast(Area, member.area)
    return sliding_fee(full_fee, member.household_income, member.household_size, area)


@dataclass(frozen=True, slots=True)
class Transparency:
    members_by_class: dict[str, int]
    applications_pending: int
    surplus_runs: list[dict[str, int]]


def transparency(conn: Connection) -> Transparency:
    """Counts and year totals only: no names, ids, incomes or individual shares."""
    by_class: dict[str, int] = {}
    for member in list_members(conn, "active"):
        by_class[member.member_class] = by_class.get(member.member_class, 0) + 1
    pending = len(list_members(conn, "applied"))
    return Transparency(dict(sorted(by_class.items())), pending, runs(conn))
