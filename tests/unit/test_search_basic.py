"""The basic search parameters: parsing, bounds and the instant ranges `_lastUpdated` denotes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel.errors import FhirError
from enlace.search.basic import _last_updated, instant_range, parse, parse_instant_us

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(
    year: int,
    month: int = 1,
    day: int = 1,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    micro: int = 0,
) -> int:
    """Microseconds since the epoch of a UTC datetime, computed exactly (no float)."""
    delta = datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def sql(expression: ColumnElement[bool]) -> str:
    return str(expression.compile(compile_kwargs={"literal_binds": True}))


def only_issue(error: FhirError) -> tuple[int, str, str | None]:
    assert len(error.issues) == 1
    issue = error.issues[0]
    return error.status, issue.code, issue.expression


# -- _count and _offset ----------------------------------------------------------------------


def test_defaults_when_no_parameters() -> None:
    criteria = parse("Patient", [], default_count=20)
    assert (criteria.resource_type, criteria.count, criteria.offset) == ("Patient", 20, 0)
    assert criteria.conditions == [] and criteria.used == []


@pytest.mark.parametrize(
    ("params", "count", "offset"),
    [
        ([("_count", "5")], 5, 0),
        ([("_count", "0")], 0, 0),
        ([("_offset", "30")], 50, 30),
        ([("_count", "10"), ("_offset", "20")], 10, 20),
        ([("_count", "1000")], 1000, 0),
        ([("_count", "1001")], 1000, 0),
        ([("_count", "999999999")], 1000, 0),
        ([("_count", "5"), ("_count", "7")], 7, 0),  # the last one wins
    ],
)
def test_count_and_offset(params: list[tuple[str, str]], count: int, offset: int) -> None:
    criteria = parse("Patient", params)
    assert (criteria.count, criteria.offset) == (count, offset)
    assert criteria.used == []  # result parameters are not search criteria


def test_count_is_capped_at_the_given_maximum() -> None:
    assert parse("Patient", [("_count", "300")], max_count=200).count == 200
    assert parse("Patient", [("_count", "150")], max_count=200).count == 150


@pytest.mark.parametrize("name", ["_count", "_offset"])
@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "", " 5", "0x10", "1e3"])
def test_count_and_offset_must_be_non_negative_integers(name: str, value: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse("Patient", [(name, value)])
    assert only_issue(caught.value) == (400, "invalid", name)
    assert repr(value)[1:-1] in caught.value.message


def test_count_with_a_superscript_digit_is_a_400() -> None:
    with pytest.raises(FhirError) as caught:
        parse("Patient", [("_count", "²")])
    assert only_issue(caught.value) == (400, "invalid", "_count")


# -- unknown parameters, lenient handling, `used` ---------------------------------------------


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(FhirError) as caught:
        parse("Observation", [("code", "1234-5")])
    assert only_issue(caught.value) == (400, "not-supported", "code")
    assert "Observation" in caught.value.message


def test_lenient_mode_ignores_unknown_parameters() -> None:
    criteria = parse("Observation", [("code", "1234-5"), ("_id", "a")], lenient=True)
    assert criteria.used == [("_id", "a")]
    assert len(criteria.conditions) == 1


@pytest.mark.parametrize("name", ["_format", "_pretty"])
def test_format_parameters_are_left_to_the_http_edge(name: str) -> None:
    criteria = parse("Patient", [(name, "x")])
    assert criteria.conditions == [] and criteria.used == []


def test_summary_count_asks_for_the_total_only() -> None:
    assert parse("Patient", [("_summary", "count")]).count == 0


@pytest.mark.parametrize(
    ("name", "value"), [("_summary", "true"), ("_summary", "text"), ("_total", "x")]
)
def test_unsupported_summary_and_total_values_are_400(name: str, value: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse("Patient", [(name, value)])
    assert caught.value.status == 400
    assert caught.value.issues[0].expression == name


@pytest.mark.parametrize("value", ["none", "estimate", "accurate"])
def test_total_modes_are_accepted(value: str) -> None:
    assert parse("Patient", [("_total", value)]).used == []


def test_used_records_every_criterion_in_order() -> None:
    params = [
        ("identifier", "http://sys|1"),
        ("_count", "3"),
        ("_id", "a,b"),
        ("_lastUpdated", "ge2026"),
    ]
    criteria = parse("Patient", params)
    assert criteria.used == [
        ("identifier", "http://sys|1"),
        ("_id", "a,b"),
        ("_lastUpdated", "ge2026"),
    ]
    assert len(criteria.conditions) == 3


def test_id_ignores_empty_items() -> None:
    (condition,) = parse("Patient", [("_id", "a,,b,")]).conditions
    assert sql(condition) == "resources.id IN ('a', 'b')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://sys|123", ["code = '123'", "system = 'http://sys'"]),
        ("|123", ["code = '123'", "system IS NULL"]),
        ("123", ["code = '123'"]),
    ],
)
def test_identifier_token_forms(value: str, expected: list[str]) -> None:
    (condition,) = parse("Patient", [("identifier", value)]).conditions
    text = sql(condition)
    assert "token_index.resource_type = 'Patient'" in text
    for fragment in expected:
        assert f"token_index.{fragment}" in text
    if value == "123":
        assert "token_index.system" not in text


# -- _lastUpdated -----------------------------------------------------------------------------

LOW, HIGH = us(2026, 1, 1), us(2027, 1, 1)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", f">= {LOW} AND resources.last_updated_us < {HIGH}"),
        ("eq", f">= {LOW} AND resources.last_updated_us < {HIGH}"),
        ("ne", f"NOT (resources.last_updated_us >= {LOW} AND resources.last_updated_us < {HIGH})"),
        ("gt", f">= {HIGH}"),
        ("sa", f">= {HIGH}"),
        ("ge", f">= {LOW}"),
        ("lt", f"< {LOW}"),
        ("eb", f"< {LOW}"),
        ("le", f"< {HIGH}"),
    ],
)
def test_last_updated_prefixes(prefix: str, expected: str) -> None:
    text = sql(_last_updated(f"{prefix}2026"))
    assert text.endswith(expected)
    assert text.startswith(("resources.last_updated_us", "NOT ("))


def test_unknown_prefix_is_an_invalid_date() -> None:
    with pytest.raises(FhirError) as caught:
        _last_updated("ap2026")
    assert only_issue(caught.value) == (400, "invalid", "_lastUpdated")


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2026", us(2026, 1, 1), us(2027, 1, 1)),
        ("2024-02", us(2024, 2, 1), us(2024, 3, 1)),
        ("2026-11", us(2026, 11, 1), us(2026, 12, 1)),
        ("2026-12", us(2026, 12, 1), us(2027, 1, 1)),
        ("2024-02-28", us(2024, 2, 28), us(2024, 2, 29)),
        ("2026-12-31", us(2026, 12, 31), us(2027, 1, 1)),
        ("2026-01-01T10:00:00Z", us(2026, 1, 1, 10), us(2026, 1, 1, 10, 0, 1)),
        ("2026-01-01T10:00:00+02:00", us(2026, 1, 1, 8), us(2026, 1, 1, 8, 0, 1)),
        ("2026-01-01T10:00:00-06:00", us(2026, 1, 1, 16), us(2026, 1, 1, 16, 0, 1)),
        ("2026-01-01T10:00:00", us(2026, 1, 1, 10), us(2026, 1, 1, 10, 0, 1)),  # naive = UTC
        (
            "2026-01-01T10:00:00.123456Z",
            us(2026, 1, 1, 10, 0, 0, 123456),
            us(2026, 1, 1, 10, 0, 0, 123457),
        ),
    ],
)
def test_instant_range(text: str, low: int, high: int) -> None:
    assert instant_range(text, "_lastUpdated") == (low, high)
    assert parse_instant_us(text, "_since") == low


@pytest.mark.parametrize("millis", [500, 0])
def test_millisecond_instant_covers_its_millisecond(millis: int) -> None:
    low = us(2026, 1, 1, 10, 0, 0, millis * 1000)
    assert instant_range(f"2026-01-01T10:00:00.{millis:03d}Z", "_lastUpdated") == (low, low + 1000)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-13",
        "2026-02-30",
        "2026-01-01T25:00:00Z",
        "2026/01/01",
        "20260101",
        "2026-1-1",
    ],
)
def test_invalid_date_is_a_400(text: str) -> None:
    with pytest.raises(FhirError) as caught:
        instant_range(text, "_lastUpdated")
    assert only_issue(caught.value) == (400, "invalid", "_lastUpdated")
    with pytest.raises(FhirError):
        parse("Patient", [("_lastUpdated", f"ge{text}")])


def test_parse_instant_us_names_its_parameter() -> None:
    with pytest.raises(FhirError) as caught:
        parse_instant_us("yesterday", "_since")
    assert only_issue(caught.value) == (400, "invalid", "_since")
