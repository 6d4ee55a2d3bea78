"""Structural validation of FHIR R4 JSON resources against the official StructureDefinitions.

`validate_resource` walks the parsed JSON once against the compiled tables of
`enlace.fhir.definitions` and reports every problem it finds, each with an OperationOutcome issue code
and a FHIRPath location (`Patient.name[0].given[1]`):

- the resource is an object whose `resourceType` is a known concrete type (and the expected one);
- unknown elements, including wrong choice suffixes (`valueFoo`) and elements a profile forbids;
- cardinality: missing required elements, arrays vs single values, max counts, and the JSON rules
  that forbid empty arrays, empty objects, nulls and empty strings;
- at most one variant of each choice element `x[x]`;
- primitive values: JSON kind, the spec's regex, calendar dates, 32-bit integers; and the primitive
  extension siblings (`_birthDate`, `_given` aligned with `given`);
- contained resources and Resource-typed elements (Bundle.entry.resource) by their own resourceType;
- extensions: `url` plus either a value or nested extensions, not both (ext-1);
- required bindings on `code`, Coding and CodeableConcept whose value set could be expanded;
- `Reference.reference` syntax and, for `Type/id` references, the allowed target types.

Out of scope for now: the FHIRPath invariants of the StructureDefinitions (`constraint[].expression`,
other than ext-1 above) need a FHIRPath engine; profiles other than the core definitions (meta.profile
is not enforced); terminology beyond the value sets shipped with the spec; XHTML content of narratives
beyond the root <div> and its namespace.
"""

from __future__ import annotations

from typing import Any

from enlace.fhir.definitions import (
    COMPLEX,
    PRIMITIVE,
    ElementSpec,
    FhirDefinitions,
    Structure,
)
from enlace.fhir.primitives import describe, json_kind_of_value
from enlace.fhir.references import reference_problem
from enlace.kernel.errors import Issue

_EXTENSION_VALUE_PREFIXES = ("value", "_value")


def validate_resource(
    resource: object, definitions: FhirDefinitions, expected_type: str | None = None
) -> list[Issue]:
    """Every structural problem of a parsed FHIR JSON resource; an empty list means it is valid."""
    if not isinstance(resource, dict):
        kind = json_kind_of_value(resource)
        return [Issue("invalid", f"A resource must be a JSON object, found {kind}")]
    issues: list[Issue] = []
    resource_type = resource.get("resourceType")
    if (
        expected_type is not None
        and isinstance(resource_type, str)
        and resource_type != expected_type
    ):
        issues.append(
            Issue(
                "invalid",
                f"resourceType '{resource_type}' does not match the expected '{expected_type}'",
                resource_type,
            )
        )
    try:
        _Walker(definitions, issues).walk_resource(resource, None)
    except RecursionError:
        issues.append(Issue("too-costly", "The resource is nested too deeply to be validated"))
    return issues


class _Walker:
    """One validation: the tables it reads and the issues it collects."""

    __slots__ = ("checks", "element", "issues", "resource_types", "resources")

    def __init__(self, definitions: FhirDefinitions, issues: list[Issue]) -> None:
        self.checks = definitions.primitive_checks
        self.resources = definitions.resources
        self.resource_types = definitions.resource_types
        self.element = definitions.structures["Element"]  # the shape of `_x` primitive extensions
        self.issues = issues

    def add(self, code: str, diagnostics: str, expression: str | None) -> None:
        self.issues.append(Issue(code, diagnostics, expression))

    def walk_resource(self, resource: dict[str, Any], path: str | None) -> None:
        resource_type = resource.get("resourceType")
        if not isinstance(resource_type, str):
            self.add("invalid", "A resource needs a string 'resourceType'", path)
            return
        structure = self.resources.get(resource_type)
        if structure is None:
            self.add("invalid", f"Unknown resource type {describe(resource_type)}", path)
            return
        self.walk_object(resource, structure, path or resource_type)

    def walk_object(self, obj: dict[str, Any], structure: Structure, path: str) -> None:
        """Walks one JSON object. The hot loop: keep per-key work to a dict lookup and a few tests."""
        elements = structure.elements
        checks = self.checks
        chosen: dict[str, str] | None = None  # choice element -> the variant present
        for key, value in obj.items():
            spec = elements.get(key)
            if spec is None:
                spec = self.unmatched(obj, key, value, structure, path)
                # A lone `_valueString` is the valueString variant, present without a value.
                if spec is not None and spec.choice is not None and spec.name not in obj:
                    chosen = self.note_choice(chosen, spec, path)
                continue
            if spec.choice is not None:
                chosen = self.note_choice(chosen, spec, path)
            if value is None:
                self.add("structure", f"Element '{key}' must not be null", f"{path}.{key}")
            elif spec.is_list:
                if type(value) is list and value:
                    self.walk_array(obj, key, value, spec, path)
                else:
                    self.not_an_array(key, value, path)
            elif type(value) is list:
                self.add(
                    "structure",
                    f"Element '{key}' must be a single value, not an array",
                    f"{path}.{key}",
                )
            elif spec.kind == PRIMITIVE:
                # Inlined (the most frequent case); the element's path is only built for a problem.
                problem = checks[spec.type_name](value)
                if problem is not None:
                    self.add("value", problem, f"{path}.{key}")
                elif spec.binding is not None and value not in spec.binding.codes:
                    self.code_not_in_value_set(value, spec, f"{path}.{key}")
            elif spec.kind == COMPLEX:
                self.walk_complex(value, spec, f"{path}.{key}")
            else:
                self.walk_nested_resource(value, f"{path}.{key}")
        for required in structure.required:
            if obj.keys().isdisjoint(required.json_names):
                self.add(
                    "required",
                    f"Missing required element '{required.name}'",
                    f"{path}.{required.name}",
                )

    def walk_array(
        self, obj: dict[str, Any], key: str, values: list[Any], spec: ElementSpec, path: str
    ) -> None:
        if spec.max is not None and len(values) > spec.max:
            self.add(
                "structure",
                f"Element '{key}' allows at most {spec.max} items, found {len(values)}",
                f"{path}.{key}",
            )
        if spec.kind == PRIMITIVE:
            self.walk_primitive_array(obj, key, values, spec, path)
        elif spec.kind == COMPLEX:
            for index, item in enumerate(values):
                self.walk_complex(item, spec, f"{path}.{key}[{index}]")
        else:
            for index, item in enumerate(values):
                self.walk_nested_resource(item, f"{path}.{key}[{index}]")

    def walk_primitive_array(
        self, obj: dict[str, Any], key: str, values: list[Any], spec: ElementSpec, path: str
    ) -> None:
        check = self.checks[spec.type_name]
        binding = spec.binding
        for index, item in enumerate(values):
            if item is None:
                # null keeps arrays aligned when only `_key[index]` carries content (an extension).
                extensions = obj.get("_" + key)
                if not (
                    isinstance(extensions, list) and index < len(extensions) and extensions[index]
                ):
                    self.add(
                        "structure",
                        f"null in '{key}' needs a matching extension in '_{key}'",
                        f"{path}.{key}[{index}]",
                    )
                continue
            problem = check(item)
            if problem is not None:
                self.add("value", problem, f"{path}.{key}[{index}]")
            elif binding is not None and item not in binding.codes:
                self.code_not_in_value_set(item, spec, f"{path}.{key}[{index}]")

    def walk_complex(self, value: object, spec: ElementSpec, path: str) -> None:
        if type(value) is not dict or not value:
            self.not_an_object(value, path)
            return
        structure = spec.structure
        assert structure is not None  # linked for every COMPLEX spec by FhirDefinitions
        self.walk_object(value, structure, path)
        name = structure.name
        if name == "Reference":
            self.reference(value, spec, path)
        elif name == "Extension":
            self.extension(value, path)
        if spec.binding is not None:
            self.coded_binding(value, spec, name, path)

    def walk_nested_resource(self, value: object, path: str) -> None:
        if type(value) is not dict or not value:
            self.not_an_object(value, path)
        else:
            self.walk_resource(value, path)

    def unmatched(
        self, obj: dict[str, Any], key: str, value: object, structure: Structure, path: str
    ) -> ElementSpec | None:
        """A key with no spec of its own: resourceType, a `_primitive` extension, or an error."""
        if key == "resourceType" and structure.is_resource:
            return None
        if type(key) is not str:  # only dicts built in code can get here
            self.add("structure", f"Unknown element {key!r}", path)
            return None
        if key[:1] == "_":
            spec = structure.elements.get(key[1:])
            if spec is not None and spec.kind == PRIMITIVE and spec.extensible:
                self.walk_primitive_extension(obj, spec, value, path)
                return spec
        if key in structure.prohibited:
            self.add(
                "structure", f"Element '{key}' is not allowed in {structure.name}", f"{path}.{key}"
            )
        else:
            self.add("structure", f"Unknown element '{key}'", f"{path}.{key}")
        return None

    def walk_primitive_extension(
        self, obj: dict[str, Any], spec: ElementSpec, value: object, path: str
    ) -> None:
        """`_birthDate: {...}` or `_given: [null, {...}]`: the id/extension part of a primitive."""
        name, element_path = spec.name, f"{path}.{spec.name}"
        if not spec.is_list:
            self.walk_element_object(value, element_path)
            return
        if type(value) is not list or not value:
            self.not_an_array("_" + name, value, path)
            return
        values = obj.get(name)
        if isinstance(values, list) and len(values) != len(value):
            self.add(
                "structure",
                f"'_{name}' has {len(value)} items but '{name}' has {len(values)}; they must align",
                element_path,
            )
        for index, item in enumerate(value):
            if item is not None:
                self.walk_element_object(item, f"{element_path}[{index}]")
            elif not isinstance(values, list) or index >= len(values):
                self.add(
                    "structure",
                    f"null in '_{name}' has no matching value in '{name}'",
                    f"{element_path}[{index}]",
                )

    def walk_element_object(self, value: object, path: str) -> None:
        if type(value) is not dict or not value:
            self.not_an_object(value, path)
        else:
            self.walk_object(value, self.element, path)

    def note_choice(
        self, chosen: dict[str, str] | None, spec: ElementSpec, path: str
    ) -> dict[str, str]:
        choice, name = spec.choice, spec.name
        assert choice is not None
        if chosen is None:
            return {choice: name}
        other = chosen.setdefault(choice, name)
        if other != name:
            base = choice.removesuffix("[x]")
            self.add(
                "structure",
                f"Only one of the variants of '{choice}' is allowed, found '{other}' and '{name}'",
                f"{path}.{base}",
            )
        return chosen

    def reference(self, reference: dict[str, Any], spec: ElementSpec, path: str) -> None:
        target = reference.get("reference")
        if type(target) is str and target:
            problem = reference_problem(target, self.resource_types, spec.target_types)
            if problem is not None:
                self.add("value", problem, f"{path}.reference")

    def extension(self, extension: dict[str, Any], path: str) -> None:
        has_value = False
        for key in extension:
            if isinstance(key, str) and key.startswith(_EXTENSION_VALUE_PREFIXES):
                has_value = True
                break
        if has_value == ("extension" in extension):
            self.add(
                "structure",
                "An extension must have either a value[x] or nested extensions, not both (ext-1)"
                if has_value
                else "An extension must have a value[x] or nested extensions (ext-1)",
                path,
            )

    def coded_binding(
        self, value: dict[str, Any], spec: ElementSpec, type_name: str, path: str
    ) -> None:
        """A required binding on a Coding, or a CodeableConcept (one of whose codings must match)."""
        binding = spec.binding
        assert binding is not None
        codings = value.get("coding") if type_name == "CodeableConcept" else [value]
        for coding in codings if isinstance(codings, list) else ():
            if isinstance(coding, dict):
                system, code = coding.get("system"), coding.get("code")
                # Malformed members were reported by the walk; only strings can be looked up.
                if (
                    type(system) is str
                    and type(code) is str
                    and (system, code) in binding.system_codes
                ):
                    return
        self.add(
            "code-invalid",
            f"No coding is in the required value set {binding.url} for {spec.path}",
            path,
        )

    def code_not_in_value_set(self, value: object, spec: ElementSpec, path: str) -> None:
        binding = spec.binding
        assert binding is not None
        self.add(
            "code-invalid",
            f"Value '{value}' is not in the required value set {binding.url} for {spec.path}",
            path,
        )

    def not_an_array(self, key: str, value: object, path: str) -> None:
        if type(value) is list:
            self.add("structure", f"Empty arrays are not allowed ('{key}')", f"{path}.{key}")
        else:
            kind = json_kind_of_value(value)
            self.add(
                "structure", f"Element '{key}' must be an array, found {kind}", f"{path}.{key}"
            )

    def not_an_object(self, value: object, path: str) -> None:
        if type(value) is dict:
            self.add("structure", "Empty objects are not allowed", path)
        elif value is None:
            self.add("structure", "null is not allowed here", path)
        else:
            self.add("structure", f"Expected an object, found {json_kind_of_value(value)}", path)
