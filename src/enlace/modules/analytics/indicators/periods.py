"""Reporting periods: a month (2026-10), a quarter (2026-Q3), a half (2026-H1) or a year (2026),
each a half-open range of days [start, end), with the previous period of the same length and
the months it spans (for time series)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from enlace.kernel import errors

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date  # exclusive

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    def previous(self) -> Period:
        return _span(add_months(self.start, -self.months), self.months)

    def month_list(self) -> list[Period]:
        return [_span(add_months(self.start, i), 1) for i in range(self.months)]

    def lookback(self, months: int) -> date:
        """The first day of the window of `months` months that ends with this period."""
        return add_months(self.end, -months)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(start: date, months: int) -> str:
    if months == 1:
        return f"{start.year}-{start.month:02d}"
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{start.month // 3 + 1}"
    if months == 6 and start.month in (1, 7):
        return f"{start.year}-H{1 if start.month == 1 else 2}"
    if months == 12 and start.month == 1:
        return str(start.year)
    return f"{start.isoformat()}/{add_months(start, months).isoformat()}"


def _span(start: date, months: int) -> Period:
    return Period(_label(start, months), start, add_months(start, months))


def parse_period(text: str, where: str = "period") -> Period:
    """`2026-10`, `2026-Q3`, `2026-H1` or `2026`; anything else is a 400 naming `where`."""
    found = _PATTERN.match(text.strip()) if isinstance(text, str) else None
    if not found:
        raise errors.bad_request(
            f"period must be YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn, not {text!r}", where
        )
    year = int(found.group(1))
    month, quarter, half = found.group(2), found.group(3), found.group(4)
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise errors.bad_request(f"month must be 01-12, not {month}", where)
        return _span(date(year, int(month), 1), 1)
    if quarter is not None:
        return _span(date(year, 3 * int(quarter) - 2, 1), 3)
    if half is not None:
        return _span(date(year, 1 if half == "1" else 7, 1), 6)
    return _span(date(year, 1, 1), 12)
