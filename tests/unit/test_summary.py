"""`_summary` and `_elements` (enlace.fhir.summary): what each mode keeps, the SUBSETTED tag, errors,
and that inputs are never mutated."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from enlace.fhir import summary
from enlace.fhir.definitions import FhirDefinitions, load_definitions
from enlace.kernel.errors import FhirError

SYNTHEA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "synthea-r4"
SYNTHEA_BUNDLES = sorted(SYNTHEA_DIR.glob("*.json"))[:2]

SUBSETTED = {"system": summary.SUBSETTED_SYSTEM, "code": "SUBSETTED"}
META = {"versionId": "1", "lastUpdated": "2026-01-01T00:00:00.000Z"}
NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
EXTENSION = {"url": "http://example.org/x", "valueString": "x"}
LOINC_HEIGHT = {"system": "http://loinc.org", "code": "8302-2", "display": "Body Height"}


@pytest.fixture(scope="module")
def defs() -> FhirDefinitions:
    return load_definitions()


def observation() -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "o1",
        "meta": dict(META),
        "text": dict(NARRATIVE),
        "extension": [EXTENSION],
        "modifierExtension": [EXTENSION],
        "status": "final",
        "_status": {"extension": [EXTENSION]},
        "category": [{"coding": [{"system": "http://example.org", "code": "vital-signs"}]}],
        "code": {"coding": [{**LOINC_HEIGHT, "extension": [EXTENSION]}], "text": "Body Height"},
        "subject": {"reference": "Patient/p1", "display": "Ann"},
        "effectiveDateTime": "2012-03-06T20:43:11+00:00",
        "valueQuantity": {"value": 164.2, "unit": "cm", "extension": [EXTENSION]},
        "interpretation": [{"text": "normal"}],
        "note": [{"text": "a note"}],
        "referenceRange": [{"text": "150-200 cm"}],
        "component": [
            {
                "code": {"text": "systolic"},
                "valueQuantity": {"value": 120},
                "interpretation": [{"text": "normal"}],
                "referenceRange": [{"text": "< 140"}],
            },
            {"code": {"text": "diastolic"}, "valueQuantity": {"value": 80}},
        ],
    }


def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {**META, "tag": [{"system": "http://example.org/tags", "code": "demo"}]},
        "text": dict(NARRATIVE),
        "extension": [EXTENSION],
        "active": True,
        "name": [{"family": "Wyman", "given": ["Alfreda"], "extension": [EXTENSION]}],
        "gender": "female",
        "birthDate": "1980-10-28",
        "_birthDate": {"extension": [EXTENSION]},
        "deceasedDateTime": "2020-01-01",
        "maritalStatus": {"text": "M"},
        "multipleBirthBoolean": False,
        "contact": [{"name": {"family": "Deckow"}}],
        "communication": [{"language": {"text": "English"}, "preferred": True}],
        "link": [{"other": {"reference": "Patient/p2"}, "type": "replaced-by"}],
    }


def medication_request() -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "meta": dict(META),
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "metformin"},
        "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": "Encounter/e1"},
        "authoredOn": "2020-01-01",
        "dosageInstruction": [{"text": "once a day", "sequence": 1}],
        "dispenseRequest": {"numberOfRepeatsAllowed": 3},
        "substitution": {"allowedBoolean": True, "reason": {"text": "cheaper"}},
    }


def tags(resource: dict[str, Any]) -> list[dict[str, Any]]:
    tag_list: list[dict[str, Any]] = resource["meta"].get("tag", [])
    return tag_list


def assert_subsetted_once(resource: dict[str, Any]) -> None:
    assert tags(resource).count(SUBSETTED) == 1


# _summary


@pytest.mark.parametrize("mode", ["true", "text", "data", "count", "false"])
def test_parse_summary_accepts_the_five_modes(mode: str) -> None:
    assert summary.parse_summary(mode) == mode


@pytest.mark.parametrize("value", ["", "True", "yes", "short", "true,text"])
def test_parse_summary_refuses_anything_else(value: str) -> None:
    with pytest.raises(FhirError) as caught:
        summary.parse_summary(value)
    assert caught.value.status == 400
    assert caught.value.issues[0].expression == "_summary"


@pytest.mark.parametrize("mode", ["false", "count"])
def test_false_returns_the_input_itself(mode: str, defs: FhirDefinitions) -> None:
    resource = observation()
    assert summary.summarize(resource, mode, defs) is resource


def test_unknown_mode_is_a_programming_error(defs: FhirDefinitions) -> None:
    with pytest.raises(ValueError):
        summary.summarize(observation(), "short", defs)


def test_summary_true_observation(defs: FhirDefinitions) -> None:
    result = summary.summarize(observation(), "true", defs)
    assert list(result) == [
        "resourceType",
        "id",
        "meta",
        "modifierExtension",  # not isSummary in R4, kept as a modifier (module decision)
        "status",
        "_status",  # the extension sibling of a kept primitive
        "code",
        "subject",
        "effectiveDateTime",
        "valueQuantity",
        "component",
    ]
    assert result["meta"] == {**META, "tag": [SUBSETTED]}
    assert result["modifierExtension"] == [EXTENSION]  # Extension has no summary children: whole
    # Inside kept datatypes only their isSummary children remain: no `extension`.
    assert result["code"] == {"coding": [LOINC_HEIGHT], "text": "Body Height"}
    assert result["valueQuantity"] == {"value": 164.2, "unit": "cm"}
    assert result["subject"] == {"reference": "Patient/p1", "display": "Ann"}
    # Backbone element: code and value[x] are summary, interpretation and referenceRange are not.
    assert result["component"] == [
        {"code": {"text": "systolic"}, "valueQuantity": {"value": 120}},
        {"code": {"text": "diastolic"}, "valueQuantity": {"value": 80}},
    ]


def test_summary_true_shares_untouched_subtrees(defs: FhirDefinitions) -> None:
    resource = observation()
    result = summary.summarize(resource, "true", defs)
    assert result["subject"] is resource["subject"]
    assert result["component"][1] is resource["component"][1]
    assert result["component"] is not resource["component"]


def test_summary_true_patient(defs: FhirDefinitions) -> None:
    result = summary.summarize(patient(), "true", defs)
    assert set(result) == {
        "resourceType",
        "id",
        "meta",
        "active",
        "name",
        "gender",
        "birthDate",
        "_birthDate",
        "deceasedDateTime",
        "link",
    }
    assert result["name"] == [{"family": "Wyman", "given": ["Alfreda"]}]
    assert result["link"] == patient()["link"]
    assert tags(result) == [{"system": "http://example.org/tags", "code": "demo"}, SUBSETTED]


def test_summary_true_medication_request_backbones(defs: FhirDefinitions) -> None:
    result = summary.summarize(medication_request(), "true", defs)
    assert set(result) == {
        "resourceType",
        "id",
        "meta",
        "status",
        "intent",
        "medicationCodeableConcept",
        "subject",
        "authoredOn",
    }


def test_summary_true_of_a_resource_already_a_summary_is_the_input(
    defs: FhirDefinitions,
) -> None:
    resource = {"resourceType": "Patient", "id": "p1", "meta": META, "gender": "male"}
    assert summary.summarize(resource, "true", defs) is resource


def test_summary_text(defs: FhirDefinitions) -> None:
    result = summary.summarize(observation(), "text", defs)
    assert list(result) == ["resourceType", "id", "meta", "text", "status", "_status", "code"]
    assert result["code"] == observation()["code"]  # mandatory elements come whole
    assert_subsetted_once(result)
    result = summary.summarize(medication_request(), "text", defs)
    assert set(result) == {
        "resourceType",
        "id",
        "meta",
        "status",
        "intent",
        "medicationCodeableConcept",  # medication[x] is mandatory: any of its variants
        "subject",
    }
    assert set(summary.summarize(patient(), "text", defs)) == {
        "resourceType",
        "id",
        "meta",
        "text",
    }


def test_summary_data(defs: FhirDefinitions) -> None:
    resource = patient()
    result = summary.summarize(resource, "data", defs)
    assert set(result) == set(resource) - {"text"}
    assert result["name"] is resource["name"]
    assert_subsetted_once(result)
    without_text = medication_request()
    assert summary.summarize(without_text, "data", defs) is without_text


@pytest.mark.parametrize("mode", ["true", "text", "data"])
def test_subsetted_tag_is_not_duplicated(mode: str, defs: FhirDefinitions) -> None:
    resource = patient()
    resource["meta"]["tag"].append(dict(SUBSETTED))
    result = summary.summarize(resource, mode, defs)
    assert_subsetted_once(result)
    assert result["meta"] is resource["meta"]
    # Applying a second subset keeps a single tag too.
    elements = summary.parse_elements("name", ["Patient"], defs)
    assert_subsetted_once(summary.select_elements(result, elements, defs))


def test_tag_is_added_when_meta_is_missing(defs: FhirDefinitions) -> None:
    resource = {"resourceType": "Patient", "id": "p1", "text": NARRATIVE}
    assert summary.summarize(resource, "data", defs) == {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"tag": [SUBSETTED]},
    }


# _elements


def test_parse_elements_normalises_to_qualified_names(defs: FhirDefinitions) -> None:
    assert summary.parse_elements(" code , value,Patient.name", ["Observation"], defs) == (
        "Observation.code",
        "Observation.value",
        "Patient.name",
        "Observation.id",
    )
    assert summary.parse_elements("gender", ["Patient", "Observation"], defs) == (
        "Patient.gender",
        "Patient.id",
        "Observation.id",
    )
    assert summary.parse_elements("status", [], defs) == ("status",)


@pytest.mark.parametrize(
    ("value", "types", "named"),
    [
        ("code,nonsense", ["Observation"], "nonsense"),
        ("gender", ["Observation"], "gender"),  # a Patient element, not an Observation one
        ("Patient.code", ["Observation"], "code"),
        ("name.given", ["Patient"], "name.given"),  # only top-level elements
        ("Nonsense.code", ["Observation"], "Nonsense.code"),
        ("valueFoo", ["Observation"], "valueFoo"),
        ("nonsense", [], "nonsense"),
        (" , ", ["Observation"], ""),
    ],
)
def test_unknown_elements_are_a_400(
    value: str, types: list[str], named: str, defs: FhirDefinitions
) -> None:
    with pytest.raises(FhirError) as caught:
        summary.parse_elements(value, types, defs)
    assert caught.value.status == 400
    issue = caught.value.issues[0]
    assert issue.expression == "_elements"
    assert f"'{named}'" in issue.diagnostics or not named


def test_select_elements_keeps_mandatory_and_modifier_elements(defs: FhirDefinitions) -> None:
    elements = summary.parse_elements("subject", ["Observation"], defs)
    result = summary.select_elements(observation(), elements, defs)
    assert list(result) == [
        "resourceType",
        "id",
        "meta",
        "modifierExtension",
        "status",
        "_status",
        "code",
        "subject",
    ]
    assert result["code"] == observation()["code"]  # top-level elements are kept whole
    assert_subsetted_once(result)
    result = summary.select_elements(patient(), summary.parse_elements("gender", [], defs), defs)
    # active, deceased[x] and link are modifiers of Patient
    assert set(result) == {
        "resourceType",
        "id",
        "meta",
        "active",
        "gender",
        "deceasedDateTime",
        "link",
    }


def test_select_elements_choice_by_base_name(defs: FhirDefinitions) -> None:
    resource = {
        **observation(),
        "valueQuantity": {"value": 1},
        "_valueString": {"extension": [EXTENSION]},
    }
    kept = set(
        summary.select_elements(
            resource, summary.parse_elements("value", ["Observation"], defs), defs
        )
    )
    assert {"valueQuantity", "_valueString"} <= kept
    assert "effectiveDateTime" not in kept
    kept = set(
        summary.select_elements(
            resource, summary.parse_elements("effective,valueString", ["Observation"], defs), defs
        )
    )
    assert {"effectiveDateTime", "_valueString"} <= kept
    assert "valueQuantity" not in kept
    kept = set(
        summary.select_elements(
            patient(), summary.parse_elements("deceased,multipleBirth", ["Patient"], defs), defs
        )
    )
    assert {"deceasedDateTime", "multipleBirthBoolean"} <= kept


def test_select_elements_applies_per_type(defs: FhirDefinitions) -> None:
    elements = summary.parse_elements("code,Patient.name", ["Observation"], defs)
    assert set(summary.select_elements(observation(), elements, defs)) == {
        "resourceType",
        "id",
        "meta",
        "modifierExtension",
        "status",
        "_status",
        "code",
    }
    assert set(summary.select_elements(patient(), elements, defs)) == {
        "resourceType",
        "id",
        "meta",
        "active",
        "name",
        "deceasedDateTime",
        "link",
    }
    # A type the selection does not mention (an _include of another type) is returned whole.
    request = medication_request()
    assert summary.select_elements(request, elements, defs) is request
    # A searched type none of whose names matched is still cut to its mandatory elements.
    elements = summary.parse_elements("gender", ["Patient", "MedicationRequest"], defs)
    assert set(summary.select_elements(request, elements, defs)) == {
        "resourceType",
        "id",
        "meta",
        "status",
        "intent",
        "medicationCodeableConcept",
        "subject",
    }


def test_select_elements_returns_a_complete_resource_as_is(defs: FhirDefinitions) -> None:
    resource = {"resourceType": "Observation", "id": "o1", "status": "final", "code": {}}
    elements = summary.parse_elements("status", ["Observation"], defs)
    assert summary.select_elements(resource, elements, defs) is resource


# Real data: never mutated, always a subset, tagged iff trimmed.


def synthea_resources() -> list[dict[str, Any]]:
    wanted = {"Patient", "Observation", "MedicationRequest", "ExplanationOfBenefit"}
    resources = []
    for path in SYNTHEA_BUNDLES:
        for entry in orjson.loads(path.read_bytes())["entry"]:
            if entry["resource"]["resourceType"] in wanted:
                resources.append(entry["resource"])
    return resources


@pytest.mark.skipif(not SYNTHEA_BUNDLES, reason=f"no Synthea bundles in {SYNTHEA_DIR}")
def test_synthea_every_mode_leaves_inputs_alone(defs: FhirDefinitions) -> None:
    resources = synthea_resources()
    originals = copy.deepcopy(resources)
    names = {"Patient": "name", "ExplanationOfBenefit": "patient,total"}
    selections = {
        name: summary.parse_elements(names.get(name, "subject"), [name], defs)
        for name in ("Observation", "Patient", "MedicationRequest", "ExplanationOfBenefit")
    }
    for resource in resources:
        results = [summary.summarize(resource, mode, defs) for mode in ("true", "text", "data")]
        results.append(
            summary.select_elements(resource, selections[resource["resourceType"]], defs)
        )
        assert summary.summarize(resource, "false", defs) is resource
        for result in results:
            assert result["resourceType"] == resource["resourceType"]
            assert result["id"] == resource["id"]
            assert set(result) - {"meta"} <= set(resource)
            if result is not resource:
                assert_subsetted_once(result)
    assert resources == originals


@pytest.mark.parametrize("make", [observation, patient, medication_request])
def test_inline_inputs_are_never_mutated(make: Any, defs: FhirDefinitions) -> None:
    resource = make()
    original = copy.deepcopy(resource)
    for mode in ("true", "text", "data", "false"):
        summary.summarize(resource, mode, defs)
    summary.select_elements(
        resource, summary.parse_elements("id", [resource["resourceType"]], defs), defs
    )
    assert resource == original
