"""Reference rewriting in Bundles: `urn:uuid:` placeholders and conditional references."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from enlace.interactions.references import conditional_references, rewrite_references

UUID_A = "urn:uuid:6d23a95e-7e18-4201-90ec-9501fa89fbd2"
UUID_B = "urn:uuid:0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"


def test_rewrites_nested_references_and_lists_in_place() -> None:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "subject": {"reference": UUID_A, "display": "Ana"},
        "participant": [
            {"individual": {"reference": UUID_B}},
            {"individual": {"reference": "Practitioner/known"}},
        ],
        "diagnosis": [{"condition": {"reference": UUID_B}, "rank": 1}],
        "extension": [{"url": "http://x", "valueReference": {"reference": UUID_A}}],
    }
    returned = rewrite_references(resource, {UUID_A: "Patient/p1", UUID_B: "Practitioner/dr1"})
    assert returned is None
    assert resource["subject"] == {"reference": "Patient/p1", "display": "Ana"}
    assert resource["participant"] == [
        {"individual": {"reference": "Practitioner/dr1"}},
        {"individual": {"reference": "Practitioner/known"}},
    ]
    assert resource["diagnosis"] == [{"condition": {"reference": "Practitioner/dr1"}, "rank": 1}]
    assert resource["extension"][0]["valueReference"] == {"reference": "Patient/p1"}


@pytest.mark.parametrize(
    "reference",
    [
        UUID_A + "0",  # a prefix match is not a match
        UUID_A[:-1],
        UUID_A.upper(),
        " " + UUID_A,
        "Patient/" + UUID_A,
    ],
)
def test_only_exact_matches_are_replaced(reference: str) -> None:
    resource = {"subject": {"reference": reference}}
    rewrite_references(resource, {UUID_A: "Patient/p1"})
    assert resource == {"subject": {"reference": reference}}


def test_strings_that_are_not_references_are_left_alone() -> None:
    bundle_entry = {
        "fullUrl": UUID_A,
        "resource": {
            "resourceType": "Observation",
            "valueString": UUID_A,
            "identifier": [{"value": UUID_A}],
            "note": [{"text": UUID_A}],
        },
    }
    before = copy.deepcopy(bundle_entry)
    rewrite_references(bundle_entry, {UUID_A: "Patient/p1"})
    assert bundle_entry == before


def test_rewriting_is_a_single_pass() -> None:
    resource = {"a": {"reference": "X/1"}, "b": {"reference": "X/2"}}
    rewrite_references(resource, {"X/1": "X/2", "X/2": "X/3"})
    assert resource == {"a": {"reference": "X/2"}, "b": {"reference": "X/3"}}


def test_rewrite_accepts_a_list_and_scalars() -> None:
    nodes: list[Any] = [{"reference": UUID_A}, "text", 3, None, [{"reference": UUID_B}]]
    rewrite_references(nodes, {UUID_A: "Patient/p1", UUID_B: "Patient/p2"})
    assert nodes == [{"reference": "Patient/p1"}, "text", 3, None, [{"reference": "Patient/p2"}]]


def test_empty_mapping_changes_nothing() -> None:
    resource = {"subject": {"reference": UUID_A}}
    rewrite_references(resource, {})
    assert resource == {"subject": {"reference": UUID_A}}


def test_conditional_references_are_found_anywhere() -> None:
    resource = {
        "subject": {"reference": "Patient?identifier=http://curp.mx|ABC"},
        "performer": [
            {"reference": "Practitioner?identifier=123"},
            {"reference": "Practitioner/known"},
            {"reference": "Patient?identifier=http://curp.mx|ABC"},
        ],
        "basedOn": [{"reference": UUID_A}],
        "contained": [{"subject": {"reference": "Patient?_id=p9"}}],
    }
    assert conditional_references(resource) == {
        "Patient?identifier=http://curp.mx|ABC",
        "Practitioner?identifier=123",
        "Patient?_id=p9",
    }


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/p1",
        "Patient/p1/_history/2",
        "http://example.org/fhir/Patient?identifier=1",  # absolute: not a conditional reference
        "Patient/p1?x=1",
        UUID_A,
        "#contained",
    ],
)
def test_other_references_are_not_conditional(reference: str) -> None:
    assert conditional_references({"subject": {"reference": reference}}) == set()


def test_conditional_references_ignore_non_reference_strings() -> None:
    resource = {"valueString": "Patient?identifier=1", "subject": {"reference": 7}}
    assert conditional_references(resource) == set()
    assert conditional_references(None) == set()
