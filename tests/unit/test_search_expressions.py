"""Compiled search parameter expressions, on real Synthea resources and on small hand-written ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enlace.search.expression_parser import ParseError, parse
from enlace.search.expressions import (
    Compiled,
    compile_expression,
    compile_param,
    compile_type,
    coverage,
)
from enlace.search.registry import Registry, load_registry

SYNTHEA = Path(__file__).resolve().parents[3] / "shared" / "data" / "synthea-r4"
BUNDLE = SYNTHEA / "Alfreda_Wyman_3287b938-4670-47eb-91e5-e0ce3df71405.json"

PATIENT = "6d23a95e-7e18-4201-90ec-9501fa89fbd2"
PRACTITIONER = "0e99785d-8f2a-45c7-848c-d6b31d1aa50e"
HEIGHT = "3fa713e8-053f-4e1e-b638-d610ab1f0dca"
BLOOD_PRESSURE = "14727027-c591-4465-9cea-5c60ac12478a"
SMOKING = "671c463f-c86f-4666-baeb-f3c5690cb597"
CONDITION = "2d2ce513-15cf-4e0c-bb31-cee488e136ab"
MEDICATION_REQUEST = "f3a4fea5-5cb1-46a8-bc8e-cdabc83d4c5a"
ENCOUNTER = "62aa6038-f0c1-44f3-96f3-8cc64b3be710"
CLAIM = "e1d7389c-8da2-4a72-a3fe-8defbfd7846d"
EOB = "1c5252cf-c0e8-4661-a2df-ad19dfe0a4e9"

PATIENT_REF = {"reference": f"Patient/{PATIENT}"}
PRACTITIONER_REF = {"reference": f"Practitioner/{PRACTITIONER}"}
LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def synthea() -> dict[str, dict[str, Any]]:
    """The bundle's resources by id, `urn:uuid:` references rewritten to `Type/id` as on import."""
    if not BUNDLE.is_file():
        pytest.skip(f"Synthea data not found at {BUNDLE}")
    bundle = json.loads(BUNDLE.read_text())
    text = json.dumps([entry["resource"] for entry in bundle["entry"]])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        text = text.replace(
            f'"{entry["fullUrl"]}"', f'"{resource["resourceType"]}/{resource["id"]}"'
        )
    return {resource["id"]: resource for resource in json.loads(text)}


def param_values(registry: Registry, resource: dict[str, Any], code: str) -> list[Any]:
    param = registry.get(resource["resourceType"], code)
    assert param is not None, code
    compiled = compile_param(param, resource["resourceType"])
    assert compiled.supported, compiled.reason
    return compiled.extract(resource)


def coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


HEIGHT_QUANTITY = {
    "value": 164.28633591091844,
    "unit": "cm",
    "system": "http://unitsofmeasure.org",
    "code": "cm",
}
DIASTOLIC = {
    "coding": [coding(LOINC, "8462-4", "Diastolic Blood Pressure")],
    "text": "Diastolic Blood Pressure",
}
SYSTOLIC = {
    "coding": [coding(LOINC, "8480-6", "Systolic Blood Pressure")],
    "text": "Systolic Blood Pressure",
}
BP_CODE = {"coding": [coding(LOINC, "55284-4", "Blood Pressure")], "text": "Blood Pressure"}
HYPERTENSION = {
    "coding": [coding("http://snomed.info/sct", "38341003", "Hypertension")],
    "text": "Hypertension",
}
MMHG = {"unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}

SYNTHEA_CASES = [
    (HEIGHT, "code", [{"coding": [coding(LOINC, "8302-2", "Body Height")], "text": "Body Height"}]),
    (HEIGHT, "subject", [PATIENT_REF]),
    (HEIGHT, "patient", [PATIENT_REF]),
    (HEIGHT, "value-quantity", [HEIGHT_QUANTITY]),
    (HEIGHT, "value-concept", []),
    (HEIGHT, "date", ["2012-03-06T20:43:11+00:00"]),
    (HEIGHT, "status", ["final"]),
    (HEIGHT, "_id", [HEIGHT]),
    (HEIGHT, "_tag", [{"system": "https://smarthealthit.org/tags", "code": "synthea-5-2019"}]),
    (BLOOD_PRESSURE, "value-quantity", []),
    (BLOOD_PRESSURE, "component-code", [DIASTOLIC, SYSTOLIC]),
    (BLOOD_PRESSURE, "combo-code", [BP_CODE, DIASTOLIC, SYSTOLIC]),
    (
        BLOOD_PRESSURE,
        "component-value-quantity",
        [{"value": 101.23154500906487, **MMHG}, {"value": 185.9128867011653, **MMHG}],
    ),
    (
        SMOKING,
        "value-concept",
        [
            {
                "coding": [coding("http://snomed.info/sct", "266919005", "Never smoker")],
                "text": "Never smoker",
            }
        ],
    ),
    (SMOKING, "value-string", ["Never smoker"]),
    (PATIENT, "birthdate", ["1980-10-28"]),
    (PATIENT, "gender", ["female"]),
    (PATIENT, "address-city", ["Wilmington"]),
    (PATIENT, "address-state", ["Massachusetts"]),
    (PATIENT, "family", ["Wyman", "Deckow"]),
    (PATIENT, "phone", [{"system": "phone", "value": "555-397-1190", "use": "home"}]),
    (PATIENT, "email", []),
    (PATIENT, "deceased", [False]),
    (PATIENT, "_id", [PATIENT]),
    (CONDITION, "onset-date", ["1999-02-16T20:43:11+00:00"]),
    (CONDITION, "code", [HYPERTENSION]),
    (CONDITION, "patient", [PATIENT_REF]),
    (CONDITION, "encounter", [{"reference": f"Encounter/{ENCOUNTER}"}]),
    (
        MEDICATION_REQUEST,
        "code",
        [
            {
                "coding": [
                    coding(
                        "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "316049",
                        "Hydrochlorothiazide 25 MG",
                    )
                ],
                "text": "Hydrochlorothiazide 25 MG",
            }
        ],
    ),
    (MEDICATION_REQUEST, "medication", []),
    (MEDICATION_REQUEST, "authoredon", ["2000-02-22T20:43:11+00:00"]),
    (MEDICATION_REQUEST, "requester", [PRACTITIONER_REF]),
    (
        ENCOUNTER,
        "date",
        [{"start": "1999-02-16T20:43:11+00:00", "end": "1999-02-16T20:58:11+00:00"}],
    ),
    (ENCOUNTER, "practitioner", [PRACTITIONER_REF]),
    (ENCOUNTER, "participant", [PRACTITIONER_REF]),
    (ENCOUNTER, "patient", [PATIENT_REF]),
    (
        ENCOUNTER,
        "class",
        [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}],
    ),
    (CLAIM, "patient", [PATIENT_REF]),
    (CLAIM, "use", ["claim"]),
    (CLAIM, "created", ["1999-02-16T20:58:11+00:00"]),
    (CLAIM, "encounter", [{"reference": f"Encounter/{ENCOUNTER}"}]),
    (EOB, "patient", [PATIENT_REF]),
    (EOB, "claim", [{"reference": f"Claim/{CLAIM}"}]),
    (EOB, "coverage", [{"reference": "#coverage", "display": "private"}]),
    (EOB, "care-team", [PRACTITIONER_REF]),
    (EOB, "created", ["1999-02-16T20:58:11+00:00"]),
    (
        EOB,
        "identifier",
        [
            {"system": "https://bluebutton.cms.gov/resources/variables/clm_id", "value": CLAIM},
            {
                "system": "https://bluebutton.cms.gov/resources/identifier/claim-group",
                "value": "99999999999",
            },
        ],
    ),
]


@pytest.mark.parametrize(("resource_id", "code", "expected"), SYNTHEA_CASES)
def test_synthea_extraction(
    registry: Registry,
    synthea: dict[str, dict[str, Any]],
    resource_id: str,
    code: str,
    expected: list[Any],
) -> None:
    assert param_values(registry, synthea[resource_id], code) == expected


def test_patient_name_is_every_human_name(
    registry: Registry, synthea: dict[str, dict[str, Any]]
) -> None:
    names = param_values(registry, synthea[PATIENT], "name")
    assert [(n["use"], n["family"], n["given"]) for n in names] == [
        ("official", "Wyman", ["Alfreda"]),
        ("maiden", "Deckow", ["Alfreda"]),
    ]


def test_composite_components_apply_to_each_base_value(
    registry: Registry, synthea: dict[str, dict[str, Any]]
) -> None:
    param = registry.get("Observation", "combo-code-value-quantity")
    assert param is not None
    compiled = compile_param(param, "Observation")
    assert compiled.supported
    blood_pressure = synthea[BLOOD_PRESSURE]
    bases = compiled.extract(blood_pressure)
    assert bases == [blood_pressure, *blood_pressure["component"]]
    code, value = compiled.components
    assert code.definition == "http://hl7.org/fhir/SearchParameter/Observation-combo-code"
    pairs = [
        (code.extract(base, blood_pressure), value.extract(base, blood_pressure)) for base in bases
    ]
    assert pairs == [
        ([BP_CODE], []),
        ([DIASTOLIC], [{"value": 101.23154500906487, **MMHG}]),
        ([SYSTOLIC], [{"value": 185.9128867011653, **MMHG}]),
    ]


def test_code_value_quantity_on_a_height(
    registry: Registry, synthea: dict[str, dict[str, Any]]
) -> None:
    param = registry.get("Observation", "code-value-quantity")
    assert param is not None
    compiled = compile_param(param, "Observation")
    height = synthea[HEIGHT]
    assert compiled.extract(height) == [height]
    assert [c.extract(height, height) for c in compiled.components] == [
        [height["code"]],
        [HEIGHT_QUANTITY],
    ]


# Hand-written resources, one per shape.


def extract(expression: str, resource: dict[str, Any]) -> list[Any]:
    compiled = compile_expression(expression, resource["resourceType"])
    assert compiled.supported, compiled.reason
    return compiled.extract(resource)


QUANTITY = {"value": 7.2, "unit": "%"}
OBSERVATION = {
    "resourceType": "Observation",
    "valueQuantity": QUANTITY,
    "effectivePeriod": {"start": "2020-01-01"},
    "component": [
        {"code": {"text": "a"}, "valueString": "high"},
        {"code": {"text": "b"}, "valueBoolean": False},
        {"code": {"text": "c"}, "valueQuantity": {"value": 1}},
    ],
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Observation.value", [QUANTITY]),
        ("(Observation.value as Quantity)", [QUANTITY]),
        ("Observation.value.as(Quantity)", [QUANTITY]),
        ("Observation.value.ofType(Quantity)", [QUANTITY]),
        ("(Observation.value as string)", []),
        ("(Observation.value as CodeableConcept).text", []),
        ("Observation.effective.as(dateTime)", []),
        ("Observation.effective.as(Period)", [{"start": "2020-01-01"}]),
        ("(Observation.effective as Period).start", ["2020-01-01"]),
        ("Observation.component.value", ["high", False, {"value": 1}]),
        ("Observation.component.value.as(boolean)", [False]),
        (
            "(Observation.component.value as Quantity) | (Observation.component.value as string)",
            [{"value": 1}, "high"],
        ),
        ("Observation.component.code.text.first()", ["a"]),
        ("Observation.component.exists()", [True]),
        ("Observation.note.exists()", [False]),
        ("Observation.note.empty()", [True]),
        ("Observation.component.count()", [3]),
        ("Observation.component[1].code", [{"text": "b"}]),
        ("Observation.component.where(code.text = 'c').value", [{"value": 1}]),
        ("Observation.component.where(value.exists() and code.text != 'a').code.text", ["b", "c"]),
        ("Condition.code | Observation.code | Observation.valueQuantity", [QUANTITY]),
        (
            "Observation.component[0].code | Condition.code | Observation.component[2].code | Observation.effective",
            [{"text": "a"}, {"text": "c"}, {"start": "2020-01-01"}],
        ),
        ("Observation.component.where(value = 'high').code.text", ["a"]),
        ("Observation.component.where(value = false).code.text", ["b"]),
        ("Observation.component.code.text.where($this != 'b')", ["a", "c"]),
        ("Observation.component.where(code.text = 'b').exists()", [True]),
        ("Observation.component.exists(code.text = 'z')", [False]),
        ("Resource.id | DomainResource.text", []),
    ],
)
def test_shapes_on_an_observation(expression: str, expected: list[Any]) -> None:
    assert extract(expression, OBSERVATION) == expected


def test_where_resolve_is_keeps_references_to_that_type() -> None:
    provenance = {
        "resourceType": "Provenance",
        "target": [
            {"reference": "Patient/1"},
            {"reference": "Practitioner/2"},
            {"reference": "http://example.org/fhir/Patient/3/_history/2"},
            {"type": "Patient", "identifier": {"value": "4"}},
            {"reference": "urn:uuid:0b1c"},
            {"reference": "PatientX/5"},
            {"type": "http://hl7.org/fhir/StructureDefinition/Patient", "display": "typed by url"},
            {"reference": "#contained"},
            {"display": "no reference"},
        ],
    }
    assert extract("Provenance.target.where(resolve() is Patient)", provenance) == [
        {"reference": "Patient/1"},
        {"reference": "http://example.org/fhir/Patient/3/_history/2"},
        {"type": "Patient", "identifier": {"value": "4"}},
        {"type": "http://hl7.org/fhir/StructureDefinition/Patient", "display": "typed by url"},
    ]
    assert extract("Provenance.target.where(resolve() is Practitioner)", provenance) == [
        {"reference": "Practitioner/2"}
    ]


def test_where_system_equality() -> None:
    patient = {
        "resourceType": "Patient",
        "telecom": [
            {"system": "phone", "value": "555"},
            {"system": "email", "value": "a@example.org"},
            {"value": "no system"},
        ],
    }
    assert extract("Patient.telecom.where(system='email')", patient) == [
        {"system": "email", "value": "a@example.org"}
    ]
    # FHIRPath: comparing an absent system gives empty, which where() treats as false.
    assert extract("Patient.telecom.where(system != 'email').value", patient) == ["555"]


EYE = "http://example.org/eye-colour"
EXTENDED_PATIENT = {
    "resourceType": "Patient",
    "extension": [
        {"url": EYE, "valueCodeableConcept": {"text": "green"}},
        {"url": "http://example.org/other", "valueString": "x"},
    ],
    "name": [{"given": ["Ana", None], "_given": [None, {"extension": []}]}],
    "deceasedBoolean": True,
    "active": True,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"Patient.extension('{EYE}')", [EXTENDED_PATIENT["extension"][0]]),  # type: ignore[index]
        (f"Patient.extension('{EYE}').value", [{"text": "green"}]),
        (f"Patient.extension.where(url='{EYE}').value.as(CodeableConcept).text", ["green"]),
        ("Patient.extension('http://example.org/other').value.ofType(string)", ["x"]),
        ("Patient.name.given", ["Ana"]),
        ("Patient.active.not()", [False]),
        ("Patient.deceased.exists() and Patient.deceased != false", [True]),
        ("%resource.active", [True]),
    ],
)
def test_extensions_and_functions_on_a_patient(expression: str, expected: list[Any]) -> None:
    assert extract(expression, EXTENDED_PATIENT) == expected


@pytest.mark.parametrize(
    ("deceased", "expected"),
    [
        ({}, [False]),
        ({"deceasedBoolean": False}, [False]),
        ({"deceasedDateTime": "2020-02-02"}, [True]),
    ],
)
def test_deceased_expression(
    registry: Registry, deceased: dict[str, Any], expected: list[Any]
) -> None:
    assert param_values(registry, {"resourceType": "Patient", **deceased}, "deceased") == expected


def test_bundle_first_entry_and_untyped_branches(registry: Registry) -> None:
    composition = {"resourceType": "Composition", "id": "c1", "title": "t", "status": "final"}
    bundle = {
        "resourceType": "Bundle",
        "type": "document",
        "entry": [{"resource": composition}, {"resource": {}}],
    }
    assert param_values(registry, bundle, "composition") == [composition]
    assert extract("Bundle.entry[0].resource.title", bundle) == ["t"]
    plan = {"resourceType": "InsurancePlan", "name": "Gold", "alias": ["G", "Au"]}
    assert param_values(registry, plan, "name") == ["Gold", "G", "Au"]


@pytest.mark.parametrize(
    ("expression", "resource_type", "reason"),
    [
        ("Observation.subject.resolve()", "Observation", "resolve()"),
        ("Observation.value + 1", "Observation", "operator '+'"),
        ("Observation.nothing", "Observation", "no element 'nothing' on Observation"),
        ("Observation.code.(", "Observation", "syntax"),
        ("Condition.code | Procedure.code", "Observation", "no branch for Observation"),
        ("Observation.code", "Martian", "unknown resource type Martian"),
        ("Observation.code is CodeableConcept", "Observation", "'is'"),
    ],
)
def test_unsupported_shapes_say_why(expression: str, resource_type: str, reason: str) -> None:
    compiled = compile_expression(expression, resource_type)
    assert isinstance(compiled, Compiled)
    assert compiled.supported is False
    assert compiled.reason is not None and reason in compiled.reason
    assert compiled.extract({"resourceType": resource_type, "code": {"text": "x"}}) == []


def test_result_types_follow_the_definitions() -> None:
    assert compile_expression("(Observation.value as Quantity)", "Observation").result_types == {
        "Quantity"
    }
    assert compile_expression("Observation.effective", "Observation").result_types == {
        "dateTime",
        "Period",
        "Timing",
        "instant",
    }
    assert compile_expression("Bundle.entry.resource", "Bundle").result_types is None


def test_parser_precedence_and_errors() -> None:
    tree = parse("Observation.value as Quantity | Observation.value as SampledData")
    assert type(tree).__name__ == "Binary" and getattr(tree, "op", None) == "|"
    with pytest.raises(ParseError):
        parse("Observation..code")
    with pytest.raises(ParseError):
        parse("Observation.code)")


def test_custom_parameter_compiles(registry: Registry) -> None:
    extended = registry.with_custom(
        {
            "resourceType": "SearchParameter",
            "url": "http://example.org/SearchParameter/eye-colour",
            "code": "eye-colour",
            "base": ["Patient"],
            "type": "token",
            "expression": f"Patient.extension('{EYE}').value",
        }
    )
    compiled = compile_type(extended, "Patient")["eye-colour"]
    assert compiled.extract(EXTENDED_PATIENT) == [{"text": "green"}]


def test_coverage_of_the_r4_parameters(registry: Registry) -> None:
    compiled, total, unsupported = coverage(registry)
    assert (compiled, total, unsupported) == (2575, 2575, [])


def test_composite_component_from_resource_variable(registry: Registry) -> None:
    param = registry.get("MolecularSequence", "chromosome-variant-coordinate")
    assert param is not None
    compiled = compile_param(param, "MolecularSequence")
    assert compiled.supported, compiled.reason
    sequence = {
        "resourceType": "MolecularSequence",
        "coordinateSystem": 0,
        "referenceSeq": {"chromosome": {"text": "1"}},
        "variant": [{"start": 10, "end": 12}, {"start": 20}],
    }
    variants = compiled.extract(sequence)
    assert variants == sequence["variant"]
    rows = [[c.extract(v, sequence) for c in compiled.components] for v in variants]
    assert rows == [[[{"text": "1"}], [10], [12]], [[{"text": "1"}], [20], []]]


def test_compile_type_leaves_out_special_and_empty(registry: Registry) -> None:
    location = compile_type(registry, "Location")
    assert "near" not in location and "_text" not in location
    assert "address-city" in location
    patient = compile_type(registry, "Patient")
    assert set(patient) >= {
        "_id",
        "_lastUpdated",
        "name",
        "birthdate",
        "deceased",
        "general-practitioner",
    }
