"""Compiles the official R4 StructureDefinitions into the tables of `enlace.fhir.definitions`.

Run once per source change (the result is pickled). Reads `snapshot.element` of every resource and
complex datatype, and the `regex` of every primitive type. The sources are Medplum's packaging of the
HL7 core definitions, which adds a few non-R4 StructureDefinitions (e.g. SubscriptionStatus 4.3.0);
only those declaring fhirVersion 4.0.1 are compiled.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from enlace.fhir.definitions import (
    COMPLEX,
    PRIMITIVE,
    RESOURCE,
    CompiledTables,
    ElementSpec,
    RequiredBinding,
    RequiredElement,
    Structure,
)
from enlace.fhir.primitives import PrimitiveType, json_kind_of_type
from enlace.fhir.valuesets import ValueSetExpander, canonical_url

FHIR_VERSION = "4.0.1"
STRUCTURE_DEFINITION_URL = "http://hl7.org/fhir/StructureDefinition/"
_FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX_EXTENSION = "http://hl7.org/fhir/StructureDefinition/regex"
_FHIRPATH_SYSTEM_TYPE = "http://hl7.org/fhirpath/System."
_BINDABLE_TYPES = frozenset({"code", "Coding", "CodeableConcept"})
# Reference targets that mean "any resource".
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})


def compile_tables(source_dir: Path) -> CompiledTables:
    definitions = [
        *_bundle_resources(source_dir / "profiles-types.json"),
        *_bundle_resources(source_dir / "profiles-resources.json"),
    ]
    expander = ValueSetExpander(_bundle_resources(source_dir / "valuesets.json"))
    structure_definitions = [
        sd
        for sd in definitions
        if sd.get("resourceType") == "StructureDefinition"
        and sd.get("fhirVersion") == FHIR_VERSION
        and sd.get("kind") in ("primitive-type", "complex-type", "resource")
    ]
    primitive_types = {
        sd["id"]: _primitive_type(sd)
        for sd in structure_definitions
        if sd["kind"] == "primitive-type"
    }
    compiler = _StructureCompiler(primitive_types, expander)
    for sd in structure_definitions:
        if sd["kind"] != "primitive-type":
            compiler.add(sd)
    resource_types = frozenset(
        sd["id"]
        for sd in structure_definitions
        if sd["kind"] == "resource" and not sd.get("abstract")
    )
    return CompiledTables(
        structures=compiler.structures,
        resource_types=resource_types,
        primitive_types=primitive_types,
        unchecked_value_sets=frozenset(compiler.unchecked_value_sets),
    )


def _bundle_resources(path: Path) -> list[dict[str, Any]]:
    bundle = orjson.loads(path.read_bytes())
    return [entry["resource"] for entry in bundle.get("entry", ())]


def _primitive_type(sd: dict[str, Any]) -> PrimitiveType:
    regex = None
    for element in sd["snapshot"]["element"]:
        if element["path"] == f"{sd['id']}.value":
            for type_ref in element.get("type", ()):
                regex = _extension_value(type_ref, _REGEX_EXTENSION, "valueString") or regex
    return PrimitiveType(sd["id"], json_kind_of_type(sd["id"]), regex)


def _extension_value(holder: dict[str, Any], url: str, value_key: str) -> Any:
    for extension in holder.get("extension", ()):
        if extension.get("url") == url:
            return extension.get(value_key)
    return None


class _StructureCompiler:
    def __init__(self, primitive_types: dict[str, PrimitiveType], expander: ValueSetExpander):
        self.primitive_types = primitive_types
        self.expander = expander
        self.structures: dict[str, Structure] = {}
        self.unchecked_value_sets: set[str] = set()
        self.bindings: dict[str, RequiredBinding] = {}

    def add(self, sd: dict[str, Any]) -> None:
        """Compiles one StructureDefinition: its root and each of its backbone elements."""
        elements = [e for e in sd["snapshot"]["element"] if ":" not in e.get("id", "")]  # no slices
        root_path = elements[0]["path"]
        # Constraint profiles (SimpleQuantity) keep the base type's paths; key them by their own name.
        rename = _path_renamer(root_path, sd["id"])
        parents = {e["path"].rpartition(".")[0] for e in elements[1:]}
        is_resource = sd["kind"] == "resource"
        owners: dict[str, Structure] = {}
        for element in elements:
            if element["path"] in parents:
                name = rename(element["path"])
                owners[element["path"]] = self.structures[name] = Structure(name, is_resource)
                is_resource = False  # only the root of a resource carries resourceType
        prohibited: dict[str, set[str]] = {}
        for element in elements[1:]:
            parent_path, _, name = element["path"].rpartition(".")
            if element["max"] == "0":
                prohibited.setdefault(parent_path, set()).add(name.removesuffix("[x]"))
                continue
            context = _ElementContext(
                element,
                rename,
                has_children=element["path"] in parents,
                is_resource_id=sd["kind"] == "resource" and element["path"] == f"{root_path}.id",
            )
            owners[parent_path].elements.update((s.name, s) for s in self._specs(context))
        for path, structure in owners.items():
            structure.required = _required_elements(structure)
            structure.prohibited = frozenset(prohibited.get(path, ()))

    def _specs(self, context: _ElementContext) -> Iterator[ElementSpec]:
        element = context.element
        name = element["path"].rpartition(".")[2]
        max_count = None if element["max"] == "*" else int(element["max"])
        common = {
            "path": context.rename(element["path"]),
            "min": element["min"],
            "max": max_count,
            "is_list": max_count is None or max_count > 1,
            "is_summary": bool(element.get("isSummary")),
            "is_modifier": bool(element.get("isModifier")),
        }
        if context.has_children:
            yield ElementSpec(name, kind=COMPLEX, type_name=common["path"], **common)
            return
        if "contentReference" in element:
            target = context.rename(element["contentReference"].removeprefix("#"))
            yield ElementSpec(name, kind=COMPLEX, type_name=target, **common)
            return
        base, is_choice = name.removesuffix("[x]"), name.endswith("[x]")
        for type_ref in element["type"]:
            type_name = self._type_name(type_ref, context)
            yield ElementSpec(
                base + _json_suffix(type_ref["code"]) if is_choice else name,
                kind=self._kind(type_name),
                type_name=type_name,
                choice=name if is_choice else None,
                binding=self._binding(element, type_name),
                target_types=_target_types(type_ref) if type_name == "Reference" else None,
                # R4 types the attribute-like elements with FHIRPath system types.
                extensible=context.is_resource_id
                or not type_ref["code"].startswith(_FHIRPATH_SYSTEM_TYPE),
                **common,
            )

    def _type_name(self, type_ref: dict[str, Any], context: _ElementContext) -> str:
        code: str = type_ref["code"]
        if code.startswith(_FHIRPATH_SYSTEM_TYPE):
            # R4 types id, Element.id and Extension.url as FHIRPath system types plus an extension.
            code = _extension_value(type_ref, _FHIR_TYPE_EXTENSION, "valueUrl") or code
        if context.is_resource_id:
            code = "id"  # Resource.id is an `id` (the R4 snapshot says System.String / string)
        for profile in type_ref.get("profile", ()):
            profile_name = profile.removeprefix(STRUCTURE_DEFINITION_URL)
            if profile_name in ("SimpleQuantity", "MoneyQuantity"):
                code = profile_name
        if code not in self.primitive_types and not code[:1].isupper():
            raise ValueError(f"Unresolved type {type_ref['code']!r} at {context.element['path']}")
        return code

    def _kind(self, type_name: str) -> int:
        if type_name in self.primitive_types:
            return PRIMITIVE
        return RESOURCE if type_name in ("Resource", "DomainResource") else COMPLEX

    def _binding(self, element: dict[str, Any], type_name: str) -> RequiredBinding | None:
        binding = element.get("binding")
        if not binding or binding.get("strength") != "required" or type_name not in _BINDABLE_TYPES:
            return None
        url = canonical_url(binding.get("valueSet", ""))
        codes = self.expander.expand(url) if url else None
        if codes is None:
            self.unchecked_value_sets.add(url or element["path"])
            return None
        # One object per value set, so the pickle stores each code set once.
        if url not in self.bindings:
            plain_codes = frozenset(sys.intern(code) for _, code in codes)
            self.bindings[url] = RequiredBinding(url, plain_codes, codes)
        return self.bindings[url]


@dataclass(frozen=True, slots=True)
class _ElementContext:
    """A snapshot element with what its compilation needs to know about its surroundings."""

    element: dict[str, Any]
    rename: Callable[[str], str]  # definition path -> structure key
    has_children: bool  # a backbone element: its children form a structure of their own
    is_resource_id: bool


def _path_renamer(root_path: str, name: str) -> Callable[[str], str]:
    if root_path == name:
        return lambda path: path
    return lambda path: name + path[len(root_path) :]


def _json_suffix(type_code: str) -> str:
    """valueString, valueCodeableConcept: the type name with its first letter capitalised."""
    return type_code[:1].upper() + type_code[1:]


def _target_types(type_ref: dict[str, Any]) -> frozenset[str] | None:
    targets = frozenset(
        profile.removeprefix(STRUCTURE_DEFINITION_URL)
        for profile in type_ref.get("targetProfile", ())
    )
    if not targets or targets & _ANY_RESOURCE or any("/" in target for target in targets):
        return None  # any resource, or targets named by profiles we do not know
    return targets


def _required_elements(structure: Structure) -> tuple[RequiredElement, ...]:
    names_by_element: dict[str, set[str]] = {}
    for spec in structure.elements.values():
        if spec.min >= 1:
            element = (spec.choice or spec.name).removesuffix("[x]")
            names = names_by_element.setdefault(element, set())
            names.add(spec.name)
            if spec.kind == PRIMITIVE and spec.extensible:
                names.add("_" + spec.name)  # a primitive may be present only as its extension
    return tuple(
        RequiredElement(name, frozenset(names)) for name, names in names_by_element.items()
    )
