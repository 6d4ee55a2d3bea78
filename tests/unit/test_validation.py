"""FHIR R4 structural validation: real data passes, and each kind of problem is reported precisely."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from enlace.fhir.definitions import FhirDefinitions, load_definitions
from enlace.fhir.validation import validate_resource
from enlace.kernel.errors import Issue

SYNTHEA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "synthea-r4"
SYNTHEA_BUNDLES = sorted(SYNTHEA_DIR.glob("*.json"))[:3]

UUID = "6d23a95e-7e18-4201-90ec-9501fa89fbd2"


@pytest.fixture(scope="module")
def defs() -> FhirDefinitions:
    return load_definitions()


def problems(
    resource: object, defs: FhirDefinitions, **kwargs: Any
) -> list[tuple[str, str | None]]:
    return [(i.code, i.expression) for i in validate_resource(resource, defs, **kwargs)]


def only_issue(resource: object, defs: FhirDefinitions) -> Issue:
    issues = validate_resource(resource, defs)
    assert len(issues) == 1, issues
    return issues[0]


def patient(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", **elements}


def observation(**elements: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}]},
        **elements,
    }


# --- valid data -------------------------------------------------------------------------------


@pytest.mark.skipif(not SYNTHEA_BUNDLES, reason=f"no Synthea bundles in {SYNTHEA_DIR}")
@pytest.mark.parametrize("bundle_path", SYNTHEA_BUNDLES, ids=lambda p: p.name[:20])
def test_synthea_resources_are_valid(bundle_path: Path, defs: FhirDefinitions) -> None:
    bundle = orjson.loads(bundle_path.read_bytes())
    for entry in bundle["entry"]:
        assert validate_resource(entry["resource"], defs) == [], entry["fullUrl"]
    assert validate_resource(bundle, defs, expected_type="Bundle") == []


def test_minimal_resources_are_valid(defs: FhirDefinitions) -> None:
    assert validate_resource(patient(), defs) == []
    assert validate_resource(observation(), defs, expected_type="Observation") == []


def test_a_rich_valid_patient(defs: FhirDefinitions) -> None:
    resource = patient(
        meta={"versionId": "3", "lastUpdated": "2024-01-02T03:04:05.678Z"},
        text={"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Ana</div>'},
        name=[{"use": "official", "family": "Pérez", "given": ["Ana", None, "Luz"]}],
        _birthDate={"extension": [{"url": "http://example.org/x", "valueDateTime": "2024-02-29"}]},
        deceasedBoolean=False,
        telecom=[{"system": "phone", "value": "+52 55 1234 5678", "rank": 1}],
        contained=[{"resourceType": "Organization", "id": "org1", "name": "Clínica"}],
        managingOrganization={"reference": "#org1"},
    )
    resource["name"][0]["_given"] = [
        None,
        {"extension": [{"url": "http://e.org/a", "valueCode": "x"}]},
        None,
    ]
    assert validate_resource(resource, defs) == []


# --- resourceType -----------------------------------------------------------------------------


def test_resource_must_be_an_object(defs: FhirDefinitions) -> None:
    assert problems([patient()], defs) == [("invalid", None)]


def test_resource_type_is_required(defs: FhirDefinitions) -> None:
    assert problems({"id": "x"}, defs) == [("invalid", None)]


@pytest.mark.parametrize(
    "resource_type", ["Foo", "DomainResource", "Resource", "SubscriptionStatus"]
)
def test_resource_type_must_be_a_concrete_r4_type(
    resource_type: str, defs: FhirDefinitions
) -> None:
    issue = only_issue({"resourceType": resource_type}, defs)
    assert (issue.code, issue.diagnostics) == (
        "invalid",
        f"Unknown resource type '{resource_type}'",
    )


def test_resource_type_must_match_the_expected_one(defs: FhirDefinitions) -> None:
    issues = validate_resource(observation(), defs, expected_type="Patient")
    assert [(i.code, i.diagnostics) for i in issues] == [
        ("invalid", "resourceType 'Observation' does not match the expected 'Patient'")
    ]


# --- unknown elements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expression"),
    [
        (patient(foo=1), "Patient.foo"),
        (patient(name=[{"family": "A", "nickname": "B"}]), "Patient.name[0].nickname"),
        (patient(contact=[{"gender": "male", "age": 3}]), "Patient.contact[0].age"),
        (observation(valueFoo=1), "Observation.valueFoo"),
        (observation(value=1), "Observation.value"),
        (patient(_name=[{"id": "x"}]), "Patient._name"),
        (patient(name=[{"_id": {"id": "x"}, "family": "A"}]), "Patient.name[0]._id"),
        (patient(meta={"resourceType": "Meta"}), "Patient.meta.resourceType"),
        (patient(fhir_comments=["x"]), "Patient.fhir_comments"),
    ],
)
def test_unknown_elements(resource: dict[str, Any], expression: str, defs: FhirDefinitions) -> None:
    issue = only_issue(resource, defs)
    assert (issue.code, issue.expression) == ("structure", expression)
    assert issue.diagnostics == f"Unknown element '{expression.rsplit('.', 1)[1]}'"


def test_unknown_element_in_content_reference(defs: FhirDefinitions) -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [
            {"linkId": "1", "type": "group", "item": [{"linkId": "1.1", "type": "string", "x": 1}]}
        ],
    }
    assert problems(questionnaire, defs) == [("structure", "Questionnaire.item[0].item[0].x")]


def test_simple_quantity_forbids_comparator(defs: FhirDefinitions) -> None:
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "metformin"},
        "subject": {"reference": "Patient/1"},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 1, "comparator": "<"}}]}],
    }
    issue = only_issue(request, defs)
    assert issue.code == "structure"
    assert (
        issue.expression
        == "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.comparator"
    )
    assert issue.diagnostics == "Element 'comparator' is not allowed in SimpleQuantity"


# --- cardinality and JSON shape -----------------------------------------------------------------


def test_missing_required_element(defs: FhirDefinitions) -> None:
    resource = observation()
    del resource["status"]
    issue = only_issue(resource, defs)
    assert (issue.code, issue.expression) == ("required", "Observation.status")
    assert issue.diagnostics == "Missing required element 'status'"


def test_missing_required_element_in_backbone(defs: FhirDefinitions) -> None:
    resource = patient(link=[{"type": "seealso"}])
    assert problems(resource, defs) == [("required", "Patient.link[0].other")]


def test_missing_required_choice(defs: FhirDefinitions) -> None:
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order"}
    assert problems(request, defs) == [
        ("required", "MedicationRequest.medication"),
        ("required", "MedicationRequest.subject"),
    ]


def test_required_primitive_may_be_present_as_extension_only(defs: FhirDefinitions) -> None:
    resource = observation()
    del resource["status"]
    resource["_status"] = {
        "extension": [{"url": "http://example.org/why", "valueString": "unknown"}]
    }
    assert validate_resource(resource, defs) == []


@pytest.mark.parametrize(
    ("elements", "code", "expression"),
    [
        ({"gender": ["male"]}, "structure", "Patient.gender"),
        ({"name": {"family": "A"}}, "structure", "Patient.name"),
        ({"name": []}, "structure", "Patient.name"),
        ({"maritalStatus": {}}, "structure", "Patient.maritalStatus"),
        ({"name": [{}]}, "structure", "Patient.name[0]"),
        ({"name": [None]}, "structure", "Patient.name[0]"),
        ({"gender": None}, "structure", "Patient.gender"),
        ({"gender": ""}, "value", "Patient.gender"),
        ({"name": [{"given": [""]}]}, "value", "Patient.name[0].given[0]"),
        ({"name": [{"given": ["A", None]}]}, "structure", "Patient.name[0].given[1]"),
        ({"maritalStatus": "M"}, "structure", "Patient.maritalStatus"),
    ],
)
def test_json_shape(
    elements: dict[str, Any], code: str, expression: str, defs: FhirDefinitions
) -> None:
    assert problems(patient(**elements), defs) == [(code, expression)]


def test_max_count(defs: FhirDefinitions, monkeypatch: pytest.MonkeyPatch) -> None:
    # R4 itself only uses max 1 and *; a finite max > 1 (as profiles set) is still enforced.
    name = defs.element("Patient.name")
    assert name is not None
    monkeypatch.setattr(name, "max", 2)
    issue = only_issue(patient(name=[{"family": "A"}, {"family": "B"}, {"family": "C"}]), defs)
    assert (issue.code, issue.expression) == ("structure", "Patient.name")
    assert issue.diagnostics == "Element 'name' allows at most 2 items, found 3"


def test_one_variant_per_choice(defs: FhirDefinitions) -> None:
    issue = only_issue(patient(deceasedBoolean=True, deceasedDateTime="2020-01-01"), defs)
    assert (issue.code, issue.expression) == ("structure", "Patient.deceased")
    assert "'deceasedBoolean' and 'deceasedDateTime'" in issue.diagnostics


def test_one_variant_per_choice_counts_extension_only_variants(defs: FhirDefinitions) -> None:
    ext = {"extension": [{"url": "http://example.org/x", "valueBoolean": True}]}
    assert problems(patient(deceasedBoolean=True, _deceasedDateTime=ext), defs) == [
        ("structure", "Patient.deceased")
    ]
    assert problems(patient(deceasedBoolean=True, _deceasedBoolean=ext), defs) == []


# --- primitives ---------------------------------------------------------------------------------


VALID_PRIMITIVES = [
    ("Boolean", False),
    ("Integer", -2147483648),
    ("PositiveInt", 2147483647),
    ("UnsignedInt", 0),
    ("Decimal", 1),
    ("Decimal", -0.5e-3),
    ("String", " padded "),
    ("Markdown", "**a**\nb"),
    ("Code", "a b"),
    ("Id", "A-1.b"),
    ("Uri", "urn:isbn:0451450523"),
    ("Url", "https://example.org/a?b=c"),
    ("Canonical", "http://hl7.org/fhir/ValueSet/x|4.0.1"),
    ("Oid", "urn:oid:2.16.840.1.113883"),
    ("Uuid", f"urn:uuid:{UUID}"),
    ("Base64Binary", "aGVsbG8="),
    ("Date", "2024"),
    ("Date", "2024-02"),
    ("Date", "2024-02-29"),
    ("DateTime", "2024-02-29T23:59:60.123+14:00"),
    ("DateTime", "2024-12"),
    ("Instant", "2024-01-01T00:00:00Z"),
    ("Time", "23:59:59.5"),
]

INVALID_PRIMITIVES = [
    ("Boolean", "true"),
    ("Boolean", 1),
    ("Integer", 2147483648),
    ("Integer", 1.5),
    ("Integer", "1"),
    ("Integer", True),
    ("PositiveInt", 0),
    ("UnsignedInt", -1),
    ("Decimal", "1.0"),
    ("Decimal", False),
    ("String", 5),
    ("String", ""),
    ("Code", "a  b"),
    ("Code", " a"),
    ("Id", "a_b"),
    ("Id", "x" * 65),
    ("Uri", "has space"),
    ("Oid", "urn:oid:3.1"),
    ("Uuid", f"urn:uuid:{UUID.upper()}"),
    ("Base64Binary", "not base64!"),
    ("Date", "2023-02-29"),
    ("Date", "2024-04-31"),
    ("Date", "2024-13-01"),
    ("Date", "24-01-01"),
    ("Date", "2024-01-01T00:00:00Z"),
    ("DateTime", "2024-01-01T10:00:00"),
    ("DateTime", "2024-01-01T10:00Z"),
    ("DateTime", "2023-02-30T10:00:00Z"),
    ("Instant", "2024-01-01T10:00Z"),
    ("Instant", "2024-01-01T10:00:00"),
    ("Instant", "2024-01-01"),
    ("Time", "24:00:00"),
    ("Time", "10:00"),
    ("Date", {"value": "2024-01-01"}),
]


@pytest.mark.parametrize(("type_suffix", "value"), VALID_PRIMITIVES)
def test_valid_primitive(type_suffix: str, value: object, defs: FhirDefinitions) -> None:
    resource = patient(extension=[{"url": "http://example.org/x", f"value{type_suffix}": value}])
    assert validate_resource(resource, defs) == []


@pytest.mark.parametrize(("type_suffix", "value"), INVALID_PRIMITIVES)
def test_invalid_primitive(type_suffix: str, value: object, defs: FhirDefinitions) -> None:
    resource = patient(extension=[{"url": "http://example.org/x", f"value{type_suffix}": value}])
    assert problems(resource, defs) == [("value", f"Patient.extension[0].value{type_suffix}")]


def test_primitive_diagnostics(defs: FhirDefinitions) -> None:
    def diagnostics(**elements: Any) -> str:
        return only_issue(patient(**elements), defs).diagnostics

    assert (
        diagnostics(birthDate="2023-02-30")
        == "'2023-02-30' is not a valid date: 2023-02 has no day 30"
    )
    assert diagnostics(active="yes") == "Expected a JSON boolean for boolean, found string"
    assert diagnostics(multipleBirthInteger=2**31) == (
        "2147483648 is out of range for integer (-2147483648..2147483647)"
    )


def test_resource_id_must_be_an_id(defs: FhirDefinitions) -> None:
    issue = only_issue(patient(id="no spaces allowed"), defs)
    assert (issue.code, issue.expression) == ("value", "Patient.id")
    # Element.id, on the other hand, is a plain string.
    assert validate_resource(patient(name=[{"id": "any string at all", "family": "A"}]), defs) == []


# --- primitive extensions -----------------------------------------------------------------------


def test_primitive_extension_sibling_is_validated(defs: FhirDefinitions) -> None:
    resource = patient(
        birthDate="1980-01-01", _birthDate={"extension": [{"valueString": "x"}], "foo": 1}
    )
    assert problems(resource, defs) == [
        ("required", "Patient.birthDate.extension[0].url"),
        ("structure", "Patient.birthDate.foo"),
    ]


@pytest.mark.parametrize(
    ("name", "expression"),
    [
        ({"given": ["A"], "_given": [None, {"id": "x"}]}, "Patient.name[0].given"),
        ({"given": ["A"], "_given": {"id": "x"}}, "Patient.name[0]._given"),
        ({"given": ["A", "B"], "_given": [None, "x"]}, "Patient.name[0].given[1]"),
        ({"_given": [None]}, "Patient.name[0].given[0]"),
    ],
)
def test_primitive_extension_arrays(
    name: dict[str, Any], expression: str, defs: FhirDefinitions
) -> None:
    assert problems(patient(name=[name]), defs) == [("structure", expression)]


def test_single_primitive_extension_must_be_an_object(defs: FhirDefinitions) -> None:
    assert problems(patient(_birthDate=[{"id": "x"}]), defs) == [("structure", "Patient.birthDate")]


# --- meta, text, contained, nested resources ------------------------------------------------


def test_meta_and_narrative(defs: FhirDefinitions) -> None:
    resource = patient(
        meta={"lastUpdated": "2024-01-01T00:00Z", "versionId": "1"},
        text={"status": "made-up", "div": "<p>no div</p>"},
    )
    assert problems(resource, defs) == [
        ("value", "Patient.meta.lastUpdated"),
        ("code-invalid", "Patient.text.status"),
        ("value", "Patient.text.div"),
    ]


def test_narrative_needs_the_xhtml_namespace(defs: FhirDefinitions) -> None:
    resource = patient(text={"status": "generated", "div": "<div>Ana</div>"})
    assert problems(resource, defs) == [("value", "Patient.text.div")]


def test_contained_resources_are_validated(defs: FhirDefinitions) -> None:
    resource = patient(
        contained=[{"resourceType": "Observation", "id": "o1"}, {"resourceType": "Nope"}, "x"]
    )
    assert problems(resource, defs) == [
        ("required", "Patient.contained[0].status"),
        ("required", "Patient.contained[0].code"),
        ("invalid", "Patient.contained[1]"),
        ("structure", "Patient.contained[2]"),
    ]


def test_bundle_entries_are_validated_by_their_own_type(defs: FhirDefinitions) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": f"urn:uuid:{UUID}", "resource": patient(gender="f")},
            {
                "resource": observation(status="done"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    assert problems(bundle, defs) == [
        ("code-invalid", "Bundle.entry[0].resource.gender"),
        ("code-invalid", "Bundle.entry[1].resource.status"),
    ]


def test_parameters_resource_is_validated(defs: FhirDefinitions) -> None:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "r", "resource": patient(x=1)}],
    }
    assert problems(parameters, defs) == [("structure", "Parameters.parameter[0].resource.x")]


def test_deep_nesting_is_reported_not_raised(defs: FhirDefinitions) -> None:
    item: dict[str, Any] = {"linkId": "leaf", "type": "display"}
    for level in range(sys.getrecursionlimit()):
        item = {"linkId": str(level), "type": "group", "item": [item]}
    questionnaire = {"resourceType": "Questionnaire", "status": "active", "item": [item]}
    assert problems(questionnaire, defs) == [("too-costly", None)]


# --- extensions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "code", "expression"),
    [
        ({"valueString": "x"}, "required", "Patient.extension[0].url"),
        (
            {
                "url": "http://e.org/a",
                "valueString": "x",
                "extension": [{"url": "b", "valueCode": "c"}],
            },
            "structure",
            "Patient.extension[0]",
        ),
        ({"url": "http://e.org/a"}, "structure", "Patient.extension[0]"),
        (
            {"url": "http://e.org/a", "valueString": "x", "valueCode": "y"},
            "structure",
            "Patient.extension[0].value",
        ),
        (
            {"url": "http://e.org/a", "_url": {"id": "x"}, "valueCode": "y"},
            "structure",
            "Patient.extension[0]._url",
        ),
    ],
)
def test_extensions(
    extension: dict[str, Any], code: str, expression: str, defs: FhirDefinitions
) -> None:
    assert problems(patient(extension=[extension]), defs) == [(code, expression)]


def test_modifier_extensions_are_extensions(defs: FhirDefinitions) -> None:
    assert problems(patient(modifierExtension=[{"url": "http://e.org/a"}]), defs) == [
        ("structure", "Patient.modifierExtension[0]")
    ]


def test_nested_extensions_are_validated(defs: FhirDefinitions) -> None:
    extension = {"url": "http://e.org/race", "extension": [{"url": "text", "valueString": ""}]}
    assert problems(patient(extension=[extension]), defs) == [
        ("value", "Patient.extension[0].extension[0].valueString")
    ]


# --- required bindings --------------------------------------------------------------------------


def test_code_outside_required_value_set(defs: FhirDefinitions) -> None:
    issue = only_issue(observation(status="done"), defs)
    assert (issue.code, issue.expression) == ("code-invalid", "Observation.status")
    assert issue.diagnostics == (
        "Value 'done' is not in the required value set "
        "http://hl7.org/fhir/ValueSet/observation-status for Observation.status"
    )


def test_required_binding_inside_datatypes_and_arrays(defs: FhirDefinitions) -> None:
    resource = patient(
        name=[{"use": "nickname"}, {"use": "common"}],
        address=[{"use": "home", "type": "both"}],
    )
    assert problems(resource, defs) == [("code-invalid", "Patient.name[1].use")]
    timing = {"repeat": {"dayOfWeek": ["mon", "funday"]}}
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "x"},
        "subject": {"reference": "Patient/1"},
        "dosageInstruction": [{"timing": timing}],
    }
    assert problems(request, defs) == [
        ("code-invalid", "MedicationRequest.dosageInstruction[0].timing.repeat.dayOfWeek[1]")
    ]


def test_required_binding_on_codeable_concept(defs: FhirDefinitions) -> None:
    system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    condition = {"resourceType": "Condition", "subject": {"reference": "Patient/1"}}
    good = {
        "coding": [
            {"system": "http://other.org", "code": "x"},
            {"system": system, "code": "active"},
        ]
    }
    assert problems({**condition, "clinicalStatus": good}, defs) == []
    for bad in (
        {"coding": [{"system": system, "code": "dormant"}]},
        {"coding": [{"system": "http://other.org", "code": "active"}]},
        {"text": "active"},
    ):
        assert problems({**condition, "clinicalStatus": bad}, defs) == [
            ("code-invalid", "Condition.clinicalStatus")
        ]


def test_bindings_we_cannot_expand_are_not_checked(defs: FhirDefinitions) -> None:
    resource = patient(photo=[{"contentType": "image/x-anything", "data": "aGVsbG8="}])
    assert validate_resource(resource, defs) == []


# --- references ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/123",
        "Patient/a.b-C/_history/2",
        "http://example.org/fhir/Patient/1",
        "https://example.org/anything?x=1",
        f"urn:uuid:{UUID}",
        "urn:oid:1.2.840.10008",
        "#p1",
        "#",
        "Patient?identifier=http://hl7.org/fhir/sid/us-ssn|999-98-7415",
    ],
)
def test_valid_references(reference: str, defs: FhirDefinitions) -> None:
    assert validate_resource(observation(subject={"reference": reference}), defs) == []


@pytest.mark.parametrize(
    "reference",
    [
        "Foo/1",
        "Patient",
        "Patient/",
        "Patient/a b",
        "Patient/1/_history/",
        "Patient/1/extra",
        "patient 1",
        "urn:uuid:not-a-uuid",
        "urn:oid:9.9",
        "ftp://example.org/Patient/1",
        "#a b",
        "Patient?",
        "Medication/1",
        "Medication?code=x",
    ],
)
def test_invalid_references(reference: str, defs: FhirDefinitions) -> None:
    resource = observation(subject={"reference": reference})
    assert problems(resource, defs) == [("value", "Observation.subject.reference")]


def test_reference_target_diagnostics(defs: FhirDefinitions) -> None:
    issue = only_issue(observation(subject={"reference": "Medication/1"}), defs)
    assert issue.diagnostics == (
        "A reference to a Medication is not allowed here (allowed: Device, Group, Location, Patient)"
    )


def test_any_resource_reference_accepts_every_type(defs: FhirDefinitions) -> None:
    assert validate_resource(observation(focus=[{"reference": "Medication/1"}]), defs) == []


# --- every issue, every time ----------------------------------------------------------------


def test_patient_with_three_problems_reports_all_three(defs: FhirDefinitions) -> None:
    resource = patient(gender="mail", birthDate="1980-02-30", nickname="Ana")
    issues = validate_resource(resource, defs)
    assert sorted((i.code, i.expression) for i in issues) == [
        ("code-invalid", "Patient.gender"),
        ("structure", "Patient.nickname"),
        ("value", "Patient.birthDate"),
    ]


def _mutations(resource: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Copies of `resource`, each broken in one place: renamed keys, emptied or retyped values."""
    broken = []

    def visit(node: Any, path: tuple[Any, ...]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            here = (*path, key)
            if key != "resourceType":
                for label, make in (
                    (
                        "empty",
                        lambda v: "" if isinstance(v, str) else [] if isinstance(v, list) else {},
                    ),
                    ("retype", lambda v: 7 if isinstance(v, str) else "7"),
                ):
                    copy_ = copy.deepcopy(resource)
                    parent = copy_
                    for step in here[:-1]:
                        parent = parent[step]
                    parent[key] = make(value)
                    broken.append((f"{label} {here}", copy_))
            if isinstance(value, dict | list):
                visit(value, here)

    visit(resource, ())
    return broken


@pytest.mark.skipif(not SYNTHEA_BUNDLES, reason=f"no Synthea bundles in {SYNTHEA_DIR}")
def test_every_mutation_of_a_real_resource_is_caught(defs: FhirDefinitions) -> None:
    bundle = orjson.loads(SYNTHEA_BUNDLES[0].read_bytes())
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    for resource_type in ("Patient", "Observation", "Claim"):
        for label, broken in _mutations(resources[resource_type]):
            assert validate_resource(broken, defs), f"{resource_type}: {label} went unnoticed"
