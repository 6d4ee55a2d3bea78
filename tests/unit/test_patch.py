"""JSON Merge Patch (RFC 7396) and If-Match parsing for updates and patches."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from enlace.interactions.crud import merge_patch, parse_if_match
from enlace.interactions.messages import FhirRequest
from enlace.kernel.errors import FhirError

# RFC 7396 Appendix A, every example: (original, patch, result).
RFC_7396_APPENDIX_A: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_7396_APPENDIX_A)
def test_rfc_7396_appendix_a(original: Any, patch: Any, result: Any) -> None:
    assert merge_patch(original, patch) == result


def test_merge_patch_on_a_fhir_resource_does_not_mutate_its_inputs() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "active": True,
        "name": [{"family": "Pérez", "given": ["Ana"]}],
        "address": [{"city": "Oaxaca"}],
        "meta": {"versionId": "2", "profile": ["http://x"]},
    }
    patch = {"active": None, "name": [{"family": "López"}], "meta": {"profile": None}}
    original, patch_before = copy.deepcopy(patient), copy.deepcopy(patch)
    patched = merge_patch(patient, patch)
    assert patched == {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "López"}],
        "address": [{"city": "Oaxaca"}],
        "meta": {"versionId": "2"},
    }
    assert patient == original and patch == patch_before
    assert patched is not patient


def test_merge_patch_removing_an_absent_key_is_harmless() -> None:
    assert merge_patch({"a": 1}, {"z": None}) == {"a": 1}


def request_with(headers: dict[str, str]) -> FhirRequest:
    return FhirRequest("PUT", "Patient/p1", headers=headers)


@pytest.mark.parametrize(
    ("header", "version"),
    [
        ('W/"3"', 3),
        ('"3"', 3),
        ("3", 3),
        ('  W/"3"  ', 3),
        (" 3 ", 3),
        ('W/"12"', 12),
        ('W/"0"', 0),
    ],
)
def test_parse_if_match(header: str, version: int) -> None:
    assert parse_if_match(request_with({"if-match": header})) == version


@pytest.mark.parametrize(
    "header", ['W/"abc"', "*", 'W/"3", W/"4"', "W/3x", 'W/"-1"', 'W/"3.0"', "v3", 'w/"3"']
)
def test_parse_if_match_refuses_garbage(header: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse_if_match(request_with({"if-match": header}))
    assert caught.value.status == 400
    assert caught.value.issues[0].code == "invalid"
    assert header in caught.value.message


@pytest.mark.parametrize("headers", [{}, {"if-match": ""}, {"if-none-match": 'W/"3"'}])
def test_parse_if_match_absent(headers: dict[str, str]) -> None:
    assert parse_if_match(request_with(headers)) is None
