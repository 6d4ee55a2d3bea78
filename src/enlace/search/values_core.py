"""Types and shared rules for search values: index entry tuples, string folding, date ranges and
number precision ranges. See `values.py` for the overview."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from enlace.kernel.clock import epoch_us

# Open ends of a Period: the smallest and largest signed 64-bit integers (fit a BIGINT column).
MIN_US = -(2**63)
MAX_US = 2**63 - 1


class TokenEntry(NamedTuple):
    """A code, with its system; `text` (Coding.display, Identifier.type.text) serves `:text`."""

    system: str | None
    code: str
    text: str | None


class TokenText(NamedTuple):
    """CodeableConcept.text, searched only by `:text`."""

    text: str


class OfTypeEntry(NamedTuple):
    """An Identifier's type coding with its value, for `identifier:of-type=system|code|value`."""

    type_system: str | None
    type_code: str
    value: str


class StringEntry(NamedTuple):
    """`normalized` for the default (prefix) and `:contains` matches, `exact` for `:exact`."""

    normalized: str
    exact: str


class DateEntry(NamedTuple):
    """Half-open [low_us, high_us) in microseconds since the epoch; open ends are MIN_US/MAX_US."""

    low_us: int
    high_us: int


class NumberEntry(NamedTuple):
    """A number and the half-open range its significant digits imply (`100` → [99.5, 100.5))."""

    value: Decimal
    low: Decimal
    high: Decimal


class QuantityEntry(NamedTuple):
    value: Decimal
    system: str | None
    code: str | None
    unit: str | None
    canonical_value: Decimal | None
    canonical_code: str | None


class ReferenceEntry(NamedTuple):
    target_type: str | None
    target_id: str | None
    url: str | None


IndexEntry = (
    TokenEntry
    | TokenText
    | OfTypeEntry
    | StringEntry
    | DateEntry
    | NumberEntry
    | QuantityEntry
    | ReferenceEntry
    | str
)


def normalize_string(text: str) -> str:
    """Fold for string search: NFKD, drop combining marks, casefold, collapse whitespace."""
    if text.isascii():  # the common case, and 10x faster: nothing to decompose or strip
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


# --- dates -------------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def date_range(text: str) -> DateEntry | None:
    """The [low, high) microseconds a FHIR date, dateTime or instant denotes at its own precision,
    or None if it is not one. A value without a zone (every `date`, and a zone-less dateTime or
    search value) is read as UTC. A leap second (`:60`) is read as the last microsecond of `:59`."""
    match = _DATE_TIME.match(text)
    if match is None:
        return None
    try:
        return _range(match)
    except (ValueError, OverflowError):
        return None


def _range(match: re.Match[str]) -> DateEntry:
    year = int(match["y"])
    if match["m"] is None:
        start = datetime(year, 1, 1, tzinfo=UTC)
        return _entry(start, _add_months(start, 12))
    month = int(match["m"])
    if match["d"] is None:
        start = datetime(year, month, 1, tzinfo=UTC)
        return _entry(start, _add_months(start, 1))
    day = datetime(year, month, int(match["d"]), tzinfo=UTC)
    if match["H"] is None:
        last_day = (day.year, day.month, day.day) == (9999, 12, 31)
        return _entry(day, None if last_day else day + timedelta(days=1))
    hour, minute = int(match["H"]), int(match["M"])
    if hour > 23 or minute > 59:
        raise ValueError("time out of range")
    moment = day + timedelta(hours=hour, minutes=minute)
    width = timedelta(minutes=1)
    if match["S"] is not None:
        seconds = int(match["S"])
        if seconds > 60:
            raise ValueError("seconds out of range")
        leap = seconds == 60
        moment += timedelta(seconds=min(seconds, 59))
        fraction = match["f"] or ""
        width = timedelta(microseconds=10 ** max(6 - len(fraction), 0))
        if leap:  # the last microsecond of :59, whatever the fraction
            moment, width = moment + timedelta(microseconds=999_999), timedelta(microseconds=1)
        elif fraction:
            moment += timedelta(microseconds=int(fraction[:6].ljust(6, "0")))
    zone = match["tz"]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 14 or minutes > 59:
            raise ValueError("zone out of range")
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return _entry(moment, moment + width)


_YEAR_10000_US = 253402300800 * 1_000_000  # 10000-01-01T00:00Z, past datetime's range


def _add_months(start: datetime, months: int) -> datetime | None:
    """The start plus whole months, or None for 10000-01-01 (the end of year 9999)."""
    index = start.month - 1 + months
    if start.year + index // 12 > 9999:
        return None
    return start.replace(year=start.year + index // 12, month=index % 12 + 1)


def _entry(low: datetime, high: datetime | None) -> DateEntry:
    return DateEntry(epoch_us(low), epoch_us(high) if high else _YEAR_10000_US)


# --- numbers -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$")


def to_decimal(value: object) -> Decimal | None:
    """A JSON number (int, float as parsed by orjson, Decimal) or numeric string as a Decimal.
    A float goes through its shortest repr, so 5.4 is Decimal('5.4'); booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() and _in_range(value) else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str) and _NUMBER.match(value):
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            return None
        return number if _in_range(number) else None
    return None


def _in_range(number: Decimal) -> bool:
    """Within a double's decimal exponents, as both stores keep index numbers (SQLite REAL):
    `1e999999999` is not a number a search can mean, and its precision arithmetic would overflow
    Decimal's context (found by fuzzing)."""
    return number.is_zero() or -330 <= number.adjusted() <= 308


def number_entry(value: Decimal) -> NumberEntry:
    """The value with its implicit precision range: half a unit of its last significant digit."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    half = Decimal(5).scaleb(exponent - 1)
    return NumberEntry(value, value - half, value + half)
