"""ARCO deadlines in business days (días hábiles): Monday to Friday, minus Mexican holidays.

The LFPDPPP gives the data controller 20 days from a request to answer it and 15 days from the
answer to carry it out; those terms are counted in business days. Which days are not business
days is configuration: the federal mandatory rest days of the Ley Federal del Trabajo (art. 74)
are computed for any year, and an operator adds the rest (Holy Thursday and Friday, 2 November,
12 December, a closure of their own) as `YYYY-MM-DD` (once) or `MM-DD` (every year).

A term starts the business day after the request (or answer) arrives, and ends at the close of
its last business day, Mexico City time: a request filed on a Saturday or a Sunday has the
same deadline as one filed the Friday before (Monday is the first day counted for all three).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, from_epoch_us

_MONDAY = 0


def _mexico_city() -> tzinfo:
    try:
        return ZoneInfo("America/Mexico_City")
    except ZoneInfoNotFoundError:  # no tz database: Mexico City has kept UTC-6 since 2022
        return timezone(timedelta(hours=-6), "CST")


MEXICO_CITY = _mexico_city()


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (_MONDAY - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """Mandatory rest days of Ley Federal del Trabajo art. 74 (as amended in 2006 and 2023)."""
    days = {
        date(year, 1, 1),
        _nth_monday(year, 2, 1),  # Constitution Day (5 February)
        _nth_monday(year, 3, 3),  # Benito Juárez (21 March)
        date(year, 5, 1),
        date(year, 9, 16),
        _nth_monday(year, 11, 3),  # Revolution Day (20 November)
        date(year, 12, 25),
    }
    # The day the federal executive changes hands: 1 October since 2024, 1 December before.
    if year >= 2024 and (year - 2024) % 6 == 0:
        days.add(date(year, 10, 1))
    elif year < 2024 and (year - 2018) % 6 == 0:
        days.add(date(year, 12, 1))
    return frozenset(days)


@dataclass(frozen=True)
class BusinessCalendar:
    extra_dates: frozenset[date] = frozenset()  # one-off days off
    extra_yearly: frozenset[tuple[int, int]] = frozenset()  # (month, day) every year
    federal: bool = True

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_dates:
            return False
        if (day.month, day.day) in self.extra_yearly:
            return False
        return not (self.federal and day in federal_holidays(day.year))

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th business day after `start` (`start` itself never counts)."""
        if days < 1:
            raise ValueError("a term is at least one business day")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day


def parse_calendar(values: Iterable[str], federal: bool = True) -> BusinessCalendar:
    """The calendar for the configured extra days; a 400 naming a value that is no date."""
    dates: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for raw in values:
        value = raw.strip()
        try:
            if len(value) == 5:  # MM-DD
                day = date(2000, int(value[:2]), int(value[3:]))  # 2000: 29 February exists
                if value[2] != "-":
                    raise ValueError(value)
                yearly.add((day.month, day.day))
            else:
                dates.add(date.fromisoformat(value))
        except ValueError:
            raise errors.bad_request(
                f"ENLACE_ARCO_HOLIDAYS: '{value}' is neither YYYY-MM-DD nor MM-DD"
            ) from None
    return BusinessCalendar(frozenset(dates), frozenset(yearly), federal)


def local_date(at_us: int) -> date:
    return from_epoch_us(at_us).astimezone(MEXICO_CITY).date()


def due_us(from_us: int, days: int, calendar: BusinessCalendar) -> int:
    """The last microsecond of the `days`-th business day after the instant `from_us`, in
    Mexico City: the moment a term of that many business days runs out."""
    last_day = calendar.add_business_days(local_date(from_us), days)
    next_midnight = datetime.combine(last_day + timedelta(days=1), time(), MEXICO_CITY)
    return epoch_us(next_midnight.astimezone(UTC)) - 1


def check_term(name: str, days: int) -> int:
    if days < 1:
        raise errors.bad_request(f"{name} must be at least 1 business day, not {days}")
    return days
