"""The compiled FHIRPath subset on hand-made resources: values computed by hand."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.modules.analytics import ViewRunner, compile_view
from enlace.modules.analytics.fhirpath import Env, Scope, compile_path
from enlace.modules.analytics.fhirpath_values import FhirPathError

OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "o1",
    "subject": {"reference": "http://example.org/fhir/Patient/p9/_history/2"},
    "valueQuantity": {"value": 7.25, "code": "%"},
    "effectiveDateTime": "2026-03",
    "component": [
        {"code": {"text": "sys"}, "valueQuantity": {"value": 150}},
        {"code": {"text": "dia"}, "valueQuantity": {"value": 95}},
    ],
    "identifier": [{"value": "A-1"}],
    "extension": [{"url": "http://x/e", "valueString": "hello"}],
}


def _eval(path: str, constants: dict[str, Any] | None = None, kind: str | None = None) -> list[Any]:
    function = compile_path(path, Scope(constants or {}, kind))
    return function([OBSERVATION], Env(OBSERVATION, 0))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("value.ofType(Quantity).value", [7.25]),
        ("value.value", [7.25]),  # a choice element read without ofType
        ("Observation.component.value.ofType(Quantity).value", [150, 95]),
        ("component.where(code.text = 'dia').value.ofType(Quantity).value", [95]),
        ("component.value.ofType(Quantity).value.first() - 100", [50]),
        ("(150 + 95) / 2", [122.5]),
        ("7 div 2 = 3 and 7 mod 2 = 1", [True]),
        ("component.count() > 1", [True]),
        ("identifier.value.ofType(string)", ["A-1"]),  # a plain element, filtered by type
        ("subject.getReferenceKey(Patient)", ["p9"]),
        ("subject.getReferenceKey(Group)", []),
        ("getResourceKey()", ["o1"]),
        ("extension('http://x/e').value.ofType(string)", ["hello"]),
        ("component.code.text.join('/')", ["sys/dia"]),
        ("component[1].code.text", ["dia"]),
        ("component[%i].code.text", ["sys"]),
        ("valueQuantity.value.lowBoundary()", [7.245]),
        ("effective.ofType(dateTime).highBoundary()", ["2026-03-31T23:59:59.999-12:00"]),
        ("status.exists() or id = 'o1'", [True]),
        ("status = 'final'", []),  # empty operand: empty result
        ("(status = 'final').not()", []),
        ("id in ('o1' | 'o2')", [True]),
        ("'a' & {} & 'b'", ["ab"]),
        ("component.code.text.where($this.startsWith('d'))", ["dia"]),
    ],
)
def test_values(path: str, expected: list[Any]) -> None:
    assert _eval(path, {"i": 0}) == expected


def test_compile_errors_name_the_problem() -> None:
    with pytest.raises(FhirPathError, match="nope"):
        compile_path("name.nope()")
    with pytest.raises(FhirPathError, match="%missing"):
        compile_path("%missing")
    with pytest.raises(FhirPathError, match="not valid FHIRPath"):
        compile_path("name.(")


def test_comparing_a_string_with_a_number_is_an_error() -> None:
    with pytest.raises(FhirPathError):
        _eval("id > 3")


def test_single_value_columns_agree_with_the_general_path() -> None:
    """Columns take a fast walk for member chains with first(); a collection met on the way
    must give what the general path gives (the first given name of any name, not name[0]'s)."""
    paths = ["name.given.first()", "name.first().given.first()", "name.first().family",
             "telecom.value", "value.ofType(Quantity).value", "valueQuantity.unit"]  # fmt: skip
    view = compile_view({
        "resource": "Patient",
        "select": [{"column": [{"name": f"c{i}", "path": p} for i, p in enumerate(paths)]}],
    })  # fmt: skip
    person = {"resourceType": "Patient", "name": [{"family": "A"}, {"given": ["g1", "g2"]}],
              "telecom": [{"value": "1"}], "valueQuantity": {"value": 3}}  # fmt: skip
    assert ViewRunner(view).rows(person) == [("g1", None, "A", "1", 3, None)]
