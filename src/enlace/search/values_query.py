"""The query side: parsing search values, and the R4 prefix semantics on ranges.

Every parser takes the parameter name and raises a 400 `FhirError` whose issue expression is that
name when the value is malformed. Splitting on `,` (OR) and unescaping `\\,` `\\|` `\\$` `\\\\` are
done here too (`split_or`, `unescape`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.search import ucum
from enlace.search.values_core import (
    DateEntry,
    NumberEntry,
    date_range,
    normalize_string,
    number_entry,
    to_decimal,
)
from enlace.search.values_index import parse_reference

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class DateSearch(NamedTuple):
    prefix: str
    low_us: int
    high_us: int


class NumberSearch(NamedTuple):
    prefix: str
    value: Decimal
    low: Decimal
    high: Decimal


class QuantitySearch(NamedTuple):
    """`system` None means any system (`5.4||mg`, `5.4`); `code` None means any unit. The
    canonical number is set when the system is UCUM (or absent) and `ucum` knows the code."""

    prefix: str
    number: NumberSearch
    system: str | None
    code: str | None
    canonical: NumberSearch | None
    canonical_code: str | None


class TokenSearch(NamedTuple):
    """`code` → any system; `|code` → no system (`system` None, `any_system` False);
    `system|code`; `system|` → any code in the system (`code` None)."""

    system: str | None
    code: str | None
    any_system: bool


class ReferenceSearch(NamedTuple):
    target_type: str | None
    target_id: str | None
    url: str | None


def split_or(value: str) -> list[str]:
    """The comma-separated alternatives of a value, keeping escaped commas (`\\,`) escaped."""
    return _split(value, ",")


def unescape(text: str) -> str:
    return re.sub(r"\\([\\,|$])", r"\1", text)


def _split(value: str, separator: str) -> list[str]:
    parts, current, index = [], [], 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            current.append(value[index : index + 2])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _bad(name: str, text: str, expected: str) -> errors.FhirError:
    return errors.bad_request(f"{name}: '{text}' is not {expected}", expression=name)


def _prefix(text: str) -> tuple[str, str]:
    if len(text) > 2 and text[:2] in PREFIXES:
        return text[:2], text[2:]
    return "eq", text


# --- parsers -----------------------------------------------------------------------------------


def parse_date_value(text: str, name: str) -> DateSearch:
    """`ge2026-03` → ("ge", low, high) of March 2026; a zone-less value is read as UTC."""
    prefix, rest = _prefix(text)
    entry = date_range(rest)
    if entry is None:
        raise _bad(name, text, "a FHIR date or dateTime, with an optional prefix")
    return DateSearch(prefix, entry.low_us, entry.high_us)


def parse_number_value(text: str, name: str) -> NumberSearch:
    prefix, rest = _prefix(text)
    number = to_decimal(rest)
    if number is None:
        raise _bad(name, text, "a number, with an optional prefix")
    return NumberSearch(prefix, *number_entry(number))


def parse_quantity_value(text: str, name: str) -> QuantitySearch:
    """`[prefix]number`, `[prefix]number|system|code` or `[prefix]number||code`."""
    parts = [unescape(part) for part in _split(text, "|")]
    if len(parts) not in (1, 3):
        raise _bad(name, text, "a quantity: [prefix]number[|system|code]")
    number = parse_number_value(parts[0], name)
    system = parts[1] or None if len(parts) == 3 else None
    code = parts[2] or None if len(parts) == 3 else None
    if system is not None and code is None:
        raise _bad(name, text, "a quantity: a system needs a code")
    canonical = None
    if code is not None and system in (None, ucum.UCUM_SYSTEM):
        canonical = _canonical(number, code)
    return QuantitySearch(
        number.prefix,
        number,
        system,
        code,
        canonical[0] if canonical else None,
        canonical[1] if canonical else None,
    )


def _canonical(number: NumberSearch, code: str) -> tuple[NumberSearch, str] | None:
    value = ucum.canonicalize(number.value, code)
    low = ucum.canonicalize(number.low, code)
    high = ucum.canonicalize(number.high, code)
    if value is None or low is None or high is None:
        return None
    return NumberSearch(number.prefix, value[0], low[0], high[0]), value[1]


def parse_token_value(text: str, name: str) -> TokenSearch:
    parts = _split(text, "|")
    if len(parts) > 2 or not text:
        raise _bad(name, text, "a token: [system|]code, |code or system|")
    if len(parts) == 1:
        return TokenSearch(None, unescape(parts[0]), True)
    system, code = unescape(parts[0]) or None, unescape(parts[1]) or None
    if system is None and code is None:
        raise _bad(name, text, "a token: [system|]code, |code or system|")
    return TokenSearch(system, code, False)


def parse_of_type_value(text: str, name: str) -> tuple[str, str, str]:
    """`identifier:of-type=system|code|value`: all three parts are required."""
    parts = [unescape(part) for part in _split(text, "|")]
    if len(parts) != 3 or not all(parts):
        raise _bad(name, text, "system|code|value (all three parts are required)")
    return parts[0], parts[1], parts[2]


def parse_reference_value(
    text: str, name: str, type_modifier: str | None = None
) -> ReferenceSearch:
    """`Type/id`, `id` (typed by a `:Type` modifier if given), or an absolute URL (which also
    gives type and id when it ends in `Type/id`), or a canonical `url|version` (the version is
    dropped, as in the index). A modifier that contradicts the type is a 400."""
    parts = _split(text, "|")
    value = unescape(parts[0] if len(parts) == 2 and "://" in parts[0] else text)
    if type_modifier is not None and not _TYPE.match(type_modifier):
        raise _bad(name, type_modifier, "a resource type modifier")
    if _ID.match(value):
        return ReferenceSearch(type_modifier, value, None)
    if "://" in value and " " not in value:
        entry = parse_reference(value)
    elif "/" in value and not value.startswith(("urn:", "#")):
        entry = parse_reference(value)
        if entry is None or entry.target_type is None:
            raise _bad(name, text, "a reference: Type/id, id or an absolute URL")
    elif value.startswith("urn:") and " " not in value:
        entry = parse_reference(value)
    else:
        raise _bad(name, text, "a reference: Type/id, id or an absolute URL")
    assert entry is not None
    if type_modifier and entry.target_type and entry.target_type != type_modifier:
        raise _bad(name, text, f"a reference to a {type_modifier}")
    return ReferenceSearch(entry.target_type or type_modifier, entry.target_id, entry.url)


def parse_string_value(text: str, name: str) -> tuple[str, str]:
    """(normalized for the default and `:contains` matches, exact for `:exact`)."""
    value = unescape(text)
    if not value:
        raise _bad(name, text, "a non-empty string")
    return normalize_string(value), value


# --- comparisons -------------------------------------------------------------------------------


def date_matches(
    prefix: str, search: DateEntry | DateSearch, value: DateEntry, now_us: int | None = None
) -> bool:
    """The R4 prefix rules on half-open ranges [low, high):

    eq: the search range contains the value range; ne: not eq; gt: the value range reaches above
    the search range; lt: it starts below; ge: gt or eq; le: lt or eq; sa: it starts at or after
    the search range's end; eb: it ends at or before the search range's start; ap: the ranges
    overlap once the search range is widened on both sides by 10% of the distance from now
    (`now_us`, the current time if None) to the nearer edge of the search range."""
    s_low, s_high = search[-2], search[-1]
    low, high = value
    if prefix == "eq":
        return s_low <= low and high <= s_high
    if prefix == "ne":
        return not (s_low <= low and high <= s_high)
    if prefix == "gt":
        return high > s_high
    if prefix == "lt":
        return low < s_low
    if prefix == "ge":
        return high > s_high or (s_low <= low and high <= s_high)
    if prefix == "le":
        return low < s_low or (s_low <= low and high <= s_high)
    if prefix == "sa":
        return low >= s_high
    if prefix == "eb":
        return high <= s_low
    if prefix == "ap":
        now = now_us if now_us is not None else _now_us()
        gap = 0 if s_low <= now < s_high else min(abs(now - s_low), abs(now - s_high))
        margin = gap // 10
        return low < s_high + margin and high > s_low - margin
    raise ValueError(f"unknown prefix {prefix!r}")


def number_matches(prefix: str, search: NumberEntry | NumberSearch, value: Decimal) -> bool:
    """The R4 number rules for a value in a resource: eq/ne use the search value's implicit
    precision range [low, high); gt/lt/ge/le compare with the exact search value; sa: the value is
    at or above the range's end; eb: below its start; ap: within 10% of the search value, or
    within its precision range if that is wider."""
    number, low, high = search[-3], search[-2], search[-1]
    if prefix == "eq":
        return low <= value < high
    if prefix == "ne":
        return not (low <= value < high)
    if prefix == "gt":
        return value > number
    if prefix == "lt":
        return value < number
    if prefix == "ge":
        return value >= number
    if prefix == "le":
        return value <= number
    if prefix == "sa":
        return value >= high
    if prefix == "eb":
        return value < low
    if prefix == "ap":
        margin = abs(number) / 10
        return min(low, number - margin) <= value <= max(high, number + margin)
    raise ValueError(f"unknown prefix {prefix!r}")


def _now_us() -> int:
    return epoch_us(datetime.now(UTC))
