"""Search values: index entries from resource content, parsed search values, prefix semantics."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from enlace.kernel.errors import FhirError
from enlace.search.values import (
    CURRENCY_SYSTEM,
    MAX_US,
    MIN_US,
    DateEntry,
    DateSearch,
    NumberEntry,
    NumberSearch,
    OfTypeEntry,
    QuantityEntry,
    ReferenceEntry,
    ReferenceSearch,
    StringEntry,
    TokenEntry,
    TokenSearch,
    TokenText,
    date_matches,
    index_entries,
    normalize_string,
    number_matches,
    parse_date_value,
    parse_number_value,
    parse_of_type_value,
    parse_quantity_value,
    parse_reference_value,
    parse_string_value,
    parse_token_value,
    split_or,
)

D = Decimal
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0, sec: int = 0,
       micro: int = 0) -> int:  # fmt: skip
    delta = datetime(year, month, day, hour, minute, sec, micro, tzinfo=UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --- token -------------------------------------------------------------------------------------

TOKEN_CASES: list[tuple[str, Any, list[Any]]] = [
    ("code", "final", [TokenEntry(None, "final", None)]),
    ("empty code", "", []),
    ("boolean true", True, [TokenEntry(None, "true", None)]),
    ("boolean false", False, [TokenEntry(None, "false", None)]),
    (
        "Coding",
        {"system": LOINC, "code": "4548-4", "display": "Hemoglobin A1c"},
        [TokenEntry(LOINC, "4548-4", "Hemoglobin A1c")],
    ),
    ("Coding without system", {"code": "x"}, [TokenEntry(None, "x", None)]),
    ("Coding without code", {"system": LOINC}, []),
    (
        "CodeableConcept",
        {
            "coding": [
                {"system": LOINC, "code": "4548-4", "display": "HbA1c"},
                {"system": "http://snomed.info/sct", "code": "43396009"},
            ],
            "text": "Glycated hemoglobin",
        },
        [
            TokenEntry(LOINC, "4548-4", "HbA1c"),
            TokenEntry("http://snomed.info/sct", "43396009", None),
            TokenText("Glycated hemoglobin"),
        ],
    ),
    ("CodeableConcept text only", {"text": "Diabetes"}, [TokenText("Diabetes")]),
    (
        "Identifier",
        {"system": "urn:oid:1.2.36", "value": "12345"},
        [TokenEntry("urn:oid:1.2.36", "12345", None)],
    ),
    (
        "Identifier with type",
        {
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                ],
                "text": "Medical record number",
            },
            "system": "http://hospital.example/mrn",
            "value": "MRN-7",
        },
        [
            TokenEntry("http://hospital.example/mrn", "MRN-7", "Medical record number"),
            OfTypeEntry("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "MRN-7"),
        ],
    ),
    ("Identifier without value", {"system": "urn:x"}, []),
    (
        "ContactPoint",
        {"system": "phone", "value": "+34 600 000 000", "use": "mobile"},
        [TokenEntry(None, "+34 600 000 000", None)],
    ),
    (
        "ContactPoint email",
        {"system": "email", "value": "a@b.es"},
        [TokenEntry(None, "a@b.es", None)],
    ),
    ("number is not a token", 12, []),
    ("junk dict", {"foo": "bar"}, []),
    ("junk coding list", {"coding": ["x", 3, {"code": 5}]}, []),
]


@pytest.mark.parametrize(
    ("case", "value", "expected"), TOKEN_CASES, ids=[c[0] for c in TOKEN_CASES]
)
def test_token_entries(case: str, value: Any, expected: list[Any]) -> None:
    assert index_entries("token", value) == expected


def test_lists_are_flattened() -> None:
    value = [{"code": "a"}, {"code": "b"}]
    assert index_entries("token", value) == [
        TokenEntry(None, "a", None),
        TokenEntry(None, "b", None),
    ]


# --- string ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("José  Núñez", "jose nunez"),
        ("Núñez", "nunez"),
        ("  MÜLLER\tStraße ", "muller strasse"),
        ("\uff26\uff55\uff4c\uff4c", "full"),  # fullwidth "Full"
        ("Zoë\u00a0O'Brien", "zoe o'brien"),
    ],
)
def test_normalize_string(text: str, normalized: str) -> None:
    assert normalize_string(text) == normalized


def test_accent_and_case_folding_meet() -> None:
    assert normalize_string("Núñez") == normalize_string("nunez") == normalize_string("NUÑEZ")


STRING_CASES: list[tuple[str, Any, list[StringEntry]]] = [
    ("plain", "José  Núñez", [StringEntry("jose nunez", "José  Núñez")]),
    ("blank", "   ", []),
    (
        "HumanName",
        {
            "use": "official",
            "family": "Núñez",
            "given": ["José", "María"],
            "prefix": ["Dr."],
            "suffix": ["Jr"],
            "text": "Dr. José María Núñez Jr",
        },
        [
            StringEntry("nunez", "Núñez"),
            StringEntry("jose", "José"),
            StringEntry("maria", "María"),
            StringEntry("dr.", "Dr."),
            StringEntry("jr", "Jr"),
            StringEntry("dr. jose maria nunez jr", "Dr. José María Núñez Jr"),
        ],
    ),
    (
        "Address",
        {
            "use": "home",
            "line": ["Calle Mayor 1", "2º B"],
            "city": "Logroño",
            "district": "La Rioja",
            "state": "LR",
            "postalCode": "26001",
            "country": "ES",
        },
        [
            StringEntry("calle mayor 1", "Calle Mayor 1"),
            StringEntry("2o b", "2º B"),
            StringEntry("logrono", "Logroño"),
            StringEntry("la rioja", "La Rioja"),
            StringEntry("lr", "LR"),
            StringEntry("26001", "26001"),
            StringEntry("es", "ES"),
        ],
    ),
    ("Address text", {"text": "Plaza 3, Soria"}, [StringEntry("plaza 3, soria", "Plaza 3, Soria")]),
    ("number", 3, []),
    ("unrelated dict", {"coding": [{"code": "x"}]}, []),
    ("bad given", {"given": [1, None, "Ana"]}, [StringEntry("ana", "Ana")]),
]


@pytest.mark.parametrize(
    ("case", "value", "expected"), STRING_CASES, ids=[c[0] for c in STRING_CASES]
)
def test_string_entries(case: str, value: Any, expected: list[StringEntry]) -> None:
    assert index_entries("string", value) == expected


# --- date --------------------------------------------------------------------------------------

DATE_CASES: list[tuple[str, Any, list[DateEntry]]] = [
    ("year", "2026", [DateEntry(us(2026), us(2027))]),
    ("month", "2026-03", [DateEntry(us(2026, 3), us(2026, 4))]),
    ("December runs to next year", "2025-12", [DateEntry(us(2025, 12), us(2026))]),
    ("leap February", "2024-02", [DateEntry(us(2024, 2), us(2024, 3))]),
    ("common February", "2026-02", [DateEntry(us(2026, 2), us(2026, 3))]),
    ("leap day", "2024-02-29", [DateEntry(us(2024, 2, 29), us(2024, 3, 1))]),
    ("not a leap day", "2026-02-29", []),
    ("year end day", "2025-12-31", [DateEntry(us(2025, 12, 31), us(2026))]),
    ("leap year", "2024", [DateEntry(us(2024), us(2025))]),
    ("last year", "9999", [DateEntry(us(9999), us(9999, 12, 31) + 86_400_000_000)]),
    ("last month", "9999-12", [DateEntry(us(9999, 12), us(9999, 12, 31) + 86_400_000_000)]),
    ("last day", "9999-12-31", [DateEntry(us(9999, 12, 31), us(9999, 12, 31) + 86_400_000_000)]),
    ("first year", "0001", [DateEntry(us(1), us(2))]),
    ("year zero", "0000", []),
    ("minute", "2026-03-01T10:00Z", [DateEntry(us(2026, 3, 1, 10), us(2026, 3, 1, 10, 1))]),
    (
        "second",
        "2026-03-01T10:00:05Z",
        [DateEntry(us(2026, 3, 1, 10, 0, 5), us(2026, 3, 1, 10, 0, 6))],
    ),
    (
        "milliseconds",
        "2026-03-01T10:00:05.123Z",
        [DateEntry(us(2026, 3, 1, 10, 0, 5, 123_000), us(2026, 3, 1, 10, 0, 5, 124_000))],
    ),
    (
        "one fraction digit",
        "2026-03-01T10:00:05.1Z",
        [DateEntry(us(2026, 3, 1, 10, 0, 5, 100_000), us(2026, 3, 1, 10, 0, 5, 200_000))],
    ),
    (
        "nanoseconds truncate to one microsecond",
        "2026-03-01T10:00:05.123456789Z",
        [DateEntry(us(2026, 3, 1, 10, 0, 5, 123_456), us(2026, 3, 1, 10, 0, 5, 123_457))],
    ),
    (
        "offset",
        "2026-03-01T10:00:00+02:00",
        [DateEntry(us(2026, 3, 1, 8), us(2026, 3, 1, 8, 0, 1))],
    ),
    (
        "negative offset across midnight",
        "2025-12-31T23:30:00-05:00",
        [DateEntry(us(2026, 1, 1, 4, 30), us(2026, 1, 1, 4, 30, 1))],
    ),
    (
        "no zone is UTC",
        "2026-03-01T10:00:00",
        [DateEntry(us(2026, 3, 1, 10), us(2026, 3, 1, 10, 0, 1))],
    ),
    (
        "leap second",
        "2016-12-31T23:59:60.5Z",
        [DateEntry(us(2016, 12, 31, 23, 59, 59, 999_999), us(2017))],
    ),
    ("bad month", "2026-13", []),
    ("bad hour", "2026-03-01T24:00:00Z", []),
    ("garbage", "yesterday", []),
    ("number", 2026, []),
    (
        "Period",
        {"start": "2026-01-15", "end": "2026-02"},
        [DateEntry(us(2026, 1, 15), us(2026, 3))],
    ),
    ("Period open end", {"start": "2026-01-15"}, [DateEntry(us(2026, 1, 15), MAX_US)]),
    ("Period open start", {"end": "2026"}, [DateEntry(MIN_US, us(2027))]),
    ("Period malformed", {"start": "soon"}, []),
    ("Period empty", {}, []),
    (
        "Timing events",
        {"event": ["2026-03-02T08:00:00Z", "2026-03-01", "2026-03-05T20:00:00Z"]},
        [DateEntry(us(2026, 3, 1), us(2026, 3, 5, 20, 0, 1))],
    ),
    (
        "Timing bounds",
        {"repeat": {"boundsPeriod": {"start": "2013-01-31", "end": "2013-03-24"}, "frequency": 1}},
        [DateEntry(us(2013, 1, 31), us(2013, 3, 25))],
    ),
    ("Timing without dates", {"code": {"text": "BID"}}, []),
]


@pytest.mark.parametrize(("case", "value", "expected"), DATE_CASES, ids=[c[0] for c in DATE_CASES])
def test_date_entries(case: str, value: Any, expected: list[DateEntry]) -> None:
    assert index_entries("date", value) == expected


# --- number and quantity -----------------------------------------------------------------------

NUMBER_CASES: list[tuple[Any, list[NumberEntry]]] = [
    (100, [NumberEntry(D("100"), D("99.5"), D("100.5"))]),
    (D("100.0"), [NumberEntry(D("100.0"), D("99.95"), D("100.05"))]),
    (5.4, [NumberEntry(D("5.4"), D("5.35"), D("5.45"))]),
    (-2, [NumberEntry(D("-2"), D("-2.5"), D("-1.5"))]),
    (
        0.1 + 0.2,
        [
            NumberEntry(
                D("0.30000000000000004"), D("0.300000000000000035"), D("0.300000000000000045")
            )
        ],
    ),
    (1e2, [NumberEntry(D("100.0"), D("99.95"), D("100.05"))]),  # a float keeps its repr digits
    ("1e2", []),  # a JSON string is not a number
    (True, []),
    ("abc", []),
    (None, []),
]


@pytest.mark.parametrize(("value", "expected"), NUMBER_CASES)
def test_number_entries(value: Any, expected: list[NumberEntry]) -> None:
    assert index_entries("number", value) == expected


QUANTITY_CASES: list[tuple[str, Any, list[QuantityEntry]]] = [
    (
        "UCUM Quantity",
        {"value": 5.4, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
        [QuantityEntry(D("5.4"), UCUM, "mg/dL", "mg/dL", D("0.054"), "g/L")],
    ),
    (
        "UCUM percent",
        {"value": 7.2, "unit": "%", "system": UCUM, "code": "%"},
        [QuantityEntry(D("7.2"), UCUM, "%", "%", D("7.2"), "%")],
    ),
    (
        "unknown UCUM unit",
        {"value": 3, "system": UCUM, "code": "[foo]"},
        [QuantityEntry(D("3"), UCUM, "[foo]", None, None, None)],
    ),
    (
        "other system is not canonicalized",
        {"value": 1, "system": "http://snomed.info/sct", "code": "258684004", "unit": "mg"},
        [QuantityEntry(D("1"), "http://snomed.info/sct", "258684004", "mg", None, None)],
    ),
    (
        "unit only",
        {"value": 2, "unit": "tablets"},
        [QuantityEntry(D("2"), None, None, "tablets", None, None)],
    ),
    (
        "Money",
        {"value": 12.5, "currency": "EUR"},
        [QuantityEntry(D("12.5"), CURRENCY_SYSTEM, "EUR", None, None, None)],
    ),
    ("no value", {"unit": "mg", "system": UCUM, "code": "mg"}, []),
    ("string value", {"value": "5"}, []),
    ("not a dict", 5, []),
]


@pytest.mark.parametrize(
    ("case", "value", "expected"), QUANTITY_CASES, ids=[c[0] for c in QUANTITY_CASES]
)
def test_quantity_entries(case: str, value: Any, expected: list[QuantityEntry]) -> None:
    assert index_entries("quantity", value) == expected


# --- reference and uri -------------------------------------------------------------------------

BASE = "https://fhir.example.org/r4"
REFERENCE_CASES: list[tuple[str, Any, list[ReferenceEntry]]] = [
    ("relative", {"reference": "Patient/123"}, [ReferenceEntry("Patient", "123", None)]),
    (
        "versioned",
        {"reference": "Patient/123/_history/4"},
        [ReferenceEntry("Patient", "123", None)],
    ),
    (
        "absolute",
        {"reference": f"{BASE}/Patient/abc"},
        [ReferenceEntry("Patient", "abc", f"{BASE}/Patient/abc")],
    ),
    (
        "absolute versioned",
        {"reference": f"{BASE}/Observation/o1/_history/2"},
        [ReferenceEntry("Observation", "o1", f"{BASE}/Observation/o1/_history/2")],
    ),
    (
        "absolute without Type/id",
        {"reference": "https://example.org/x"},
        [ReferenceEntry(None, None, "https://example.org/x")],
    ),
    (
        "urn:uuid",
        {"reference": "urn:uuid:0b8e8c3e-7a2b-4a0e-9d52-2f8f4b2c1a10"},
        [ReferenceEntry(None, None, "urn:uuid:0b8e8c3e-7a2b-4a0e-9d52-2f8f4b2c1a10")],
    ),
    ("contained", {"reference": "#med1"}, [ReferenceEntry(None, None, "#med1")]),
    ("identifier only", {"identifier": {"value": "x"}, "display": "Dr X"}, []),
    (
        "canonical with version",
        "http://hl7.org/fhir/Questionnaire/phq-9|1.0",
        [ReferenceEntry("Questionnaire", "phq-9", "http://hl7.org/fhir/Questionnaire/phq-9")],
    ),
    ("uri", "urn:oid:1.2.3", [ReferenceEntry(None, None, "urn:oid:1.2.3")]),
    ("empty", {"reference": ""}, []),
    ("number", 7, []),
]


@pytest.mark.parametrize(
    ("case", "value", "expected"), REFERENCE_CASES, ids=[c[0] for c in REFERENCE_CASES]
)
def test_reference_entries(case: str, value: Any, expected: list[ReferenceEntry]) -> None:
    assert index_entries("reference", value) == expected


def test_uri_and_unknown_types() -> None:
    assert index_entries("uri", "http://example.org/vs") == ["http://example.org/vs"]
    assert index_entries("uri", {"x": 1}) == []
    assert index_entries("composite", "x") == []
    assert index_entries("special", {"a": 1}) == []


@pytest.mark.parametrize(
    "param_type", ["token", "string", "date", "number", "quantity", "reference", "uri"]
)
@pytest.mark.parametrize("value", [None, [], [None], {}, {"value": {"deep": []}}, 1.5, object()])
def test_never_raises_on_content(param_type: str, value: Any) -> None:
    assert isinstance(index_entries(param_type, value), list)


# --- search values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026", DateSearch("eq", us(2026), us(2027))),
        ("ge2026-03", DateSearch("ge", us(2026, 3), us(2026, 4))),
        ("lt2024-02-29", DateSearch("lt", us(2024, 2, 29), us(2024, 3))),
        ("ap2026-03-01T10:00", DateSearch("ap", us(2026, 3, 1, 10), us(2026, 3, 1, 10, 1))),
        (
            "sa2026-03-01T10:00:00+01:00",
            DateSearch("sa", us(2026, 3, 1, 9), us(2026, 3, 1, 9, 0, 1)),
        ),
    ],
)
def test_parse_date_value(text: str, expected: DateSearch) -> None:
    assert parse_date_value(text, "date") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100", NumberSearch("eq", D("100"), D("99.5"), D("100.5"))),
        ("gt5.4", NumberSearch("gt", D("5.4"), D("5.35"), D("5.45"))),
        ("le-1", NumberSearch("le", D("-1"), D("-1.5"), D("-0.5"))),
        ("ap1e2", NumberSearch("ap", D("1E+2"), D("50"), D("150"))),
    ],
)
def test_parse_number_value(text: str, expected: NumberSearch) -> None:
    assert parse_number_value(text, "probability") == expected


def test_parse_quantity_value() -> None:
    q = parse_quantity_value(f"gt5.4|{UCUM}|mg/dL", "value-quantity")
    assert q.prefix == "gt"
    assert q.number == NumberSearch("gt", D("5.4"), D("5.35"), D("5.45"))
    assert (q.system, q.code, q.canonical_code) == (UCUM, "mg/dL", "g/L")
    assert q.canonical == NumberSearch("gt", D("0.054"), D("0.0535"), D("0.0545"))

    any_system = parse_quantity_value("5.4||mg", "value-quantity")
    assert (any_system.prefix, any_system.system, any_system.code) == ("eq", None, "mg")
    assert any_system.canonical is not None and any_system.canonical.value == D("0.0054")

    bare = parse_quantity_value("le7", "value-quantity")
    assert (bare.system, bare.code, bare.canonical, bare.canonical_code) == (None, None, None, None)

    other = parse_quantity_value("5|http://snomed.info/sct|258684004", "value-quantity")
    assert other.canonical is None and other.code == "258684004"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{LOINC}|4548-4", TokenSearch(LOINC, "4548-4", False)),
        ("|final", TokenSearch(None, "final", False)),
        ("final", TokenSearch(None, "final", True)),
        (f"{LOINC}|", TokenSearch(LOINC, None, False)),
        (r"urn:x|a\|b", TokenSearch("urn:x", "a|b", False)),
        (r"a\,b", TokenSearch(None, "a,b", True)),
    ],
)
def test_parse_token_value(text: str, expected: TokenSearch) -> None:
    assert parse_token_value(text, "code") == expected


def test_parse_of_type_and_string() -> None:
    assert parse_of_type_value("http://t|MR|123", "identifier") == ("http://t", "MR", "123")
    assert parse_string_value("Núñez", "family") == ("nunez", "Núñez")


def test_split_or_keeps_escaped_commas() -> None:
    assert split_or(r"a,b\,c,,d") == ["a", r"b\,c", "", "d"]


@pytest.mark.parametrize(
    ("text", "modifier", "expected"),
    [
        ("Patient/123", None, ReferenceSearch("Patient", "123", None)),
        ("123", None, ReferenceSearch(None, "123", None)),
        ("123", "Patient", ReferenceSearch("Patient", "123", None)),
        ("Patient/123", "Patient", ReferenceSearch("Patient", "123", None)),
        ("Patient/123/_history/2", None, ReferenceSearch("Patient", "123", None)),
        (f"{BASE}/Patient/9", None, ReferenceSearch("Patient", "9", f"{BASE}/Patient/9")),
        ("https://example.org/x", None, ReferenceSearch(None, None, "https://example.org/x")),
        ("urn:uuid:abc", None, ReferenceSearch(None, None, "urn:uuid:abc")),
    ],
)
def test_parse_reference_value(text: str, modifier: str | None, expected: ReferenceSearch) -> None:
    assert parse_reference_value(text, "subject", modifier) == expected


@pytest.mark.parametrize(
    ("parse", "text", "name"),
    [
        (parse_date_value, "2026-13", "birthdate"),
        (parse_date_value, "xx2026", "birthdate"),
        (parse_date_value, "gt", "birthdate"),
        (parse_date_value, "2026-02-30", "date"),
        (parse_date_value, "2026-03-01T25:00Z", "date"),
        (parse_date_value, "", "date"),
        (parse_number_value, "abc", "probability"),
        (parse_number_value, "zz5", "probability"),
        (parse_number_value, "5,4", "probability"),
        (parse_quantity_value, "gt|mg", "value-quantity"),
        (parse_quantity_value, f"5|{UCUM}|", "value-quantity"),
        (parse_quantity_value, "5|a|b|c", "value-quantity"),
        (parse_token_value, "", "code"),
        (parse_token_value, "|", "code"),
        (parse_token_value, "a|b|c", "code"),
        (parse_of_type_value, "http://t|MR", "identifier"),
        (parse_of_type_value, "http://t||123", "identifier"),
        (parse_reference_value, "Patient/", "subject"),
        (parse_reference_value, "patient/1", "subject"),
        (parse_reference_value, "Patient/1 2", "subject"),
        (parse_reference_value, "", "subject"),
        (parse_string_value, "", "name"),
    ],
)
def test_malformed_values_are_400_naming_the_parameter(parse: Any, text: str, name: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse(text, name)
    assert caught.value.status == 400
    assert caught.value.issues[0].expression == name
    assert name in caught.value.issues[0].diagnostics


def test_reference_type_modifier_conflict_is_400() -> None:
    with pytest.raises(FhirError) as caught:
        parse_reference_value("Group/1", "subject", "Patient")
    assert (caught.value.status, caught.value.issues[0].expression) == (400, "subject")
    with pytest.raises(FhirError):
        parse_reference_value("1", "subject", "patient")


# --- prefix semantics --------------------------------------------------------------------------

MARCH = parse_date_value("2026-03", "date")  # [2026-03-01, 2026-04-01)
DATE_TARGETS = {
    "inside": DateEntry(us(2026, 3, 10), us(2026, 3, 11)),
    "same": DateEntry(us(2026, 3), us(2026, 4)),
    "before": DateEntry(us(2026, 2, 10), us(2026, 2, 11)),
    "after": DateEntry(us(2026, 4, 10), us(2026, 4, 11)),
    "overlaps start": DateEntry(us(2026, 2, 20), us(2026, 3, 5)),
    "overlaps end": DateEntry(us(2026, 3, 25), us(2026, 4, 5)),
    "covers": DateEntry(us(2026), us(2027)),
    "open end": DateEntry(us(2026, 3, 15), MAX_US),
    "ends at start": DateEntry(us(2026, 2, 28), us(2026, 3)),
    "starts at end": DateEntry(us(2026, 4), us(2026, 4, 2)),
}
# target: eq ne gt lt ge le sa eb
DATE_TABLE = {
    "inside": "1 0 0 0 1 1 0 0",
    "same": "1 0 0 0 1 1 0 0",
    "before": "0 1 0 1 0 1 0 1",
    "after": "0 1 1 0 1 0 1 0",
    "overlaps start": "0 1 0 1 0 1 0 0",
    "overlaps end": "0 1 1 0 1 0 0 0",
    "covers": "0 1 1 1 1 1 0 0",
    "open end": "0 1 1 0 1 0 0 0",
    "ends at start": "0 1 0 1 0 1 0 1",
    "starts at end": "0 1 1 0 1 0 1 0",
}


@pytest.mark.parametrize("target", list(DATE_TABLE))
def test_date_prefix_semantics(target: str) -> None:
    expected = [flag == "1" for flag in DATE_TABLE[target].split()]
    prefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"]
    actual = [date_matches(p, MARCH, DATE_TARGETS[target]) for p in prefixes]
    assert dict(zip(prefixes, actual, strict=True)) == dict(zip(prefixes, expected, strict=True))


def test_date_ap_widens_by_a_tenth_of_the_distance_to_now() -> None:
    now = us(2036, 3)  # ten years after the search range: the margin is one year
    assert date_matches("ap", MARCH, DateEntry(us(2025, 3, 15), us(2025, 3, 16)), now_us=now)
    assert not date_matches("ap", MARCH, DateEntry(us(2024, 12), us(2025, 1)), now_us=now)
    assert date_matches("ap", MARCH, DateEntry(us(2026, 3, 31), us(2026, 4)), now_us=us(2026, 3, 5))
    assert not date_matches(
        "ap", MARCH, DateEntry(us(2026, 4, 2), us(2026, 4, 3)), now_us=us(2026, 3, 5)
    )


def test_unknown_prefix_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        date_matches("xx", MARCH, DATE_TARGETS["same"])
    with pytest.raises(ValueError):
        number_matches("xx", parse_number_value("1", "n"), D(1))


HUNDRED = parse_number_value("100", "n")  # [99.5, 100.5)
# value: eq ne gt lt ge le sa eb ap
NUMBER_TABLE = {
    "99.4": "0 1 0 1 0 1 0 1 1",
    "99.5": "1 0 0 1 0 1 0 0 1",
    "100": "1 0 0 0 1 1 0 0 1",
    "100.4": "1 0 1 0 1 0 0 0 1",
    "100.5": "0 1 1 0 1 0 1 0 1",
    "110": "0 1 1 0 1 0 1 0 1",
    "110.1": "0 1 1 0 1 0 1 0 0",
    "89.9": "0 1 0 1 0 1 0 1 0",
}


@pytest.mark.parametrize("value", list(NUMBER_TABLE))
def test_number_prefix_semantics(value: str) -> None:
    expected = [flag == "1" for flag in NUMBER_TABLE[value].split()]
    prefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]
    actual = [number_matches(p, HUNDRED, D(value)) for p in prefixes]
    assert dict(zip(prefixes, actual, strict=True)) == dict(zip(prefixes, expected, strict=True))


def test_number_precision_of_search_value() -> None:
    assert number_matches("eq", parse_number_value("100.0", "n"), D("100.04"))
    assert not number_matches("eq", parse_number_value("100.0", "n"), D("100.06"))
    assert number_matches("ap", parse_number_value("0", "n"), D("0.4"))
    assert not number_matches("ap", parse_number_value("0", "n"), D("0.6"))


def test_quantity_canonical_ranges_meet_across_units() -> None:
    q = parse_quantity_value(f"5.4|{UCUM}|mg/dL", "value-quantity")
    [entry] = index_entries("quantity", {"value": 54, "system": UCUM, "code": "mg/L"})
    assert isinstance(entry, QuantityEntry) and entry.canonical_value is not None
    assert q.canonical is not None and entry.canonical_code == q.canonical_code
    assert number_matches("eq", q.canonical, entry.canonical_value)
