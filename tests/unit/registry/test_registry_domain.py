"""Registry case selection by ICD-10 (pure)."""

from __future__ import annotations

from typing import Any

from enlace.modules.registry import REGISTRIES, institution_of, registries_of


def condition(code: str, verification: str = "confirmed", **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
        "subject": {"reference": "Patient/p1"},
        **more,
    }


def test_cancer_is_the_neoplasm_subset_c00_to_d48() -> None:
    cancer = REGISTRIES["cancer"]
    assert [cancer.selects(c) for c in ("C00.0", "C50.9", "C97", "D05.1", "D48.9")] == [True] * 5
    assert [cancer.selects(c) for c in ("B99", "D49.0", "D50.0", "D66", "E11.9")] == [False] * 5


def test_rare_by_list_with_subdivisions() -> None:
    rare = REGISTRIES["rare"]
    assert rare.selects("E75.22") and rare.selects("E84.0") and rare.selects("D66")
    assert not rare.selects("E75.3") and not rare.selects("E11.9")


def test_registries_of_a_condition() -> None:
    assert registries_of(condition("C50.9")) == {"cancer"}
    assert registries_of(condition("D66")) == {"rare"}
    assert registries_of(condition("E11.9")) == set()
    assert registries_of(condition("C50.9", "refuted")) == set()
    assert registries_of(condition("C50.9", "entered-in-error")) == set()
    other_system = condition("C50.9")
    other_system["code"]["coding"][0]["system"] = "http://snomed.info/sct"
    assert registries_of(other_system) == set()


def test_institution_from_source_then_recorder() -> None:
    assert institution_of(condition("C50.9", meta={"source": "http://imss.mx"})) == "http://imss.mx"
    with_recorder = condition("C50.9", recorder={"reference": "PractitionerRole/r1"})
    assert institution_of(with_recorder) == "PractitionerRole/r1"
    assert institution_of(condition("C50.9")) == "unknown"
