"""Index entries from element values as found in a resource (dicts for complex types, str, numbers
and booleans for primitives), dispatched on the search parameter type and the value's shape.

Resource content never makes these functions raise: a shape they do not know, or a malformed
primitive, yields no entries."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from enlace.search import ucum
from enlace.search.values_core import (
    MAX_US,
    MIN_US,
    DateEntry,
    IndexEntry,
    NumberEntry,
    OfTypeEntry,
    QuantityEntry,
    ReferenceEntry,
    StringEntry,
    TokenEntry,
    TokenText,
    date_range,
    normalize_string,
    number_entry,
    to_decimal,
)

CURRENCY_SYSTEM = "urn:iso:std:iso:4217"
_CONTACT_SYSTEMS = frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"})
_STRING_FIELDS = (
    # HumanName
    "family",
    "given",
    "prefix",
    "suffix",
    # Address
    "line",
    "city",
    "district",
    "state",
    "postalCode",
    "country",
    # both
    "text",
)
_TYPE = r"[A-Z][A-Za-z]{1,63}"
_ID = r"[A-Za-z0-9\-.]{1,64}"
_RELATIVE = re.compile(rf"^(?P<type>{_TYPE})/(?P<id>{_ID})(?:/_history/[A-Za-z0-9\-.]{{1,64}})?$")
_ABSOLUTE_TAIL = re.compile(
    rf"(?:^|/)(?P<type>{_TYPE})/(?P<id>{_ID})(?:/_history/[A-Za-z0-9\-.]{{1,64}})?$"
)


def index_entries(param_type: str, value: Any) -> list[IndexEntry]:
    """The index entries of one element value for a parameter of `param_type` (token, string,
    date, quantity, number, reference, uri). Lists are flattened; other types give none."""
    extract = _EXTRACTORS.get(param_type)
    if extract is None:
        return []
    if isinstance(value, list):
        return [entry for item in value for entry in extract(item)]
    return list(extract(value))


# --- token -------------------------------------------------------------------------------------


def token_entries(value: Any) -> list[TokenEntry | TokenText | OfTypeEntry]:
    """Coding, CodeableConcept, Identifier, ContactPoint, code/string/id/uri and boolean."""
    if isinstance(value, bool):
        return [TokenEntry(None, "true" if value else "false", None)]
    if isinstance(value, str):
        return [TokenEntry(None, value, None)] if value else []
    if not isinstance(value, dict):
        return []
    if "coding" in value or ("text" in value and "value" not in value):
        return _codeable_concept(value)
    if "value" in value:
        system = value.get("system")
        contact = system in _CONTACT_SYSTEMS and not ({"type", "assigner"} & value.keys())
        return _contact_point(value) if contact else _identifier(value)
    return _coding(value)


def _coding(coding: Any) -> list[TokenEntry | TokenText | OfTypeEntry]:
    if not isinstance(coding, dict):
        return []
    code, system, display = coding.get("code"), coding.get("system"), coding.get("display")
    if not isinstance(code, str) or not code:
        return []
    return [TokenEntry(_str_or_none(system), code, _str_or_none(display))]


def _codeable_concept(concept: dict[str, Any]) -> list[TokenEntry | TokenText | OfTypeEntry]:
    entries: list[TokenEntry | TokenText | OfTypeEntry] = []
    codings = concept.get("coding")
    if isinstance(codings, list):
        for coding in codings:
            entries.extend(_coding(coding))
    text = concept.get("text")
    if isinstance(text, str) and text:
        entries.append(TokenText(text))
    return entries


def _identifier(identifier: dict[str, Any]) -> list[TokenEntry | TokenText | OfTypeEntry]:
    value = identifier.get("value")
    if not isinstance(value, str) or not value:
        return []
    kind = identifier.get("type")
    kind = kind if isinstance(kind, dict) else {}
    type_text = _str_or_none(kind.get("text"))
    entries: list[TokenEntry | TokenText | OfTypeEntry] = [
        TokenEntry(_str_or_none(identifier.get("system")), value, type_text)
    ]
    codings = kind.get("coding")
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str) and coding["code"]:
            entries.append(OfTypeEntry(_str_or_none(coding.get("system")), coding["code"], value))
    return entries


def _contact_point(contact: dict[str, Any]) -> list[TokenEntry | TokenText | OfTypeEntry]:
    value = contact.get("value")
    return [TokenEntry(None, value, None)] if isinstance(value, str) and value else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- string ------------------------------------------------------------------------------------


def string_entries(value: Any) -> list[StringEntry]:
    """A plain string, or each part of a HumanName (family, given, prefix, suffix, text) or an
    Address (line, city, district, state, postalCode, country, text) as its own entry."""
    if isinstance(value, str):
        return [StringEntry(normalize_string(value), value)] if value.strip() else []
    if not isinstance(value, dict):
        return []
    entries: list[StringEntry] = []
    for field in _STRING_FIELDS:
        part = value.get(field)
        for text in part if isinstance(part, list) else [part]:
            if isinstance(text, str) and text.strip():
                entries.append(StringEntry(normalize_string(text), text))
    return entries


# --- date --------------------------------------------------------------------------------------


def date_entries(value: Any) -> list[DateEntry]:
    """date/dateTime/instant at their precision; Period from start's low to end's high (a missing
    end is open: MIN_US/MAX_US); Timing as its outer limits (spec: the schedule details are
    ignored): from the earliest to the latest of its events and repeat.boundsPeriod."""
    if isinstance(value, str):
        entry = date_range(value)
        return [entry] if entry else []
    if not isinstance(value, dict):
        return []
    if "event" in value or "repeat" in value or "code" in value:
        return _timing(value)
    if "start" in value or "end" in value:
        period = _period(value)
        return [period] if period else []
    return []


def _period(period: dict[str, Any]) -> DateEntry | None:
    start, end = period.get("start"), period.get("end")
    if start is None and end is None:
        return None
    low = date_range(start) if isinstance(start, str) else None
    high = date_range(end) if isinstance(end, str) else None
    if (start is not None and low is None) or (end is not None and high is None):
        return None
    return DateEntry(low.low_us if low else MIN_US, high.high_us if high else MAX_US)


def _timing(timing: dict[str, Any]) -> list[DateEntry]:
    ranges: list[DateEntry] = []
    events = timing.get("event")
    for event in events if isinstance(events, list) else []:
        entry = date_range(event) if isinstance(event, str) else None
        if entry:
            ranges.append(entry)
    repeat = timing.get("repeat")
    bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
    if isinstance(bounds, dict):
        period = _period(bounds)
        if period:
            ranges.append(period)
    if not ranges:
        return []
    return [DateEntry(min(r.low_us for r in ranges), max(r.high_us for r in ranges))]


# --- number and quantity -----------------------------------------------------------------------


def _json_number(value: Any) -> Decimal | None:
    """A number as a JSON parser gives it (int, float, Decimal); strings are not numbers here."""
    return None if isinstance(value, str) else to_decimal(value)


def number_entries(value: Any) -> list[NumberEntry]:
    number = _json_number(value)
    return [number_entry(number)] if number is not None else []


def quantity_entries(value: Any) -> list[QuantityEntry]:
    """Quantity (and Age, Count, Distance, Duration, SimpleQuantity) and Money (system
    urn:iso:std:iso:4217, code = currency). Canonical value and code only for UCUM quantities
    whose unit `ucum.canonicalize` knows."""
    if not isinstance(value, dict):
        return []
    number = _json_number(value.get("value"))
    if number is None:
        return []
    if "currency" in value:
        currency = _str_or_none(value.get("currency"))
        return [QuantityEntry(number, CURRENCY_SYSTEM, currency, None, None, None)]
    system, code = _str_or_none(value.get("system")), _str_or_none(value.get("code"))
    unit = _str_or_none(value.get("unit"))
    canonical = ucum.canonicalize(number, code) if system == ucum.UCUM_SYSTEM else None
    if canonical is None:
        return [QuantityEntry(number, system, code, unit, None, None)]
    return [QuantityEntry(number, system, code, unit, canonical[0], canonical[1])]


# --- reference and uri -------------------------------------------------------------------------


def reference_entries(value: Any) -> list[ReferenceEntry]:
    """Reference.reference, or a canonical/uri string (a canonical's `|version` is dropped)."""
    if isinstance(value, dict):
        value = value.get("reference")
    if not isinstance(value, str) or not value:
        return []
    entry = parse_reference(value.partition("|")[0] if "://" in value else value)
    return [entry] if entry else []


def parse_reference(text: str) -> ReferenceEntry | None:
    """`Type/id` (a `/_history/n` version dropped) → type and id; an absolute URL keeps the URL
    and also gives type and id when it ends in `Type/id`; anything else (`urn:uuid:`,
    `#contained`, other URIs) is kept as a URL only."""
    if not text:
        return None
    relative = _RELATIVE.match(text)
    if relative:
        return ReferenceEntry(relative["type"], relative["id"], None)
    if "://" in text:
        tail = _ABSOLUTE_TAIL.search(text)
        if tail:
            return ReferenceEntry(tail["type"], tail["id"], text)
    return ReferenceEntry(None, None, text)


def uri_entries(value: Any) -> list[str]:
    return [value] if isinstance(value, str) and value else []


_EXTRACTORS: dict[str, Callable[[Any], list[Any]]] = {
    "token": token_entries,
    "string": string_entries,
    "date": date_entries,
    "number": number_entries,
    "quantity": quantity_entries,
    "reference": reference_entries,
    "uri": uri_entries,
}
