"""FHIRPath `lowBoundary()` and `highBoundary()`: the least and greatest values a (partial or
imprecise) value could stand for.

- decimal: half a unit of its last digit either way (1.0 -> 0.95 .. 1.05);
- date: the first and last day of a partial date (1970-06 -> 1970-06-01 .. 1970-06-30);
- dateTime/instant: filled to the millisecond, with the widest time zones when none is given
  (2010-10-10 -> 2010-10-10T00:00:00.000+14:00 .. 2010-10-10T23:59:59.999-12:00);
- time: filled to the millisecond (12:34:00 -> 12:34:00.000 .. 12:34:00.999).
A string's type comes from the path (`ofType(date)`) or the column's declared type, else from
its shape.
"""

from __future__ import annotations

import calendar
import re
from decimal import Decimal
from typing import Any

_DATE_TIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?"
)
_TIME = re.compile(r"(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?")


def boundary_of(value: Any, high: bool, kind: str | None) -> Any:
    """The boundary of one value, or None when it has none (a code, a Quantity, a bad date)."""
    if type(value) is bool:
        return None
    if type(value) in (int, float):
        return _decimal(value, high)
    if type(value) is not str:
        return None
    kind = kind or _shape(value)
    if kind == "time":
        return _time(value, high)
    if kind == "date":
        return _date(value, high)
    if kind in ("dateTime", "instant"):
        return _date_time(value, high)
    return None


def _shape(text: str) -> str:
    if "T" in text:
        return "dateTime"
    if ":" in text:
        return "time"
    return "date"


def _decimal(value: int | float, high: bool) -> float:
    number = Decimal(repr(value)) if type(value) is float else Decimal(value)
    exponent = int(number.as_tuple().exponent)
    half = Decimal(5).scaleb(exponent - 1)
    return float(number + half if high else number - half)


def _date(text: str, high: bool) -> str | None:
    match = _DATE_TIME.fullmatch(text)
    if match is None or match.group(4) is not None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    month = month or ("12" if high else "01")
    if not 1 <= int(month) <= 12:
        return None
    last = _last_day(year, month)
    if day is not None and not 1 <= int(day) <= int(last):
        return None
    day = day or (last if high else "01")
    return f"{year}-{month}-{day}"


def _date_time(text: str, high: bool) -> str | None:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    date = _date(f"{year}-{month}-{day}" if day else (f"{year}-{month}" if month else year), high)
    if date is None or not _clock_ok(hour, minute, second):
        return None
    fill = "59" if high else "00"
    hour = hour or ("23" if high else "00")
    clock = f"{hour}:{minute or fill}:{second or fill}.{_fraction(fraction, high)}"
    return f"{date}T{clock}{zone or ('-12:00' if high else '+14:00')}"


def _time(text: str, high: bool) -> str | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute, second, fraction = match.groups()
    if not _clock_ok(hour, minute, second):
        return None
    fill = "59" if high else "00"
    return f"{hour}:{minute or fill}:{second or fill}.{_fraction(fraction, high)}"


def _clock_ok(hour: str | None, minute: str | None, second: str | None) -> bool:
    return (
        int(hour or 0) <= 23 and int(minute or 0) <= 59 and int(second or 0) <= 60
    )  # 60: a leap second


def _fraction(digits: str | None, high: bool) -> str:
    return (digits or "").ljust(3, "9" if high else "0")[:3]


def _last_day(year: str, month: str) -> str:
    return f"{calendar.monthrange(int(year), int(month))[1]:02d}"
