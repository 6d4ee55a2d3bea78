"""Checks for the FHIR R4 primitive types as they appear in JSON.

Each checker takes a parsed JSON value and returns None when it is valid, or a sentence saying what is
wrong. The regexes come from the official StructureDefinitions (the `regex` extension on `<type>.value`);
this module adds what a regex cannot say: the JSON kind (FHIR JSON carries numbers and booleans
natively), 32-bit integer ranges, and calendar validity (2023-02-30 matches the date regex but is no date).

The spec's regexes are XML Schema regexes, implicitly anchored, where `\\s` is only space, tab, CR and LF.
We use `fullmatch` with `re.ASCII`, whose `\\s` also covers form feed and vertical tab; those characters
cannot appear in XML at all, so no FHIR value can legitimately contain them.
"""

from __future__ import annotations

import math
import re
from calendar import monthrange
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PrimitiveCheck = Callable[[object], str | None]

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
# R4 datatypes: "strings SHALL NOT exceed 1MB (1024*1024 characters) in size".
MAX_STRING_LENGTH = 1024 * 1024

# Types whose JSON form is not a string; everything else is a JSON string.
_BOOLEAN_TYPES = frozenset({"boolean"})
_INTEGER_LOWER_BOUNDS = {"integer": INT32_MIN, "unsignedInt": 0, "positiveInt": 1}
_DECIMAL_TYPES = frozenset({"decimal"})
_DATE_TYPES = frozenset({"date", "dateTime", "instant"})
_LENGTH_LIMITED_TYPES = frozenset({"string", "markdown"})

# R4 has no regex for xhtml; the JSON form is a string holding a <div> in the XHTML namespace.
_XHTML_DIV_START = re.compile(
    r"""\s*<div(\s[^>]*)?\sxmlns\s*=\s*(["'])http://www\.w3\.org/1999/xhtml\2""", re.ASCII
)

_JSON_KIND_NAMES = {
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    dict: "object",
    list: "array",
    type(None): "null",
}


@dataclass(frozen=True, slots=True)
class PrimitiveType:
    """One primitive type: its name, its JSON kind and the spec's regex (None for xhtml)."""

    name: str
    json_kind: str  # "string" | "number" | "boolean"
    regex: str | None


def json_kind_of_type(type_name: str) -> str:
    if type_name in _BOOLEAN_TYPES:
        return "boolean"
    if type_name in _INTEGER_LOWER_BOUNDS or type_name in _DECIMAL_TYPES:
        return "number"
    return "string"


def json_kind_of_value(value: object) -> str:
    return _JSON_KIND_NAMES.get(type(value), type(value).__name__)


def describe(value: object, limit: int = 60) -> str:
    """A short, quoted rendering of a value for diagnostics."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def build_checkers(primitive_types: Mapping[str, PrimitiveType]) -> dict[str, PrimitiveCheck]:
    """One checker per primitive type, compiled once at load time."""
    return {name: _build_checker(ptype) for name, ptype in primitive_types.items()}


def _build_checker(ptype: PrimitiveType) -> PrimitiveCheck:
    if ptype.name in _BOOLEAN_TYPES:
        return _check_boolean
    if ptype.name in _INTEGER_LOWER_BOUNDS:
        return _integer_checker(ptype.name, _INTEGER_LOWER_BOUNDS[ptype.name])
    if ptype.name in _DECIMAL_TYPES:
        return _check_decimal
    if ptype.name == "xhtml":
        return _check_xhtml
    return _string_checker(ptype)


def _kind_error(expected: str, type_name: str, value: object) -> str:
    return f"Expected a JSON {expected} for {type_name}, found {json_kind_of_value(value)}"


def _check_boolean(value: object) -> str | None:
    if type(value) is bool:
        return None
    return _kind_error("boolean", "boolean", value)


def _check_decimal(value: object) -> str | None:
    if type(value) is int:
        return None
    if type(value) is float:
        # orjson never yields NaN or infinity, but dicts built in code might.
        return None if math.isfinite(value) else f"{value} is not a valid decimal"
    return _kind_error("number", "decimal", value)


def _integer_checker(type_name: str, lower_bound: int) -> PrimitiveCheck:
    def check(value: object) -> str | None:
        # type() rather than isinstance(): True is an int in Python but not in JSON.
        if type(value) is not int:
            if type(value) is float:
                return f"{describe(value)} is not a valid {type_name} (no fraction or exponent allowed)"
            return _kind_error("number", type_name, value)
        if lower_bound <= value <= INT32_MAX:
            return None
        return f"{value} is out of range for {type_name} ({lower_bound}..{INT32_MAX})"

    return check


# R4 datatypes.html#string: no character below U+0020 but tab, CR and LF. PostgreSQL text
# cannot hold U+0000 at all, so such a value could never be indexed (found by fuzzing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _string_checker(ptype: PrimitiveType) -> PrimitiveCheck:
    type_name = ptype.name
    matches = re.compile(ptype.regex, re.ASCII).fullmatch if ptype.regex else None
    check_calendar = type_name in _DATE_TYPES
    max_length = MAX_STRING_LENGTH if type_name in _LENGTH_LIMITED_TYPES else None

    def check(value: object) -> str | None:
        if type(value) is not str:
            return _kind_error("string", type_name, value)
        if not value:
            return "Empty strings are not allowed in FHIR JSON"
        if max_length is not None and len(value) > max_length:
            return f"A {type_name} must not exceed {max_length} characters"
        control = _CONTROL.search(value)
        if control is not None:
            return (
                f"A {type_name} must not contain the control character U+{ord(control.group()):04X}"
            )
        if matches is not None and matches(value) is None:
            return f"{describe(value)} is not a valid {type_name}"
        if check_calendar:
            return _calendar_problem(value, type_name)
        return None

    return check


def _calendar_problem(value: str, type_name: str) -> str | None:
    """The regex allows day 29-31 in every month; reject the days that do not exist."""
    if len(value) < 10 or value[8:10] <= "28":
        return None
    year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
    if day <= monthrange(year, month)[1]:
        return None
    return f"{describe(value)} is not a valid {type_name}: {year:04d}-{month:02d} has no day {day}"


def _check_xhtml(value: object) -> str | None:
    if type(value) is not str:
        return _kind_error("string", "xhtml", value)
    if not value:
        return "Empty strings are not allowed in FHIR JSON"
    if _XHTML_DIV_START.match(value) is None or not value.rstrip().endswith(("</div>", "/>")):
        return "Narrative must be a <div> element in the XHTML namespace (http://www.w3.org/1999/xhtml)"
    return None
