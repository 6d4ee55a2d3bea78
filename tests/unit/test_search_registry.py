"""The search parameter registry: R4 definitions by type and code, custom SearchParameters."""

from __future__ import annotations

from typing import Any, cast

import pytest

from enlace.fhir.definitions import default_definitions_dir, load_definitions
from enlace.kernel.errors import FhirError
from enlace.search.registry import Component, Registry, _load_cached, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def custom(**overrides: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "SearchParameter",
        "url": "http://example.org/SearchParameter/patient-eye-colour",
        "name": "eye-colour",
        "status": "active",
        "code": "eye-colour",
        "base": ["Patient"],
        "type": "token",
        "expression": "Patient.extension('http://example.org/eye-colour').value",
    }
    resource.update(overrides)
    return {k: v for k, v in resource.items() if v is not None}


def test_loads_every_r4_definition(registry: Registry) -> None:
    assert len(registry) == 1378
    assert len(registry.params) == 1378


def test_loading_is_cached() -> None:
    load_definitions()
    _load_cached.cache_clear()
    first = load_registry()
    assert load_registry() is first
    assert load_registry(default_definitions_dir()) is first


def test_observation_code_is_the_shared_clinical_code(registry: Registry) -> None:
    param = registry.get("Observation", "code")
    assert param is not None
    assert param.type == "token"
    assert param.url == "http://hl7.org/fhir/SearchParameter/clinical-code"
    assert "Observation" in param.base and "Condition" in param.base
    assert param.expression is not None
    assert "Observation.code" in param.expression.split(" | ")
    assert param.xpath_usage == "normal"


def test_observation_subject_is_a_reference_with_targets(registry: Registry) -> None:
    param = registry.get("Observation", "subject")
    assert param is not None
    assert param.type == "reference"
    assert param.expression == "Observation.subject"
    assert set(param.target) == {"Group", "Device", "Patient", "Location"}


def test_value_quantity_is_a_quantity_and_code_value_quantity_a_composite(
    registry: Registry,
) -> None:
    value = registry.get("Observation", "value-quantity")
    assert value is not None
    assert value.type == "quantity"
    assert (
        value.expression == "(Observation.value as Quantity) | (Observation.value as SampledData)"
    )
    assert "ap" in value.comparators and "sa" in value.comparators
    composite = registry.get("Observation", "code-value-quantity")
    assert composite is not None
    assert composite.type == "composite"
    assert composite.expression == "Observation"
    assert composite.multiple_or is False
    assert composite.components == (
        Component("http://hl7.org/fhir/SearchParameter/clinical-code", "code"),
        Component(
            "http://hl7.org/fhir/SearchParameter/Observation-value-quantity", "value.as(Quantity)"
        ),
    )
    assert registry.by_url(composite.components[1].definition) is value


def test_patient_birthdate(registry: Registry) -> None:
    param = registry.get("Patient", "birthdate")
    assert param is not None
    assert param.type == "date"
    assert param.base == ("Patient", "Person", "RelatedPerson")
    assert param.expression == "Patient.birthDate | Person.birthDate | RelatedPerson.birthDate"


def test_resource_parameters_apply_to_every_type(registry: Registry) -> None:
    for resource_type in ("Patient", "Bundle", "Binary", "Observation"):
        id_param = registry.get(resource_type, "_id")
        assert id_param is not None and id_param.expression == "Resource.id"
        updated = registry.get(resource_type, "_lastUpdated")
        assert updated is not None and updated.expression == "Resource.meta.lastUpdated"
        assert updated.type == "date"
    assert set(registry.for_type("Patient")) >= {"_id", "_lastUpdated", "_tag", "_profile", "_text"}


def test_domain_resource_parameters_skip_bundle_binary_parameters(registry: Registry) -> None:
    assert registry.get("Patient", "_text") is not None
    for resource_type in ("Bundle", "Binary", "Parameters"):
        assert registry.get(resource_type, "_text") is None
        assert registry.get(resource_type, "_id") is not None


def test_unknown_lookups_are_empty(registry: Registry) -> None:
    assert registry.get("Patient", "no-such-param") is None
    assert registry.get("NoSuchType", "_id") is None
    assert dict(registry.for_type("NoSuchType")) == {}
    assert registry.by_url("http://example.org/none") is None


def test_lookups_are_read_only(registry: Registry) -> None:
    params = registry.for_type("Patient")
    with pytest.raises(TypeError):
        cast(Any, params)["x"] = params["_id"]
    param = params["_id"]
    with pytest.raises(AttributeError):
        cast(Any, param).code = "changed"


def test_custom_parameter_is_added_to_a_new_registry(registry: Registry) -> None:
    extended = registry.with_custom(custom())
    param = extended.get("Patient", "eye-colour")
    assert param is not None
    assert param.type == "token"
    assert param.expression == "Patient.extension('http://example.org/eye-colour').value"
    assert param.name == "eye-colour"
    assert extended.by_url("http://example.org/SearchParameter/patient-eye-colour") is param
    assert registry.get("Patient", "eye-colour") is None
    assert len(extended) == len(registry) + 1
    assert extended.get("Observation", "code") == registry.get("Observation", "code")


def test_custom_parameter_replaces_same_url_and_code(registry: Registry) -> None:
    first = registry.with_custom(custom())
    second = first.with_custom(
        custom(expression="Patient.extension('http://example.org/eyes').value")
    )
    assert len(second) == len(first)
    param = second.get("Patient", "eye-colour")
    assert (
        param is not None
        and param.expression == "Patient.extension('http://example.org/eyes').value"
    )
    override = registry.with_custom(
        custom(
            url="http://example.org/SearchParameter/gender",
            code="gender",
            expression="Patient.gender",
        )
    )
    gender = override.get("Patient", "gender")
    assert gender is not None and gender.url == "http://example.org/SearchParameter/gender"
    person_gender = override.get("Person", "gender")
    assert person_gender is not None and person_gender.url.startswith("http://hl7.org/")


def test_custom_parameter_on_resource_applies_everywhere(registry: Registry) -> None:
    extended = registry.with_custom(
        custom(
            code="_source-host", base=["Resource"], type="uri", expression="Resource.meta.source"
        )
    )
    assert extended.get("Bundle", "_source-host") is not None
    assert extended.get("Patient", "_source-host") is not None


def test_custom_composite_keeps_components(registry: Registry) -> None:
    component = [
        {"definition": "http://hl7.org/fhir/SearchParameter/clinical-code", "expression": "code"},
        {
            "definition": "http://hl7.org/fhir/SearchParameter/Observation-value-quantity",
            "expression": "value",
        },
    ]
    extended = registry.with_custom(
        custom(
            code="cv",
            base=["Observation"],
            type="composite",
            expression="Observation",
            component=component,
        )
    )
    param = extended.get("Observation", "cv")
    assert param is not None
    assert [c.expression for c in param.components] == ["code", "value"]


@pytest.mark.parametrize(
    ("overrides", "issue_code", "expression"),
    [
        ({"url": None}, "required", "SearchParameter.url"),
        ({"code": ""}, "required", "SearchParameter.code"),
        ({"type": None}, "required", "SearchParameter.type"),
        ({"expression": None}, "required", "SearchParameter.expression"),
        ({"base": None}, "required", "SearchParameter.base"),
        ({"base": []}, "required", "SearchParameter.base"),
        ({"type": "fuzzy"}, "value", "SearchParameter.type"),
        ({"base": ["Patient", "Martian"]}, "value", "SearchParameter.base[1]"),
        ({"base": "Patient"}, "invalid", "SearchParameter.base"),
        ({"code": 7}, "invalid", "SearchParameter.code"),
        ({"target": "Patient"}, "invalid", "SearchParameter.target"),
        ({"resourceType": "Patient"}, "invalid", "resourceType"),
        ({"expression": "Patient.name.where("}, "invalid", "SearchParameter.expression"),
        (
            {
                "type": "composite",
                "component": [
                    {"definition": "http://x", "expression": "code"},
                    {"definition": "http://y", "expression": "a..b"},
                ],
            },
            "invalid",
            "SearchParameter.component[1].expression",
        ),
        (
            {"type": "composite", "component": [{"definition": "http://x"}]},
            "required",
            "SearchParameter.component[0]",
        ),
    ],
)
def test_bad_custom_parameters_are_refused(
    registry: Registry, overrides: dict[str, Any], issue_code: str, expression: str
) -> None:
    with pytest.raises(FhirError) as caught:
        registry.with_custom(custom(**overrides))
    error = caught.value
    assert error.status == 400
    assert len(error.issues) == 1
    assert error.issues[0].code == issue_code
    assert error.issues[0].expression == expression
    assert error.outcome()["issue"][0]["expression"] == [expression]


def test_every_concrete_type_has_parameters(registry: Registry) -> None:
    resource_types = load_definitions().resource_types
    assert registry.resource_types == resource_types
    assert all(registry.for_type(t) for t in resource_types)
    assert len(registry.for_type("Observation")) == 47
