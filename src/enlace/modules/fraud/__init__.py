"""Anti-fraud analytics over adjudicated claims (issue 7 part 4), docs/fraud.md.

Claim items (`claims.claim_lines`) become numpy columns; providers (pharmacies) are compared
with their peers (z-score, robust MAD, isolation forest) and checked against rules (upcoding,
impossible days, early refills, Benford's first digits). Every `Flag` names its rule and
numbers. `score` compares the flags with the simulator's ground truth.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection

from enlace.modules import claims
from enlace.modules.catalog import FACILITIES, formulary

from .benford import BenfordResult, benford
from .columns import ClaimArrays
from .dashboard import Dashboard, month_bounds
from .dashboard import dashboard as _dashboard
from .detect import Report, Settings, detect
from .features import MedicineInfo
from .flags import RULES, Flag
from .scoring import FraudTruth, TruthFileError, read_truth, score


@cache
def medicine_info() -> dict[str, MedicineInfo]:
    """Catalog medicines: therapeutic class (ATC level 4) and list price of a pack."""
    return {m.slug: MedicineInfo(m.atc[:5], m.price_centavos) for m in formulary()}


@cache
def facility_of() -> dict[str, tuple[str, str]]:
    """Catalog facility slug -> (institution, state): the peer group's keys."""
    return {x.slug: (x.institution, x.state) for x in FACILITIES}


def load(
    conn: Connection, since: date | None = None, until: date | None = None, payer: str | None = None
) -> ClaimArrays:
    return ClaimArrays.from_lines(claims.claim_lines(conn, since, until, payer))


def analyse(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    payer: str | None = None,
    settings: Settings = Settings(),
) -> Report:
    """Every flag over the claims with service dates in [since, until] of one payer or all."""
    return detect(load(conn, since, until, payer), medicine_info(), facility_of(), settings)


def payer_dashboard(
    repo: Any, conn: Connection, payer: str | None, month: str | None = None
) -> Dashboard:
    """The payer dashboard's month (default: the latest with claims) of one payer or all;
    ValueError for a month that is not YYYY-MM."""
    if month is not None:
        month_bounds(month)
    arrays = load(conn, None, None, payer)
    return _dashboard(repo, conn, arrays, payer, month, medicine_info(), facility_of())


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "providers": len(report.providers),
        "claims": sum(report.claims),
        "flags": [x.as_dict() for x in report.flags],
    }


__all__ = [
    "RULES",
    "BenfordResult",
    "ClaimArrays",
    "Dashboard",
    "Flag",
    "FraudTruth",
    "MedicineInfo",
    "Report",
    "Settings",
    "TruthFileError",
    "analyse",
    "benford",
    "detect",
    "facility_of",
    "load",
    "medicine_info",
    "month_bounds",
    "payer_dashboard",
    "read_truth",
    "report_dict",
    "score",
]
