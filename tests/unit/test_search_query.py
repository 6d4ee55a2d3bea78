"""Result parameters and cursors: parsing and the 400s that name the parameter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from enlace.kernel.errors import FhirError
from enlace.search import paging
from enlace.search.query import Include, SortKey, parse_instant_us, parse_query


def test_filters_and_result_parameters_are_separated() -> None:
    query = parse_query(
        "Observation",
        [
            ("code", "1234"),
            ("_count", "10"),
            ("_sort", "-date,code"),
            ("_include", "Observation:subject"),
            ("_revinclude:iterate", "Provenance:target:Observation"),
            ("_total", "accurate"),
            ("_summary", "data"),
            ("_elements", "code,value"),
            ("_format", "json"),
            ("subject:Patient.name", "ana"),
        ],
    )
    assert query.filters == [("code", "1234"), ("subject:Patient.name", "ana")]
    assert query.count == 10 and query.total == "accurate" and query.summary == "data"
    assert query.sort == [SortKey("date", True), SortKey("code", False)]
    assert query.includes == [
        Include("Observation", "subject", None, False, False),
        Include("Provenance", "target", "Observation", True, True),
    ]
    assert query.elements == "code,value"


def test_count_is_capped_and_fhirpy_total_method_is_understood() -> None:
    query = parse_query("Patient", [("_count", "5000"), ("_totalMethod", "count")], max_count=100)
    assert query.count == 100 and query.total == "accurate"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("_count", "-1"),
        ("_count", "ten"),
        ("_offset", "1.5"),
        ("_total", "maybe"),
        ("_summary", "short"),
        ("_sort", ""),
        ("_sort", "a,b,c,d,e,f"),
        ("_include", "Observation"),
        ("_include", "Observation::x"),
        ("_include:deep", "Observation:subject"),
        ("_revinclude", "a:b:c:d"),
    ],
)
def test_malformed_result_parameters_are_400_naming_them(name: str, value: str) -> None:
    with pytest.raises(FhirError) as raised:
        parse_query("Observation", [(name, value)])
    assert raised.value.status == 400
    assert raised.value.issues[0].expression == name


def test_too_many_includes_are_refused() -> None:
    params = [("_include", f"Observation:p{i}") for i in range(11)]
    with pytest.raises(FhirError) as raised:
        parse_query("Observation", params)
    assert "At most 10" in raised.value.issues[0].diagnostics


def test_since_parses_and_refuses_garbage() -> None:
    assert parse_instant_us("1970-01-01T00:00:01Z", "_since") == 1_000_000
    with pytest.raises(FhirError):
        parse_instant_us("yesterday", "_since")


def test_cursor_round_trip_keeps_decimals_exact() -> None:
    cursor = paging.Cursor(False, (Decimal("7.10"), None, 12, "abc"))
    again = paging.decode(paging.encode(cursor), 3)
    assert again == cursor and isinstance(again.values[0], Decimal)
    assert str(again.values[0]) == "7.10"


@pytest.mark.parametrize(
    "text", ["", "!!!", "bm90IGpzb24", paging.encode(paging.Cursor(True, (1, "x")))]
)
def test_foreign_or_mismatched_cursor_is_400(text: str) -> None:
    with pytest.raises(FhirError) as raised:
        paging.decode(text, 2)  # the last one was made for one sort key, not two
    assert raised.value.status == 400 and raised.value.issues[0].expression == "_cursor"
