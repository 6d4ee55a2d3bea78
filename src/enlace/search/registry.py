"""The R4 search parameters, indexed by resource type and code.

`load_registry()` reads the official SearchParameter Bundle (`search-parameters.json`, 1,378
definitions) from the definitions directory once per directory. Parameters whose base is `Resource`
apply to every resource type, those based on `DomainResource` to every type but Binary, Bundle and
Parameters. `Registry.with_custom` validates a SearchParameter resource created at run time and
returns a new registry that includes it; a registry itself never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from enlace.fhir.definitions import default_definitions_dir, load_definitions
from enlace.kernel import jsonutil
from enlace.kernel.errors import FhirError, Issue
from enlace.search.expression_parser import ParseError, parse

SEARCH_PARAMETERS_FILE = "search-parameters.json"

PARAM_TYPES = frozenset(
    {"number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}
)
ABSTRACT_BASES = frozenset({"Resource", "DomainResource"})
# The R4 resources that derive from Resource directly, so DomainResource parameters skip them.
NOT_DOMAIN_RESOURCES = frozenset({"Binary", "Bundle", "Parameters"})


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a composite parameter: the parameter it reuses and its relative expression."""

    definition: str
    expression: str


@dataclass(frozen=True, slots=True)
class SearchParam:
    code: str
    type: str  # one of PARAM_TYPES
    base: tuple[str, ...]
    url: str
    expression: str | None  # the full FHIRPath, over every base; None for a few special params
    target: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    multiple_or: bool | None = None
    multiple_and: bool | None = None
    modifiers: tuple[str, ...] = ()
    comparators: tuple[str, ...] = ()
    xpath_usage: str | None = None
    name: str | None = None

    @classmethod
    def from_fhir(cls, resource: Mapping[str, Any]) -> SearchParam:
        """Builds from an already validated SearchParameter resource."""
        components = tuple(
            Component(str(c.get("definition", "")), str(c.get("expression", "")))
            for c in resource.get("component") or ()
        )
        return cls(
            code=resource["code"],
            type=resource["type"],
            base=tuple(resource["base"]),
            url=resource["url"],
            expression=resource.get("expression") or None,
            target=tuple(resource.get("target") or ()),
            components=components,
            multiple_or=resource.get("multipleOr"),
            multiple_and=resource.get("multipleAnd"),
            modifiers=tuple(resource.get("modifier") or ()),
            comparators=tuple(resource.get("comparator") or ()),
            xpath_usage=resource.get("xpathUsage"),
            name=resource.get("name"),
        )


_EMPTY: Mapping[str, SearchParam] = MappingProxyType({})


class Registry:
    """An immutable lookup of search parameters by (resource type, code) and by url."""

    __slots__ = ("_by_type", "_by_url", "params", "resource_types")

    def __init__(self, params: Iterable[SearchParam], resource_types: Iterable[str]) -> None:
        self.params: tuple[SearchParam, ...] = tuple(params)
        self.resource_types = frozenset(resource_types)
        by_type: dict[str, dict[str, SearchParam]] = {name: {} for name in self.resource_types}
        # Abstract bases first, so a type's own parameter with the same code wins.
        ordered = sorted(self.params, key=lambda p: not (set(p.base) & ABSTRACT_BASES))
        for param in ordered:
            for type_name in self._applies_to(param):
                by_type[type_name][param.code] = param
        self._by_type: Mapping[str, Mapping[str, SearchParam]] = MappingProxyType(
            {name: MappingProxyType(codes) for name, codes in by_type.items()}
        )
        self._by_url: Mapping[str, SearchParam] = MappingProxyType({p.url: p for p in self.params})

    def _applies_to(self, param: SearchParam) -> Iterator[str]:
        for base in param.base:
            if base == "Resource":
                yield from self.resource_types
            elif base == "DomainResource":
                yield from self.resource_types - NOT_DOMAIN_RESOURCES
            elif base in self.resource_types:
                yield base

    def get(self, resource_type: str, code: str) -> SearchParam | None:
        return self._by_type.get(resource_type, _EMPTY).get(code)

    def for_type(self, resource_type: str) -> Mapping[str, SearchParam]:
        """Every parameter that applies to the type, by code (a read-only mapping)."""
        return self._by_type.get(resource_type, _EMPTY)

    def by_url(self, url: str) -> SearchParam | None:
        return self._by_url.get(url)

    def with_custom(self, search_parameter: Mapping[str, Any]) -> Registry:
        """A new registry that also holds this SearchParameter resource (400 if it is invalid).

        A custom parameter replaces one with the same url, and for its bases one with the same code.
        """
        param = validate_search_parameter(search_parameter, self.resource_types)
        kept = [p for p in self.params if p.url != param.url]
        return Registry([*kept, param], self.resource_types)

    def __len__(self) -> int:
        return len(self.params)


def validate_search_parameter(
    resource: Mapping[str, Any], resource_types: frozenset[str]
) -> SearchParam:
    """Checks the elements a search parameter needs to be indexed; raises FhirError 400."""

    def fail(element: str, diagnostics: str, code: str = "invalid") -> FhirError:
        return FhirError(400, [Issue(code, diagnostics, f"SearchParameter.{element}")])

    if not isinstance(resource, Mapping) or resource.get("resourceType") != "SearchParameter":
        raise FhirError(
            400, [Issue("invalid", "Expected a SearchParameter resource", "resourceType")]
        )
    for element in ("url", "code", "type", "expression"):
        value = resource.get(element)
        if value is None or value == "":
            raise fail(element, f"SearchParameter.{element} is required", "required")
        if not isinstance(value, str):
            raise fail(element, f"SearchParameter.{element} must be a string")
    if resource["type"] not in PARAM_TYPES:
        raise fail("type", f"Unknown search parameter type {resource['type']!r}", "value")
    bases = resource.get("base")
    if not bases:
        raise fail("base", "SearchParameter.base is required", "required")
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        raise fail("base", "SearchParameter.base must be a list of resource types")
    for index, base in enumerate(bases):
        if base not in resource_types and base not in ABSTRACT_BASES:
            raise fail(f"base[{index}]", f"Unknown resource type {base!r}", "value")
    for element in ("target", "modifier", "comparator"):
        values = resource.get(element)
        if values is not None and (
            not isinstance(values, list) or not all(isinstance(v, str) for v in values)
        ):
            raise fail(element, f"SearchParameter.{element} must be a list of codes")
    components = resource.get("component")
    if resource["type"] == "composite" and components is not None:
        if not isinstance(components, list):
            raise fail("component", "SearchParameter.component must be a list")
        for index, component in enumerate(components):
            if not isinstance(component, Mapping) or not all(
                isinstance(component.get(k), str) and component.get(k)
                for k in ("definition", "expression")
            ):
                raise fail(
                    f"component[{index}]",
                    "A component needs a definition and an expression",
                    "required",
                )
    _check_syntax(resource["expression"], "expression", fail)
    for index, component in enumerate(components or ()):
        _check_syntax(component["expression"], f"component[{index}].expression", fail)
    return SearchParam.from_fhir(resource)


def _check_syntax(expression: str, element: str, fail: Callable[[str, str], FhirError]) -> None:
    try:
        parse(expression)
    except ParseError as exc:
        raise fail(element, f"Invalid FHIRPath in SearchParameter.{element}: {exc}") from None


def load_registry(path: Path | None = None) -> Registry:
    """The R4 search parameters of the definitions in `path` (default: the configured directory)."""
    return _load_cached(Path(path) if path is not None else default_definitions_dir())


@lru_cache(maxsize=8)
def _load_cached(source_dir: Path) -> Registry:
    bundle = jsonutil.loads((source_dir / SEARCH_PARAMETERS_FILE).read_bytes())
    resource_types = load_definitions(source_dir).resource_types
    params = [
        SearchParam.from_fhir(entry["resource"])
        for entry in bundle.get("entry", ())
        if entry.get("resource", {}).get("resourceType") == "SearchParameter"
    ]
    return Registry(params, resource_types)
