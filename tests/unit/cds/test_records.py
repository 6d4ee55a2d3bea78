"""The record read from prefetch Bundles: latest eGFR by date (not by the order sent),
pregnancy from a Condition or the latest pregnancy-status Observation, ATC-coded allergies."""

from __future__ import annotations

from typing import Any

from enlace.modules.cds.records import facts_of

LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def obs(code: str, day: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": day,
        **value,
    }


def pregnancy_status(day: str, code: str) -> dict[str, Any]:
    return obs("82810-3", day, valueCodeableConcept={"coding": [{"system": SCT, "code": code}]})


def test_latest_egfr_by_date_whatever_the_order() -> None:
    labs = bundle(
        obs("98979-8", "2025-01-01", valueQuantity={"value": 70}),
        obs("98979-8", "2025-06-01", valueQuantity={"value": 41}),
        obs("4548-4", "2025-07-01", valueQuantity={"value": 8.1}),
    )
    facts = facts_of("p", {"labs": labs})
    assert facts.egfr is not None and facts.egfr.value == 41.0
    assert facts.egfr.when is not None and facts.egfr.when.isoformat() == "2025-06-01"


def test_pregnancy_from_the_latest_status_or_a_condition() -> None:
    pregnant = pregnancy_status("2025-03-01", "77386006")
    not_now = pregnancy_status("2025-12-01", "60001007")  # not pregnant, later
    assert facts_of("p", {"labs": bundle(pregnant)}).pregnant
    assert not facts_of("p", {"labs": bundle(pregnant, not_now)}).pregnant
    condition = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": SCT, "code": "77386006"}]},
    }
    assert facts_of("p", {"conditions": bundle(condition)}).pregnant
    icd = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "O24.4"}]},
    }
    assert facts_of("p", {"conditions": bundle(icd)}).pregnant


def test_allergies_coded_by_atc() -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "code": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": "J01EE01"}],
            "text": "Cotrimoxazol",
        },
    }
    assert facts_of("p", {"allergies": bundle(allergy)}).allergies == (("J01EE01", "Cotrimoxazol"),)
