"""GS1 identifiers of a medicine pack: element strings, DataMatrix content, human-readable form.

A serialized pack carries (01) GTIN-14, (17) expiry YYMMDD, (10) lot and (21) serial. This module
parses those four itself (the pharmacist's scan is a hot path: biip takes ~60 µs a code, this
~5 µs) and hands any other Application Identifier to `biip`, so a real pack with extra AIs still
parses; its extra elements are kept, in order, in `GS1Code.extra`. Every refusal is a `Gs1Error`
whose code is stable and whose message names the AI and the position.

GS1 General Specifications: §3.2 (AI table), §7.8 (FNC1 separators), §7.11 (character set 82),
§7.12 (dates, DD=00, the century window).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from enlace.modules.catalog import gs1_check_digit
from enlace.modules.trace.errors import Gs1Error

GS = "\x1d"  # FNC1 as transmitted by a scanner: ends a variable-length element
GS1_SYMBOLOGY_IDS = ("]d2", "]Q3", "]C1", "]e0", "]J1")  # DataMatrix, QR, 128, DataBar, DotCode

MAX_LOT = 20
MAX_SERIAL = 20
# GS1 AI encodable character set 82 (General Specifications figure 7.11-1).
CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_FIXED = {"01": 14, "17": 6}
_VARIABLE = {"10": MAX_LOT, "21": MAX_SERIAL}
_HRI_AI = re.compile(r"\((\d{2,4})\)")


@dataclass(frozen=True, slots=True)
class GS1Code:
    """What a pack's code says. `expiry` is the YYMMDD text as printed (DD=00 round-trips)."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    expiry: str | None = None
    expiry_date: date | None = field(default=None, compare=False)
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def is_serialized(self) -> bool:
        return self.serial is not None


def gs1_year(yy: int, reference_year: int) -> int:
    """The full year of a two-digit GS1 year: within 49 years ahead / 50 behind the reference."""
    year = reference_year - reference_year % 100 + yy
    if year - reference_year >= 51:
        return year - 100
    if year - reference_year <= -50:
        return year + 100
    return year


def expiry_to_date(yymmdd: str, reference_year: int) -> date:
    """YYMMDD to a date; DD=00 means the last day of the month."""
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        raise Gs1Error("bad-date", f"AI (17): {yymmdd!r} is not six digits YYMMDD")
    year = gs1_year(int(yymmdd[:2]), reference_year)
    month, day = int(yymmdd[2:4]), int(yymmdd[4:])
    if not 1 <= month <= 12:
        raise Gs1Error("bad-date", f"AI (17): {yymmdd!r} has month {month:02d}")
    last = calendar.monthrange(year, month)[1]
    if day > last:
        raise Gs1Error("bad-date", f"AI (17): {yymmdd!r}: {year}-{month:02d} has {last} days")
    return date(year, month, day or last)


def check_gtin(gtin: str) -> str:
    if len(gtin) != 14 or not gtin.isdigit():
        raise Gs1Error("bad-length", f"AI (01): a GTIN-14 is 14 digits, got {gtin!r}")
    expected = gs1_check_digit(gtin[:13])
    if int(gtin[13]) != expected:
        raise Gs1Error(
            "bad-check-digit", f"AI (01): GTIN {gtin} should end in check digit {expected}"
        )
    return gtin


def check_text(ai: str, value: str) -> str:
    limit = _VARIABLE[ai]
    if not value:
        raise Gs1Error("bad-length", f"AI ({ai}) is empty")
    if len(value) > limit:
        raise Gs1Error(
            "bad-length", f"AI ({ai}) holds at most {limit} characters, got {len(value)}"
        )
    if not CSET82.fullmatch(value):
        bad = next(c for c in value if not CSET82.fullmatch(c))
        raise Gs1Error("bad-character", f"AI ({ai}) has {bad!r}, outside the GS1 character set 82")
    return value


def build_code(
    elements: list[tuple[str, str, int]], reference_year: int, form: str = "position"
) -> GS1Code:
    """Check each (ai, value, position) and assemble a code; (01) is required, AIs once each."""
    fields: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    expiry_date = None
    for ai, value, position in elements:
        try:
            if ai in fields or ai in dict(extra):
                raise Gs1Error("duplicate-ai", f"AI ({ai}) appears twice")
            if ai == "01":
                fields[ai] = check_gtin(value)
            elif ai == "17":
                expiry_date = expiry_to_date(value, reference_year)
                fields[ai] = value
            elif ai in _VARIABLE:
                fields[ai] = check_text(ai, value)
            else:
                extra.append((ai, value))
        except Gs1Error as error:  # the validators do not know where; the location is added here
            raise Gs1Error(error.code, f"{form} {position}: {error.message}") from None
    if "01" not in fields:
        raise Gs1Error("missing-gtin", "the code has no (01) GTIN")
    return GS1Code(
        gtin=fields["01"],
        lot=fields.get("10"),
        serial=fields.get("21"),
        expiry=fields.get("17"),
        expiry_date=expiry_date,
        extra=tuple(extra),
    )


def strip_symbology(text: str) -> str:
    """Remove a GS1 symbology identifier (and a leading FNC1 some scanners send)."""
    if text.startswith("]"):
        if text[:3] not in GS1_SYMBOLOGY_IDS:
            raise Gs1Error(
                "not-gs1-symbology",
                f"symbology identifier {text[:3]!r} is not a GS1 one (expected ]d2 for DataMatrix)",
            )
        text = text[3:]
    return text[1:] if text.startswith(GS) else text


def split_element_string(data: str) -> list[tuple[str, str, int]] | None:
    """(ai, value, position) of each element, or None when an AI is not one of ours."""
    elements, at = [], 0
    while at < len(data):
        ai = data[at : at + 2]
        start = at + 2
        if ai in _FIXED:
            end = start + _FIXED[ai]
            if end > len(data):
                raise Gs1Error(
                    "bad-length",
                    f"position {at}: AI ({ai}) needs {_FIXED[ai]} digits, got {len(data) - start}",
                )
            if data[start:end].find(GS) >= 0:
                raise Gs1Error("bad-length", f"position {at}: AI ({ai}) is cut by a separator")
            elements.append((ai, data[start:end], at))
            at = end + 1 if data.startswith(GS, end) else end
        elif ai in _VARIABLE:
            end = data.find(GS, start)
            end = len(data) if end < 0 else end
            elements.append((ai, data[start:end], at))
            at = end + 1
        elif ai.isdigit():
            return None
        else:
            raise Gs1Error(
                "bad-ai", f"position {at}: {data[at : at + 4]!r} does not start with an AI"
            )
    return elements


def parse_element_string(text: str, *, reference_year: int | None = None) -> GS1Code:
    """DataMatrix content or a raw element string: `]d2` prefix optional, GS between fields."""
    year = reference_year or date.today().year
    data = strip_symbology(text)
    if not data:
        raise Gs1Error("empty", "the code has no data")
    elements = split_element_string(data)
    if elements is None:
        elements = _elements_by_biip(data)
    return build_code(elements, year)


def _elements_by_biip(data: str) -> list[tuple[str, str, int]]:
    """The long tail of AIs (production date, NHRN, ...), parsed by biip; positions are best effort."""
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse(data)
    except ParseError as error:
        raise Gs1Error("unparseable", f"not a GS1 element string: {error}") from None
    elements, at = [], 0
    for element in message.element_strings:
        position = data.find(element.ai.ai + element.value, at)
        elements.append((element.ai.ai, element.value, max(position, 0)))
        at = max(position, at)
    return elements


def parse_hri(text: str, *, reference_year: int | None = None) -> GS1Code:
    """The human-readable form `(01)09501101530003(17)251231(10)AB12(21)XYZ`.

    Parentheses are legal inside a lot or serial, so the form is ambiguous when one holds "(21)"
    or the like; GS1 accepts that, and so do we: every "(digits)" starts an element.
    """
    year = reference_year or date.today().year
    marks = list(_HRI_AI.finditer(text))
    if not marks or marks[0].start() != 0:
        raise Gs1Error("bad-hri", "the human-readable form starts with an AI in parentheses")
    if any(m.group(1) not in _FIXED and m.group(1) not in _VARIABLE for m in marks):
        return build_code(_hri_elements_by_biip(text), year)
    elements = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        elements.append((mark.group(1), text[mark.end() : end], mark.start()))
    return build_code(elements, year)


def _hri_elements_by_biip(text: str) -> list[tuple[str, str, int]]:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse_hri(text)
    except ParseError as error:
        raise Gs1Error("unparseable", f"not a GS1 human-readable string: {error}") from None
    return [(e.ai.ai, e.value, text.find(f"({e.ai.ai})")) for e in message.element_strings]


def parse_scan(text: str, *, reference_year: int | None = None) -> GS1Code:
    """Whatever a scanner or a form hands us: a Digital Link, the human-readable form, or raw data."""
    from enlace.modules.trace.gs1_link import parse_digital_link

    if "://" in text[:10]:
        return parse_digital_link(text, reference_year=reference_year)
    if text.startswith("("):
        return parse_hri(text, reference_year=reference_year)
    return parse_element_string(text, reference_year=reference_year)


def _ordered(code: GS1Code) -> list[tuple[str, str]]:
    fixed = [("01", code.gtin)] + ([("17", code.expiry)] if code.expiry else [])
    variable = [(ai, v) for ai, v in (("10", code.lot), ("21", code.serial)) if v is not None]
    return fixed + list(code.extra) + variable


def element_string(code: GS1Code) -> str:
    """Fixed-length AIs first, so only the variable ones need a GS between them (none at the end)."""
    if code.extra:
        raise Gs1Error("unsupported-ai", "codes with other AIs are written by biip, not here")
    parts = []
    for ai, value in _ordered(code):
        parts.append(ai + value)
        if ai in _VARIABLE:
            parts.append(GS)
    return "".join(parts).removesuffix(GS)


def datamatrix_content(code: GS1Code) -> str:
    """What a scanner transmits for the pack's GS1 DataMatrix (symbology identifier included)."""
    return "]d2" + element_string(code)


def hri(code: GS1Code) -> str:
    return "".join(f"({ai}){value}" for ai, value in _ordered(code))
