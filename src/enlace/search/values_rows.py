"""Index rows from element values, one builder per search parameter type (`BUILDERS`).

The same rules as `values_index`'s entries (which stay the readable reference, and the query
side's), written straight as the value columns of the index tables, cut at `MAX_KEY` and folded:
no entry NamedTuple per value and no second pass turning entries into rows. This runs for every
value of every write (search/index_writer.py); tests/unit/test_index_writer.py pins the rows over
the whole Synthea sample against those the entry-based writer produced.

A builder returns (value columns for its parameter's table, value columns of side rows in
token_index): an Identifier's type codings (`:of-type`) and a Reference's identifier
(`:identifier`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from enlace.search import ucum
from enlace.search.values_core import MAX_US, MIN_US, date_range, normalize_string, to_decimal
from enlace.search.values_index import CURRENCY_SYSTEM, parse_reference

MAX_KEY = 1024

Row = tuple[Any, ...]
Built = tuple[list[Row], list[Row]]
Builder = Callable[[Any], Built]

_NOTHING: Built = ([], [])
_CONTACT_SYSTEMS = frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"})
_STRING_FIELDS = (
    *("family", "given", "prefix", "suffix"),  # HumanName
    *("line", "city", "district", "state", "postalCode", "country"),  # Address
    "text",
)


def _cut(text: str | None) -> str | None:
    return text[:MAX_KEY] if text is not None and len(text) > MAX_KEY else text


def _text(value: Any) -> str | None:
    """A non-empty string, else None (absent, empty or malformed)."""
    return value if isinstance(value, str) and value else None


def _folded(text: str | None) -> str | None:
    return _cut(normalize_string(text)) if text else None


def _token(value: Any) -> Built:
    """Coding, CodeableConcept, Identifier, ContactPoint, code/string/uri and boolean."""
    if isinstance(value, bool):
        return [(None, "true" if value else "false", None)], []
    if isinstance(value, str):
        return ([(None, _cut(value), None)], []) if value else _NOTHING
    if not isinstance(value, dict):
        return _NOTHING
    if "coding" in value or ("text" in value and "value" not in value):
        return _concept(value), []
    if "value" in value:
        contact = value.get("system") in _CONTACT_SYSTEMS and not (
            "type" in value or "assigner" in value
        )
        if contact:
            text = _text(value.get("value"))
            return ([(None, _cut(text), None)], []) if text else _NOTHING
        return _identifier(value)
    return _coding(value), []


def _coding(coding: Any) -> list[Row]:
    if not isinstance(coding, dict):
        return []
    code = coding.get("code")
    if not isinstance(code, str) or not code:
        return []
    return [(_cut(_text(coding.get("system"))), _cut(code), _folded(_text(coding.get("display"))))]


def _concept(concept: dict[str, Any]) -> list[Row]:
    cells: list[Row] = []
    codings = concept.get("coding")
    if isinstance(codings, list):
        for coding in codings:
            cells += _coding(coding)
    text = _folded(_text(concept.get("text")))
    # A text-only row only serves `:text`, which also reads the codings' folded displays: when
    # one of them is the same text, the row would find nothing more.
    if text and all(cell[2] != text for cell in cells):
        cells.append((None, None, text))
    return cells


def _identifier(identifier: dict[str, Any]) -> Built:
    """The identifier's token, and one `:of-type` side row (type code|value) per type coding."""
    value = _text(identifier.get("value"))
    if value is None:
        return _NOTHING
    kind = identifier.get("type")
    kind = kind if isinstance(kind, dict) else {}
    main = [(_cut(_text(identifier.get("system"))), _cut(value), _folded(_text(kind.get("text"))))]
    side: list[Row] = []
    codings = kind.get("coding")
    for coding in codings if isinstance(codings, list) else ():
        if isinstance(coding, dict) and isinstance(coding.get("code"), str) and coding["code"]:
            type_system = _cut(_text(coding.get("system")))
            side.append((type_system, _cut(f"{coding['code']}|{value}"), None))
    return main, side


def _string(value: Any) -> Built:
    if isinstance(value, str):
        return ([(_cut(normalize_string(value)), value)], []) if value.strip() else _NOTHING
    if not isinstance(value, dict):
        return _NOTHING
    cells: list[Row] = []
    for field in _STRING_FIELDS:
        part = value.get(field)
        for text in part if isinstance(part, list) else (part,):
            if isinstance(text, str) and text.strip():
                cells.append((_cut(normalize_string(text)), text))
    return cells, []


_DATES: dict[str, tuple[int, int] | None] = {}


def _date_range(text: str) -> tuple[int, int] | None:
    """`date_range` memoized by text: a store sees the same dates over and over (birth dates,
    encounter periods repeated on every observation of the encounter). Bounded: cleared when
    full (a race between threads only loses entries)."""
    found = _DATES.get(text, _DATES)
    if found is _DATES:
        if len(_DATES) >= 8192:
            _DATES.clear()
        entry = date_range(text)
        found = _DATES[text] = (entry.low_us, entry.high_us) if entry else None
    return found  # type: ignore[return-value]


def _date(value: Any) -> Built:
    """date/dateTime/instant, Period (open ends MIN_US/MAX_US), Timing (outer limits)."""
    if isinstance(value, str):
        found = _date_range(value)
        return ([found], []) if found else _NOTHING
    if not isinstance(value, dict):
        return _NOTHING
    if "event" in value or "repeat" in value or "code" in value:
        return _timing(value)
    if "start" in value or "end" in value:
        period = _period(value)
        return ([period], []) if period else _NOTHING
    return _NOTHING


def _period(period: dict[str, Any]) -> tuple[int, int] | None:
    start, end = period.get("start"), period.get("end")
    if start is None and end is None:
        return None
    low = _date_range(start) if isinstance(start, str) else None
    high = _date_range(end) if isinstance(end, str) else None
    if (start is not None and low is None) or (end is not None and high is None):
        return None
    return (low[0] if low else MIN_US, high[1] if high else MAX_US)


def _timing(timing: dict[str, Any]) -> Built:
    ranges: list[tuple[int, int]] = []
    events = timing.get("event")
    for event in events if isinstance(events, list) else ():
        found = _date_range(event) if isinstance(event, str) else None
        if found:
            ranges.append(found)
    repeat = timing.get("repeat")
    bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
    if isinstance(bounds, dict):
        period = _period(bounds)
        if period:
            ranges.append(period)
    if not ranges:
        return _NOTHING
    return [(min(r[0] for r in ranges), max(r[1] for r in ranges))], []


def _number(value: Any) -> Built:
    number = None if isinstance(value, str) else to_decimal(value)
    return ([(number,)], []) if number is not None else _NOTHING


def _quantity(value: Any) -> Built:
    """As written (its code, else its unit) and, when UCUM knows the unit and it is not already
    canonical, a canonical copy (`canonical` true) so that 1 g/L is found by a search in mg/dL.
    Money: the currency code."""
    if not isinstance(value, dict):
        return _NOTHING
    number = value.get("value")
    number = None if isinstance(number, str) else to_decimal(number)
    if number is None:
        return _NOTHING
    if "currency" in value:
        return [(CURRENCY_SYSTEM, _cut(_text(value.get("currency"))), number, False)], []
    system, code = _text(value.get("system")), _text(value.get("code"))
    written = (_cut(system), _cut(code or _text(value.get("unit"))), number, False)
    if system != ucum.UCUM_SYSTEM or canonical_as_written(code):
        return [written], []  # no canonical form, or the row as written is it (`%`, `mm[Hg]`)
    canonical = ucum.canonicalize(number, code)
    if canonical is None:
        return [written], []
    return [written, (ucum.UCUM_SYSTEM, canonical[1], canonical[0], True)], []


@lru_cache(maxsize=4096)
def canonical_as_written(code: str | None) -> bool:
    """Whether a UCUM `code` is its own canonical unit with factor 1 (every value canonicalizes
    to itself): its quantities get no canonical copy, and a canonical search in that unit reads
    the rows as written (conditions_values.quantity)."""
    one = Decimal(1)
    return code is not None and ucum.canonicalize(one, code) == (one, code)


def _reference(value: Any) -> Built:
    """Reference.reference (or a canonical/uri string, its `|version` dropped), and the
    Reference's `identifier` as a side row for the `:identifier` modifier."""
    side: list[Row] = []
    text = value
    if isinstance(value, dict):
        text = value.get("reference")
        identifier = value.get("identifier")
        if isinstance(identifier, dict) and _text(identifier.get("value")):
            side.append((_cut(_text(identifier.get("system"))), _cut(identifier["value"]), None))
    if not isinstance(text, str) or not text:
        return [], side
    entry = parse_reference(text.partition("|")[0] if "://" in text else text)
    if entry is None:
        return [], side
    return [(entry.target_type, entry.target_id, _cut(entry.url))], side


def _uri(value: Any) -> Built:
    return ([(_cut(value),)], []) if isinstance(value, str) and value else _NOTHING


# param type -> (row builder, table, side rows' param suffix)
BUILDERS: dict[str, tuple[Builder, str, str | None]] = {
    "token": (_token, "token_index", "of-type"),
    "string": (_string, "string_index", None),
    "date": (_date, "date_index", None),
    "number": (_number, "number_index", None),
    "quantity": (_quantity, "quantity_index", None),
    "reference": (_reference, "reference_index", "identifier"),
    "uri": (_uri, "uri_index", None),
}
