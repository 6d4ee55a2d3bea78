"""`_summary` and `_elements` (R4 search §3.1.1.5.8-9): subsets of a resource, as pure functions.

    parse_summary(value) -> mode               "true" | "text" | "data" | "count" | "false", else 400
    parse_elements(value, resource_types, definitions) -> selection    unknown element -> 400
    summarize(resource, mode, definitions) -> resource
    select_elements(resource, selection, definitions) -> resource

What the modes keep (flags from the R4 StructureDefinitions, `ElementSpec.is_summary`, `min`,
`is_modifier`):

- `true`: `resourceType`, `id`, `meta` (whole) and the elements marked isSummary, recursively: inside a
  kept complex datatype or backbone element only its isSummary children are kept; a datatype with no
  isSummary child at all (Extension, Narrative, Element) is kept whole. Decision: at every level the
  mandatory (min >= 1) and modifier (isModifier) elements are kept too, although R4 does not mark them
  all isSummary (`modifierExtension`, `Appointment.participant`, `AuditEvent.agent`): a summary must
  stay a valid resource and must not hide what changes the meaning of what it shows. Resource-typed
  elements (`Bundle.entry.resource`, `contained`) are kept whole when kept.
- `text`: `resourceType`, `id`, `meta`, `text` and the top-level mandatory elements, whole.
- `data`: everything but `text`.
- `false` (and `count`, which the engine answers without entries): the resource unchanged.

`_elements` keeps `resourceType`, `id`, `meta`, the named top-level elements (a choice element by its
base name: `value` keeps `valueQuantity` and the other variants; a concrete variant such as
`valueQuantity` keeps only that one), the top-level mandatory elements ("servers SHOULD always return
mandatory elements") and the modifier elements present (the spec asks clients to list them; we do not
drop them when clients forget). Primitive elements keep their `_x` extension sibling.

Decision on types (R4: "the list of elements does not apply to included resources"; R4B/R5 let a name
be qualified, `Patient.name`): `parse_elements` returns a normalised selection of `Type.element`
entries. An unqualified name applies to the searched types (`resource_types`) that define it, and must
exist in at least one of them; a qualified name applies to resources of that type only, searched or
included. A resource whose type the selection does not mention is returned whole, so included
resources are untouched unless the client qualified names for their type. Each searched type is always
mentioned (through `Type.id`, which is kept anyway), so a searched type without any of the names is
cut down to its mandatory elements. With no `resource_types` (a search across all types) unqualified
names stay bare, must exist in some type, and apply to every resource. An included resource of the
same type as a searched one cannot be told apart here: the caller should skip `select_elements` for
entries with search mode `include` if it wants R4's reading strictly.

Any resource actually trimmed gets the `SUBSETTED` tag (system
http://terminology.hl7.org/CodeSystem/v3-ObservationValue) in `meta.tag`, once. A resource from which
nothing had to be removed is returned as is (the same object, untagged: it is complete, so safe to
update from). Inputs are never mutated; new dicts and lists are built only along trimmed paths, and
untouched subtrees are shared with the input.

Cost, measured on the resources of the first 8 Synthea bundles (best of 7 passes per type, warm
tables, on the shared 2-core development host under load, so read them as upper bounds), per resource:

    mode                 Observation   Patient   ExplanationOfBenefit   (orjson.loads of its bytes)
    _summary=true             8-9 µs     15 µs          11 µs               2.7 / 10 / 18 µs
    _summary=text             2-3 µs      2 µs           3 µs
    _summary=data             0.2 µs      2 µs         0.2 µs   (0.2 µs: no `text`, nothing to do)
    _elements (2 names)       2-3 µs      2 µs           3 µs

so a page of 1000 Observations costs about 9 ms with `_summary=true`, 3 ms with `_elements`, on top of
the parse the renderer needs anyway. The tables (every resource type's summary plan) are built on
first use per `FhirDefinitions` in 5-9 ms; `_elements` keep-sets are cached per (selection, type).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from typing import Any

from enlace.fhir.definitions import COMPLEX, PRIMITIVE, ElementSpec, FhirDefinitions, Structure
from enlace.kernel.errors import bad_request

SUMMARY_MODES = ("true", "text", "data", "count", "false")
SUBSETTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
SUBSETTED_CODE = "SUBSETTED"

# Kept by every mode and every selection.
_ALWAYS = frozenset({"resourceType", "id", "_id", "meta"})
_MAX_CACHED_SELECTIONS = 4096


def parse_summary(value: str) -> str:
    """The `_summary` mode; anything but true, text, data, count or false is a 400."""
    if value not in SUMMARY_MODES:
        raise bad_request(
            f"_summary must be one of {', '.join(SUMMARY_MODES)}, got '{value}'", "_summary"
        )
    return value


def parse_elements(
    value: str, resource_types: Iterable[str], definitions: FhirDefinitions
) -> tuple[str, ...]:
    """The normalised `_elements` selection (see the module docstring); unknown names are a 400."""
    tables = _tables(definitions)
    types = [t for t in dict.fromkeys(resource_types) if t in definitions.resources]
    items = [item.strip() for item in value.split(",")]
    if not any(items):
        raise bad_request("_elements names no element", "_elements")
    selection: dict[str, None] = {}
    for item in filter(None, items):
        qualifier, dot, name = item.rpartition(".")
        if dot:
            if qualifier not in definitions.resources:
                raise bad_request(
                    f"_elements: '{item}' is neither a top-level element name nor "
                    "ResourceType.element",
                    "_elements",
                )
            if name not in tables.names(qualifier):
                raise bad_request(
                    f"_elements: unknown element '{name}' of {qualifier}", "_elements"
                )
            selection[f"{qualifier}.{name}"] = None
        elif types:
            defining = [t for t in types if name in tables.names(t)]
            if not defining:
                raise bad_request(
                    f"_elements: unknown element '{name}' of {' or '.join(types)}", "_elements"
                )
            selection.update((f"{t}.{name}", None) for t in defining)
        elif any(name in tables.names(t) for t in definitions.resources):
            selection[name] = None
        else:
            raise bad_request(f"_elements: unknown element '{name}'", "_elements")
    selection.update((f"{t}.id", None) for t in types)  # a searched type is always selected from
    return tuple(selection)


def summarize(resource: dict[str, Any], mode: str, definitions: FhirDefinitions) -> dict[str, Any]:
    """`resource` cut down per the `_summary` mode; `resource` itself when nothing is removed."""
    if mode in ("false", "count"):
        return resource
    if mode == "data":
        if "text" not in resource:
            return resource
        return _tagged({k: v for k, v in resource.items() if k != "text"})
    tables = _tables(definitions)
    resource_type = resource.get("resourceType")
    if mode == "text":
        keep = tables.text_keep(resource_type)
        if keep is None or resource.keys() <= keep:
            return resource
        return _tagged({k: v for k, v in resource.items() if k in keep})
    if mode == "true":
        plan = tables.summary_plans.get(resource_type) if type(resource_type) is str else None
        if plan is None:
            return resource
        trimmed = _trim(resource, plan)
        return resource if trimmed is resource else _tagged(trimmed)
    raise ValueError(f"Unknown _summary mode {mode!r}")


def select_elements(
    resource: dict[str, Any], elements: tuple[str, ...], definitions: FhirDefinitions
) -> dict[str, Any]:
    """`resource` cut down to a `parse_elements` selection; `resource` itself when nothing is
    removed or when the selection does not apply to its type."""
    keep = _tables(definitions).selection_keep(elements, resource.get("resourceType"))
    if keep is None or resource.keys() <= keep:
        return resource
    return _tagged({k: v for k, v in resource.items() if k in keep})


def _tagged(trimmed: dict[str, Any]) -> dict[str, Any]:
    """Adds the SUBSETTED tag to a freshly built top-level dict (its `meta` is replaced, not
    mutated: the input resource shares it)."""
    meta = trimmed.get("meta")
    if type(meta) is not dict:
        meta = {}
    tags = meta.get("tag")
    if type(tags) is not list:
        tags = []
    else:
        for tag in tags:
            if (
                type(tag) is dict
                and tag.get("code") == SUBSETTED_CODE
                and tag.get("system") == SUBSETTED_SYSTEM
            ):
                return trimmed  # already tagged: meta stays shared with the input
    trimmed["meta"] = {**meta, "tag": [*tags, {"system": SUBSETTED_SYSTEM, "code": SUBSETTED_CODE}]}
    return trimmed


class _Plan:
    """What `_summary=true` keeps of one structure: JSON names, and those trimmed further."""

    __slots__ = ("keep", "nested")

    def __init__(self) -> None:
        self.keep: frozenset[str] = frozenset()
        self.nested: dict[str, _Plan] = {}


def _trim(obj: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    """`obj` reduced to `plan`; `obj` itself when nothing is removed at any depth."""
    keep = plan.keep
    out = obj if obj.keys() <= keep else {k: v for k, v in obj.items() if k in keep}
    nested = plan.nested
    if not nested:
        return out
    for name in nested.keys() & out.keys():
        value = out[name]
        sub = nested[name]
        if type(value) is dict:
            # Most values need nothing removed: checked here, a call saved per value.
            if value.keys() <= sub.keep and (not sub.nested or value.keys().isdisjoint(sub.nested)):
                continue
            new_value: Any = _trim(value, sub)
        elif type(value) is list:
            new_value = _trim_list(value, sub)
        else:
            continue
        if new_value is not value:
            if out is obj:
                out = dict(obj)
            out[name] = new_value
    return out


def _trim_list(items: list[Any], plan: _Plan) -> list[Any]:
    keep = plan.keep
    nested = plan.nested
    new_items: list[Any] | None = None
    for index, item in enumerate(items):
        if type(item) is not dict or (
            item.keys() <= keep and (not nested or item.keys().isdisjoint(nested))
        ):
            continue
        trimmed = _trim(item, plan)
        if trimmed is not item:
            if new_items is None:
                new_items = list(items)
            new_items[index] = trimmed
    return items if new_items is None else new_items


def _json_names(spec: ElementSpec) -> tuple[str, ...]:
    """The JSON properties of one spec: `birthDate` and its extension sibling `_birthDate`."""
    if spec.kind == PRIMITIVE and spec.extensible:
        return (spec.name, "_" + spec.name)
    return (spec.name,)


def _mandatory_names(structure: Structure) -> frozenset[str]:
    return frozenset(name for required in structure.required for name in required.json_names)


def _flagged_names(structure: Structure, *, summary: bool) -> set[str]:
    """JSON names of the modifier elements, plus the summary ones when `summary`."""
    names: set[str] = set()
    for spec in structure.elements.values():
        if spec.is_modifier or (summary and spec.is_summary):
            names.update(_json_names(spec))
    return names


class _Tables:
    """Per-definitions tables, built on first use: summary plans eagerly (a plan graph has cycles,
    so it is published only once complete), the rest lazily per type (idempotent, so a race between
    threads only computes an entry twice)."""

    def __init__(self, definitions: FhirDefinitions) -> None:
        self.definitions = definitions
        plans: dict[str, _Plan | None] = {}
        for name in definitions.resources:
            self._summary_plan(definitions.structures[name], plans, root=True)
        self.summary_plans = {name: plans[name] for name in definitions.resources}
        self._names: dict[str, dict[str, frozenset[str]]] = {}
        self._text_keep: dict[str, frozenset[str]] = {}
        self._selections: dict[tuple[tuple[str, ...], str], frozenset[str] | None] = {}
        self._lock = threading.Lock()

    def _summary_plan(
        self, structure: Structure, plans: dict[str, _Plan | None], root: bool = False
    ) -> _Plan | None:
        if structure.name in plans:
            return plans[structure.name]
        if not root and not any(spec.is_summary for spec in structure.elements.values()):
            plans[structure.name] = None  # Extension, Narrative: nothing marked, so kept whole
            return None
        plan = plans[structure.name] = _Plan()
        keep = _flagged_names(structure, summary=True) | _mandatory_names(structure)
        if root:
            keep |= _ALWAYS
        for spec in structure.elements.values():
            if spec.name in keep and spec.kind == COMPLEX and spec.structure is not None:
                if root and spec.name == "meta":
                    continue
                sub = self._summary_plan(spec.structure, plans)
                if sub is not None:
                    plan.nested[spec.name] = sub
        plan.keep = frozenset(keep)
        return plan

    def names(self, resource_type: str) -> dict[str, frozenset[str]]:
        """Element names `_elements` accepts for a type, each with the JSON names it selects."""
        names = self._names.get(resource_type)
        if names is None:
            grouped: dict[str, set[str]] = {"resourceType": {"resourceType"}}
            for spec in self.definitions.resources[resource_type].elements.values():
                json_names = _json_names(spec)
                grouped.setdefault(spec.name, set()).update(json_names)
                if spec.choice:  # value[x]: `value` and `value[x]` select every variant
                    for alias in (spec.choice, spec.choice.removesuffix("[x]")):
                        grouped.setdefault(alias, set()).update(json_names)
            names = {name: frozenset(json) for name, json in grouped.items()}
            self._names[resource_type] = names
        return names

    def text_keep(self, resource_type: object) -> frozenset[str] | None:
        if resource_type not in self.definitions.resources:
            return None
        assert isinstance(resource_type, str)
        keep = self._text_keep.get(resource_type)
        if keep is None:
            structure = self.definitions.resources[resource_type]
            keep = _ALWAYS | {"text"} | _mandatory_names(structure)
            self._text_keep[resource_type] = keep
        return keep

    def selection_keep(
        self, elements: tuple[str, ...], resource_type: object
    ) -> frozenset[str] | None:
        """The JSON names `select_elements` keeps for a type; None when the selection does not
        apply to it (or the type is unknown)."""
        if resource_type not in self.definitions.resources:
            return None
        assert isinstance(resource_type, str)
        key = (elements, resource_type)
        try:
            return self._selections[key]
        except KeyError:
            pass
        keep = self._selection_keep(elements, resource_type)
        with self._lock:
            if len(self._selections) >= _MAX_CACHED_SELECTIONS:
                self._selections.clear()
            self._selections[key] = keep
        return keep

    def _selection_keep(
        self, elements: tuple[str, ...], resource_type: str
    ) -> frozenset[str] | None:
        names = self.names(resource_type)
        prefix = resource_type + "."
        applies = False
        keep = set(_ALWAYS)
        for entry in elements:
            if entry.startswith(prefix):
                name = entry[len(prefix) :]
            elif "." in entry:
                continue  # qualified for another type
            else:
                name = entry
            applies = True
            keep.update(names.get(name, ()))
        if not applies:
            return None
        structure = self.definitions.resources[resource_type]
        keep |= _mandatory_names(structure)
        keep |= _flagged_names(structure, summary=False)
        return frozenset(keep)


@cache
def _tables(definitions: FhirDefinitions) -> _Tables:
    return _Tables(definitions)
