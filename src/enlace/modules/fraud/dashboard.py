"""The payer dashboard's figures for one month: claims by outcome, refused items by reason, what
the payer paid, PMPM (payer centavos over member-months of Coverage in force), and the fraud flags
over the month and the two before it (a month alone is too few claims per pharmacy)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection

from enlace.modules import coverage

from .columns import ClaimArrays
from .detect import Settings, detect
from .flags import Flag

FLAG_MONTHS = 3


@dataclass
class Dashboard:
    payer: str | None  # None: every payer
    months: list[str]  # "YYYY-MM" with claims, newest first
    month: str | None  # the month shown (None: no claims at all)
    claims_by_outcome: dict[str, int] = field(default_factory=dict)
    refused_by_reason: dict[str, int] = field(default_factory=dict)
    items: int = 0
    submitted_centavos: int = 0
    paid_centavos: int = 0
    member_months: float = 0.0
    flags: list[Flag] = field(default_factory=list)
    flag_window: tuple[str, str] | None = None

    @property
    def pmpm_centavos(self) -> int | None:
        if self.member_months <= 0:
            return None
        return round(self.paid_centavos / self.member_months)


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of "YYYY-MM"; ValueError when it is not one."""
    if len(month) != 7 or month[4] != "-":
        raise ValueError(month)
    year, number = int(month[:4]), int(month[5:])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


def _month_of(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()[:7]


def dashboard(
    repo: Any,
    conn: Connection,
    a: ClaimArrays,
    payer: str | None,
    month: str | None,
    medicines: Any,
    facility_of: Any,
) -> Dashboard:
    """The figures of `month` (default: the latest with claims) from the payer's claim lines."""
    ordinals = np.unique(a.day)
    months = sorted({_month_of(int(d)) for d in ordinals}, reverse=True)
    board = Dashboard(payer, months, month or (months[0] if months else None))
    if board.month is None:
        return board
    if board.month not in months:  # a month asked for without claims: shown, and selectable
        board.months = sorted([*months, board.month], reverse=True)
    first, last = month_bounds(board.month)
    in_month = (a.day >= first.toordinal()) & (a.day <= last.toordinal())
    _totals(board, a.where(in_month))
    board.member_months = coverage.member_months(repo, conn, first, last, payer)
    since = _months_before(first, FLAG_MONTHS - 1)
    window = (a.day >= since.toordinal()) & (a.day <= last.toordinal())
    board.flags = detect(a.where(window), medicines, facility_of, Settings()).flags
    board.flag_window = (since.isoformat(), last.isoformat())
    return board


def _totals(board: Dashboard, m: ClaimArrays) -> None:
    _, first_line = np.unique(m.claim, return_index=True)
    outcomes = np.bincount(m.outcome[first_line], minlength=len(m.outcomes))
    board.claims_by_outcome = {o: int(n) for o, n in zip(m.outcomes, outcomes, strict=True) if n}
    reasons = np.bincount(m.reason, minlength=len(m.reasons))
    board.refused_by_reason = {
        r: int(n) for r, n in zip(m.reasons, reasons, strict=True) if r and n
    }
    board.items = m.size
    board.submitted_centavos = int(m.submitted.sum())
    board.paid_centavos = int(m.paid.sum())


def _months_before(first: date, count: int) -> date:
    year, month = first.year, first.month - count
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)
