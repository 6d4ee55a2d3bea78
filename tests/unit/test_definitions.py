"""The compiled R4 definitions: what the tables hold, and how the pickle cache behaves."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from enlace.fhir import compile_definitions, definitions
from enlace.fhir.definitions import (
    COMPLEX,
    PRIMITIVE,
    RESOURCE,
    SOURCE_FILES,
    FhirDefinitions,
    default_definitions_dir,
    load_definitions,
)


@pytest.fixture(scope="module")
def defs() -> FhirDefinitions:
    return load_definitions()


def test_resource_types_are_the_concrete_r4_ones(defs: FhirDefinitions) -> None:
    assert len(defs.resource_types) == 146
    assert {"Patient", "Observation", "Bundle", "Parameters", "Binary"} <= defs.resource_types
    assert defs.is_resource_type("MedicationRequest")
    for not_concrete_r4 in ("Resource", "DomainResource", "MetadataResource", "SubscriptionStatus"):
        assert not defs.is_resource_type(not_concrete_r4)


def test_element_specs(defs: FhirDefinitions) -> None:
    status = defs.element("Observation.status")
    assert status is not None
    assert (status.min, status.max, status.is_list, status.kind, status.type_name) == (
        1,
        1,
        False,
        PRIMITIVE,
        "code",
    )
    identifier = defs.element("Observation.identifier")
    assert identifier is not None
    assert (identifier.min, identifier.max, identifier.is_list) == (0, None, True)


def test_backbone_elements_are_structures(defs: FhirDefinitions) -> None:
    assert {"name", "gender", "organization"} <= defs.structures["Patient.contact"].elements.keys()
    method = defs.element("Bundle.entry.request.method")
    assert method is not None and method.min == 1
    contact = defs.element("Patient.contact")
    assert contact is not None and contact.structure is defs.structures["Patient.contact"]


def test_choice_elements_have_one_spec_per_json_name(defs: FhirDefinitions) -> None:
    observation = defs.structures["Observation"].elements
    value_names = {name for name, spec in observation.items() if spec.choice == "value[x]"}
    assert value_names == {
        "valueQuantity",
        "valueCodeableConcept",
        "valueString",
        "valueBoolean",
        "valueInteger",
        "valueRange",
        "valueRatio",
        "valueSampledData",
        "valueTime",
        "valueDateTime",
        "valuePeriod",
    }
    assert observation["valueQuantity"].type_name == "Quantity"
    assert observation["valueDateTime"].kind == PRIMITIVE
    assert observation["valueQuantity"].path == "Observation.value[x]"


def test_content_references_point_at_their_target(defs: FhirDefinitions) -> None:
    nested_item = defs.element("Questionnaire.item.item")
    assert (
        nested_item is not None and nested_item.structure is defs.structures["Questionnaire.item"]
    )
    entry_link = defs.element("Bundle.entry.link")
    assert entry_link is not None and entry_link.structure is defs.structures["Bundle.link"]


def test_resource_typed_elements(defs: FhirDefinitions) -> None:
    for path in (
        "Bundle.entry.resource",
        "DomainResource.contained",
        "Parameters.parameter.resource",
    ):
        spec = defs.element(path)
        assert spec is not None and spec.kind == RESOURCE, path


def test_ids_and_attributes(defs: FhirDefinitions) -> None:
    resource_id, element_id = defs.element("Patient.id"), defs.element("HumanName.id")
    url = defs.element("Extension.url")
    assert resource_id is not None and (resource_id.type_name, resource_id.extensible) == (
        "id",
        True,
    )
    assert element_id is not None and (element_id.type_name, element_id.extensible) == (
        "string",
        False,
    )
    assert url is not None and (url.type_name, url.extensible) == ("uri", False)


def test_quantity_profiles(defs: FhirDefinitions) -> None:
    dose = defs.element("Dosage.doseAndRate.doseQuantity")
    assert dose is not None and dose.type_name == "SimpleQuantity" and dose.kind == COMPLEX
    assert defs.structures["SimpleQuantity"].prohibited == frozenset({"comparator"})
    assert "comparator" in defs.structures["Quantity"].elements


def test_required_bindings_are_expanded(defs: FhirDefinitions) -> None:
    status = defs.element("Observation.status")
    assert status is not None and status.binding is not None
    assert status.binding.url == "http://hl7.org/fhir/ValueSet/observation-status"
    assert status.binding.codes == {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
    clinical = defs.element("Condition.clinicalStatus")
    assert clinical is not None and clinical.binding is not None
    system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    assert (system, "remission") in clinical.binding.system_codes
    # event-timing mixes a whole FHIR code system with listed v3 concepts.
    when = defs.element("Timing.repeat.when")
    assert when is not None and when.binding is not None
    assert {"MORN", "AC", "HS"} <= when.binding.codes


def test_unexpandable_value_sets_are_recorded_not_checked(defs: FhirDefinitions) -> None:
    assert {
        "http://hl7.org/fhir/ValueSet/mimetypes",
        "http://hl7.org/fhir/ValueSet/ucum-units",
        "http://hl7.org/fhir/ValueSet/currencies",
    } <= defs.unchecked_value_sets
    content_type = defs.element("Attachment.contentType")
    assert content_type is not None and content_type.binding is None
    # Only required bindings are enforced.
    marital = defs.element("Patient.maritalStatus")
    assert marital is not None and marital.binding is None


def test_reference_targets(defs: FhirDefinitions) -> None:
    subject = defs.element("Observation.subject")
    assert subject is not None
    assert subject.target_types == {"Patient", "Group", "Device", "Location"}
    focus = defs.element("Observation.focus")
    assert focus is not None and focus.target_types is None


def test_primitive_types_come_with_the_r4_regexes(defs: FhirDefinitions) -> None:
    types = defs.primitive_types
    assert types["id"].regex == r"[A-Za-z0-9\-\.]{1,64}"
    assert types["instant"].regex is not None and types["instant"].regex.endswith("14:00))")
    assert {name: t.json_kind for name, t in types.items() if t.json_kind != "string"} == {
        "boolean": "boolean",
        "integer": "number",
        "positiveInt": "number",
        "unsignedInt": "number",
        "decimal": "number",
    }
    assert set(defs.primitive_checks) == set(types)


# --- loading and the pickle cache ---------------------------------------------------------------


def test_load_definitions_is_cached_per_path(defs: FhirDefinitions) -> None:
    assert load_definitions() is defs
    assert load_definitions(default_definitions_dir()) is defs


def test_definitions_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(definitions.DEFINITIONS_ENV, "/somewhere/else")
    assert default_definitions_dir() == Path("/somewhere/else")
    monkeypatch.delenv(definitions.DEFINITIONS_ENV)
    assert (
        default_definitions_dir()
        == Path(definitions.__file__).resolve().parents[3] / ".cache/fhir-r4"
    )


def test_missing_definitions_explain_how_to_fetch_them(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"make install.*fetch-fhir-definitions\.sh"):
        load_definitions(tmp_path)


@pytest.fixture
def linked_sources(tmp_path: Path) -> Path:
    """A definitions folder of links to the real sources, so the test can own its pickle."""
    for name in SOURCE_FILES:
        (tmp_path / name).symlink_to(default_definitions_dir().resolve() / name)
    return tmp_path


def test_pickle_is_written_reused_and_rebuilt_when_stale(
    linked_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = definitions._compiled_tables(linked_sources)
    pickle_path = linked_sources / f"compiled-v{definitions.FORMAT_VERSION}.pickle"
    assert pickle_path.is_file()

    def must_not_compile(source_dir: Path) -> None:
        raise AssertionError("compiled although the pickle is fresh")

    monkeypatch.setattr(compile_definitions, "compile_tables", must_not_compile)
    reloaded = definitions._compiled_tables(linked_sources)
    assert reloaded.resource_types == compiled.resource_types
    monkeypatch.undo()

    # A cache written for other sources (another fingerprint) is ignored and replaced.
    with pickle_path.open("wb") as stream:
        pickle.dump(("another fingerprint", compiled), stream)
    calls: list[Path] = []
    real_compile = compile_definitions.compile_tables

    def counting_compile(source_dir: Path) -> definitions.CompiledTables:
        calls.append(source_dir)
        return real_compile(source_dir)

    monkeypatch.setattr(compile_definitions, "compile_tables", counting_compile)
    definitions._compiled_tables(linked_sources)
    assert calls == [linked_sources]

    # So is a corrupt one.
    pickle_path.write_bytes(b"not a pickle")
    definitions._compiled_tables(linked_sources)
    assert len(calls) == 2
    assert (
        definitions._read_pickle(pickle_path, definitions._fingerprint(linked_sources)) is not None
    )


def test_summary_and_modifier_flags(defs: FhirDefinitions) -> None:
    observation = defs.structures["Observation"].elements
    assert observation["status"].is_summary and observation["status"].is_modifier
    assert observation["code"].is_summary and not observation["code"].is_modifier
    assert not observation["category"].is_summary
    # Every JSON name of a choice element carries the flags of its value[x] definition.
    assert all(observation[name].is_summary for name in ("valueQuantity", "valueString"))
    patient = defs.structures["Patient"].elements
    assert patient["deceasedBoolean"].is_modifier and patient["deceasedDateTime"].is_modifier
    assert patient["link"].is_modifier and patient["link"].is_summary
    assert patient["modifierExtension"].is_modifier and not patient["modifierExtension"].is_summary
    assert not patient["text"].is_summary and not patient["extension"].is_summary
    assert defs.structures["Observation.component"].elements["code"].is_summary
    assert not defs.structures["Observation.component"].elements["interpretation"].is_summary
    assert defs.structures["Quantity"].elements["comparator"].is_modifier
    assert not any(spec.is_summary for spec in defs.structures["Extension"].elements.values())
