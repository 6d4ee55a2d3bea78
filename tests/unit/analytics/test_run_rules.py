"""`ViewDefinition/$run` rules without a database: who may read stored resources, parameters,
rendering."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.kernel import errors
from enlace.modules.analytics import render, run_operation
from enlace.security.access import Access
from enlace.security.scopes import ScopeSet

VIEW = {"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]}


def _body(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "viewResource", "resource": VIEW}, *extra],
    }


def _user(role: str) -> Access:
    return Access("u1", "user", ScopeSet(), role=role)


class _NoStore:
    """Fails the test if the store is read."""

    def scan(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the store was read")


def test_anonymous_is_401_and_stored_data_needs_an_administrator() -> None:
    anonymous = Access("anonymous", "anonymous", ScopeSet())
    with pytest.raises(errors.FhirError) as login:
        run_operation(_NoStore(), None, _body(), anonymous)
    assert login.value.status == 401
    with pytest.raises(errors.FhirError) as forbidden:
        run_operation(_NoStore(), None, _body(), _user("analyst"))
    assert forbidden.value.status == 403


def test_inline_resources_are_open_to_anyone_signed_in() -> None:
    body = _body({"name": "resource", "resource": {"resourceType": "Patient", "id": "x"}},
                 {"name": "_format", "valueCode": "csv"}, {"name": "header", "valueBoolean": False})  # fmt: skip
    content, content_type = run_operation(_NoStore(), None, body, _user("physician"))
    assert (content, content_type) == (b"x\n", "text/csv")


def test_csv_cells() -> None:
    rows = [("a", True, None, ["x", "y"], 1.5)]
    assert render(["s", "b", "n", "c", "d"], rows, "csv") == (
        b's,b,n,c,d\na,true,,"[""x"",""y""]",1.5\n'
    )
