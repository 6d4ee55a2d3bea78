"""Invalid ViewDefinitions: every problem found at once, each with its location; row-time
failures name the column or where."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.modules.analytics import ViewRunner, ViewRuntimeError, compile_view
from enlace.modules.analytics.viewdef import ViewDefinitionError


def _problems(view: Any) -> dict[str, str]:
    with pytest.raises(ViewDefinitionError) as raised:
        compile_view(view)
    return {i.expression or "": i.diagnostics for i in raised.value.issues}


def test_every_problem_is_named_with_its_location() -> None:
    problems = _problems(
        {
            "resource": "patient",
            "constant": [{"name": "x"}, {"valueString": "y"}],
            "select": [
                {
                    "column": [
                        {"name": "1bad", "path": "id"},
                        {"name": "ok", "path": "name.bogus()"},
                    ]
                },
                {"forEach": 1, "column": [{"name": "ok", "path": "id"}]},
                {"forEach": "a", "forEachOrNull": "b"},
                {"colum": []},
            ],
            "where": [{"path": ""}, "not a where"],
        }
    )
    assert set(problems) == {
        "ViewDefinition.resource",
        "ViewDefinition.constant[0]",
        "ViewDefinition.constant[1].name",
        "ViewDefinition.select[0].column[0].name",
        "ViewDefinition.select[0].column[1].path",
        "ViewDefinition.select[1].forEach",
        "ViewDefinition.select[2]",
        "ViewDefinition.select[3]",
        "ViewDefinition.where[0].path",
        "ViewDefinition.where[1].path",
    }
    assert "bogus()" in problems["ViewDefinition.select[0].column[1].path"]
    assert "colum" in problems["ViewDefinition.select[3]"]


def test_duplicate_columns_and_mismatched_union_branches() -> None:
    column = {"name": "id", "path": "id"}
    problems = _problems(
        {
            "resource": "Patient",
            "select": [
                {"column": [column]},
                {"column": [column]},
                {"unionAll": [{"column": [{"name": "a", "path": "id"}]}, {"column": [column]}]},
            ],
        }
    )
    assert "used twice" in problems["ViewDefinition.select[1].column[0]"]
    assert "same columns" in problems["ViewDefinition.select[2].unionAll[1]"]


def test_not_an_object_and_empty_select() -> None:
    assert set(_problems([])) == {"ViewDefinition"}
    assert set(_problems({"resource": "Patient", "select": []})) == {"ViewDefinition.select"}


def test_row_time_failures_name_the_column_and_the_where() -> None:
    several = compile_view(
        {"resource": "Patient", "select": [{"column": [{"name": "f", "path": "name.family"}]}]}
    )
    person = {"resourceType": "Patient", "id": "p", "name": [{"family": "A"}, {"family": "B"}]}
    with pytest.raises(ViewRuntimeError) as column:
        ViewRunner(several).rows(person)
    assert column.value.location == "ViewDefinition.select[0].column[0]"
    not_boolean = compile_view(
        {
            "resource": "Patient",
            "select": [{"column": [{"name": "id", "path": "id"}]}],
            "where": [{"path": "name.family.first()"}],
        }
    )
    with pytest.raises(ViewRuntimeError) as where:
        ViewRunner(not_boolean).rows(person)
    assert where.value.location == "ViewDefinition.where[0].path"


@pytest.mark.parametrize("path", ["name.skip('a')", "id.startsWith(1)", "birthDate.lowBoundary()"])
def test_a_wrongly_typed_argument_is_a_view_error_not_a_crash(path: str) -> None:
    view = compile_view(
        {"resource": "Patient", "select": [{"column": [{"name": "c", "path": path}]}]}
    )
    person = {
        "resourceType": "Patient",
        "id": "p",
        "name": [{"family": "A"}],
        "birthDate": "2024-13",
    }
    try:
        ViewRunner(view).rows(person)
    except ViewRuntimeError as exc:
        assert "Patient/p" in str(exc) or exc.location.startswith("ViewDefinition")
