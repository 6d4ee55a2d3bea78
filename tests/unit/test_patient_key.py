"""The patient key (store/patient_key.py), from the index rows the real indexer builds."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import load_registry
from enlace.store.patient_key import patient_key


@cache
def indexer() -> SearchIndexer:
    return SearchIndexer(load_registry())


def key_of(resource: dict[str, Any], rid: str = "r1") -> str:
    resource_type = resource["resourceType"]
    return patient_key(resource_type, rid, indexer().rows(resource_type, rid, resource))


def ref(target: str) -> dict[str, str]:
    return {"reference": target}


CASES = [
    ("patient is its own key", {"resourceType": "Patient"}, "r1"),
    (
        "patient's link does not move its key",
        {"resourceType": "Patient", "link": [{"other": ref("Patient/p9"), "type": "seealso"}]},
        "r1",
    ),
    (
        "observation subject",
        {"resourceType": "Observation", "status": "final", "subject": ref("Patient/p1")},
        "p1",
    ),
    (
        "subject wins over performer (definition order)",
        {
            "resourceType": "Observation",
            "status": "final",
            "performer": [ref("Patient/p0")],
            "subject": ref("Patient/p2"),
        },
        "p2",
    ),
    (
        "encounter subject",
        {"resourceType": "Encounter", "status": "finished", "subject": ref("Patient/p3")},
        "p3",
    ),
    (
        "medication request subject",
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": ref("Patient/p4"),
        },
        "p4",
    ),
    (
        "patient param",
        {"resourceType": "AllergyIntolerance", "patient": ref("Patient/p5")},
        "p5",
    ),
    ("organization spreads by its own id", {"resourceType": "Organization"}, "r1"),
    (
        "subject that is a group: own id",
        {"resourceType": "Observation", "status": "final", "subject": ref("Group/g1")},
        "r1",
    ),
    (
        "absolute url to a patient: its id, as compartment search reads it",
        {
            "resourceType": "Observation",
            "status": "final",
            "subject": ref("https://other.example/fhir/Patient/p1"),
        },
        "p1",
    ),
]


@pytest.mark.parametrize(
    ("resource", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_patient_key(resource: dict[str, Any], expected: str) -> None:
    assert key_of(resource) == expected


def test_moving_the_subject_moves_the_key() -> None:
    before = {"resourceType": "Observation", "status": "final", "subject": ref("Patient/a")}
    after = {**before, "subject": ref("Patient/b")}
    assert (key_of(before), key_of(after)) == ("a", "b")
