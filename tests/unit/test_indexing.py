"""Index rows extracted at write time: identifier tokens and literal references."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.search.indexing import BasicIndexer, iter_references


def tokens(resource: dict[str, Any]) -> list[tuple[str | None, str]]:
    rows = BasicIndexer().rows("Patient", "p1", resource).tokens
    for row in rows:
        assert (row["resource_type"], row["resource_id"], row["param"]) == (
            "Patient",
            "p1",
            "identifier",
        )
    return [(row["system"], row["code"]) for row in rows]


def references(resource: dict[str, Any], resource_type: str = "Encounter") -> list[tuple[str, ...]]:
    rows = BasicIndexer().rows(resource_type, "e1", resource).references
    for row in rows:
        assert (row["resource_type"], row["resource_id"]) == (resource_type, "e1")
    return sorted((row["path"], row["target_type"], row["target_id"]) for row in rows)


# -- identifier tokens ------------------------------------------------------------------------


def test_identifier_list() -> None:
    resource = {
        "identifier": [
            {"system": "http://curp.mx", "value": "ABC123"},
            {"system": "http://imss.mx/nss", "value": "42"},
        ]
    }
    assert tokens(resource) == [("http://curp.mx", "ABC123"), ("http://imss.mx/nss", "42")]


def test_single_identifier_object() -> None:
    assert tokens({"identifier": {"system": "http://s", "value": "1"}}) == [("http://s", "1")]


def test_identifier_without_system_keeps_system_none() -> None:
    rows = BasicIndexer().rows("Patient", "p1", {"identifier": [{"value": "7"}]}).tokens
    assert len(rows) == 1
    assert "system" in rows[0] and rows[0]["system"] is None
    assert rows[0]["code"] == "7"


@pytest.mark.parametrize(
    "identifier",
    [
        {"system": "http://s"},  # no value
        {"system": "http://s", "value": 12},  # not a string
        {"system": "http://s", "value": None},
        "http://s|1",  # not an object
    ],
)
def test_identifier_without_a_string_value_is_skipped(identifier: Any) -> None:
    resource = {"identifier": [identifier, {"system": "http://s", "value": "ok"}]}
    assert tokens(resource) == [("http://s", "ok")]


@pytest.mark.parametrize("identifier", [None, "x", 3, []])
def test_no_tokens_without_identifiers(identifier: Any) -> None:
    assert tokens({"identifier": identifier}) == []
    assert tokens({"name": [{"family": "Pérez"}]}) == []


# -- references -------------------------------------------------------------------------------


def test_relative_references_with_their_paths() -> None:
    encounter = {
        "resourceType": "Encounter",
        "subject": {"reference": "Patient/p1"},
        "participant": [
            {"individual": {"reference": "Practitioner/dr-1"}},
            {"individual": {"reference": "Practitioner/dr-2/_history/2"}},
        ],
        "serviceProvider": {"reference": "Organization/org.1", "display": "Clínica"},
    }
    assert references(encounter) == [
        ("participant.individual", "Practitioner", "dr-1"),
        ("participant.individual", "Practitioner", "dr-2"),
        ("serviceProvider", "Organization", "org.1"),
        ("subject", "Patient", "p1"),
    ]


def test_references_in_extensions_are_indexed() -> None:
    resource = {"extension": [{"url": "http://x", "valueReference": {"reference": "Patient/p9"}}]}
    assert references(resource) == [("extension.valueReference", "Patient", "p9")]


@pytest.mark.parametrize(
    "reference",
    [
        "http://example.org/fhir/Patient/p1",
        "urn:uuid:6d23a95e-7e18-4201-90ec-9501fa89fbd2",
        "#contained-1",
        "Patient?identifier=http://s|1",
        "patient/p1",  # types start with a capital
        "Patient/",
        "Patient/" + "x" * 65,  # ids are at most 64 characters
        "Patient/p 1",
        "Patient/p1/_history",
    ],
)
def test_non_relative_references_are_not_indexed(reference: str) -> None:
    assert references({"subject": {"reference": reference}}) == []


def test_longest_valid_id_is_indexed() -> None:
    long_id = "A-b.9" + "x" * 59
    assert references({"subject": {"reference": f"Patient/{long_id}"}}) == [
        ("subject", "Patient", long_id)
    ]


def test_duplicates_are_removed_per_path() -> None:
    resource = {
        "participant": [
            {"individual": {"reference": "Practitioner/dr-1"}},
            {"individual": {"reference": "Practitioner/dr-1"}},
            {"individual": {"reference": "Practitioner/dr-1/_history/3"}},
        ],
        "subject": {"reference": "Practitioner/dr-1"},
    }
    assert references(resource) == [
        ("participant.individual", "Practitioner", "dr-1"),
        ("subject", "Practitioner", "dr-1"),  # another path: another row
    ]


def test_references_inside_contained_resources_are_ignored() -> None:
    resource = {
        "contained": [
            {
                "resourceType": "Medication",
                "id": "m",
                "manufacturer": {"reference": "Organization/o"},
            }
        ],
        "medicationReference": {"reference": "#m"},
        "subject": {"reference": "Patient/p1"},
    }
    assert references(resource, "MedicationRequest") == [("subject", "Patient", "p1")]


def test_iter_references_returns_every_reference_string() -> None:
    resource = {
        "resourceType": "Observation",
        "id": "o1",
        "subject": {"reference": "Patient/p1"},
        "performer": [{"reference": "urn:uuid:1"}, {"reference": "#c"}, {"display": "no ref"}],
        "hasMember": [{"reference": "http://x/Observation/2"}],
        "contained": [{"subject": {"reference": "Patient/hidden"}}],
        "_status": {"extension": [{"valueReference": {"reference": "Patient/also-hidden"}}]},
        "component": [{"valueQuantity": {"value": 1.5}, "interpretation": [{"text": "x"}]}],
    }
    assert sorted(iter_references(resource)) == [
        ("hasMember", "http://x/Observation/2"),
        ("performer", "#c"),
        ("performer", "urn:uuid:1"),
        ("subject", "Patient/p1"),
    ]


def test_iter_references_with_a_base_path_and_non_string_reference() -> None:
    node = {"reference": {"reference": "Patient/p1"}, "other": {"reference": 42}}
    assert iter_references(node, "Contract.term") == [("Contract.term.reference", "Patient/p1")]
    entries = [{"reference": "A/1"}, {"item": {"reference": "B/2"}}]
    assert sorted(iter_references(entries)) == [("", "A/1"), ("item", "B/2")]
