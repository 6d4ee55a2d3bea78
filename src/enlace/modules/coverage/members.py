"""Member-months: how many people a payer covered in a period, the denominator of PMPM costs."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy import Connection, text

from enlace.store.repository import FhirRepository

_BY_PAYOR = text(
    "SELECT resource_id FROM reference_index WHERE resource_type = 'Coverage' "
    "AND param = 'payor' AND target_type = 'Organization' AND target_id = :payor"
)
_ALL = text(
    "SELECT DISTINCT resource_id FROM reference_index WHERE resource_type = 'Coverage' "
    "AND param = 'payor'"
)
_BATCH = 1000


def member_months(
    repo: FhirRepository, conn: Connection, first: date, last: date, payer: str | None = None
) -> float:
    """Sum over active Coverages of the payer (Organization/org-<payer>; every payer when
    None) of the days in force within [first, last], each calendar month's days over that
    month's length: a member covered all of February counts 1, half of March 0.5."""
    rows = conn.execute(_ALL if payer is None else _BY_PAYOR, {"payor": f"org-{payer}"})
    ids = sorted({row[0] for row in rows})
    total = 0.0
    for start in range(0, len(ids), _BATCH):
        stored = repo.current_many(conn, "Coverage", set(ids[start : start + _BATCH]))
        for version in stored.values():
            if version.deleted:
                continue
            resource = version.resource()
            if resource.get("status", "active") != "active":
                continue
            period = resource.get("period", {})
            begins = _day(period.get("start")) or date.min
            ends = _day(period.get("end")) or date.max
            total += _months_in_force(max(first, begins), min(last, ends))
    return round(total, 4)


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _months_in_force(first: date, last: date) -> float:
    months, day = 0.0, first
    while day <= last:
        length = monthrange(day.year, day.month)[1]
        month_end = date(day.year, day.month, length)
        months += ((min(last, month_end) - day).days + 1) / length
        day = month_end + timedelta(days=1)
    return months
