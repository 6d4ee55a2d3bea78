"""The run-time pieces compiled search expressions are made of: closures over focus collections.

Each `Fn` maps a focus collection (a list of JSON values) to a result collection, like a FHIRPath
step: arrays are flattened at each member step. They are plain closures with no interpretation
left at run time; `expressions` decides which to build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Fn = Callable[[list[Any]], list[Any]]
Predicate = Callable[[Any], bool]


def nothing(focus: list[Any]) -> list[Any]:
    return []


def member(parent: Fn | None, key: str, primitive: bool) -> Fn:
    """`parent.key`: the values of one JSON property, arrays flattened (nulls of primitive arrays,
    which only hold a place for `_key` extensions, dropped). One key without a loop over keys:
    this step runs for almost every parameter of every write."""
    source: Fn = parent if parent is not None else _identity

    def collect(focus: list[Any]) -> list[Any]:
        out: list[Any] = []
        for node in source(focus):
            if type(node) is dict:
                value = node.get(key)
                if value is not None:
                    if type(value) is list:
                        out.extend(value)
                    else:
                        out.append(value)
        return _drop_nulls(out) if primitive else out

    return collect


def members(parent: Fn | None, keys: tuple[str, ...], primitive: bool) -> Fn:
    """`parent.choice`: the values of any of several JSON properties (`valueQuantity`, ...)."""
    if len(keys) == 1:
        return member(parent, keys[0], primitive)
    source: Fn = parent if parent is not None else _identity

    def collect(focus: list[Any]) -> list[Any]:
        out: list[Any] = []
        for node in source(focus):
            if type(node) is dict:
                for key in keys:
                    value = node.get(key)
                    if value is not None:
                        if type(value) is list:
                            out.extend(value)
                        else:
                            out.append(value)
        return _drop_nulls(out) if primitive else out

    return collect


def dynamic_member(parent: Fn | None, name: str) -> Fn:
    """A member of values whose type is not known when compiling (inside contained resources):
    the property itself, or every choice variant `name<Type>`."""
    source: Fn = parent if parent is not None else _identity
    size = len(name)

    def find(focus: list[Any]) -> list[Any]:
        out: list[Any] = []
        for node in source(focus):
            if type(node) is not dict:
                continue
            for key, value in node.items():
                if key == name or (
                    len(key) > size and key.startswith(name) and key[size].isupper()
                ):
                    if type(value) is list:
                        out.extend(v for v in value if v is not None)
                    elif value is not None:
                        out.append(value)
        return out

    return find


def _identity(focus: list[Any]) -> list[Any]:
    return focus


def _drop_nulls(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None] if None in values else values


def where(parent: Fn | None, predicate: Predicate) -> Fn:
    source: Fn = parent if parent is not None else _identity

    def filtered(focus: list[Any]) -> list[Any]:
        return [node for node in source(focus) if predicate(node)]

    return filtered


def field_equals(name: str, literal: object, negate: bool = False) -> Predicate:
    """`where(name = 'literal')` on objects (`system='email'`, `url='...'`)."""
    if negate:
        return lambda node: type(node) is dict and node.get(name, literal) != literal
    return lambda node: type(node) is dict and node.get(name) == literal


def reference_to(type_name: str) -> Predicate:
    """`where(resolve() is Type)` without resolving: the Reference names a `Type` resource, by its
    literal reference (`Type/id`, or an absolute URL `.../Type/id`) or its `type` element (`Type`
    or the StructureDefinition's canonical URL). Contained (`#id`) and `urn:uuid:` references without
    a `type` match nothing."""
    prefix = type_name + "/"
    infix = "/" + prefix
    canonical = "http://hl7.org/fhir/StructureDefinition/" + type_name

    def is_reference_to(node: Any) -> bool:
        if type(node) is not dict:
            return False
        reference = node.get("reference")
        if type(reference) is str and (
            reference.startswith(prefix) or ("://" in reference and infix in reference)
        ):
            return True
        declared = node.get("type")
        return declared in (type_name, canonical)

    return is_reference_to


def extension(parent: Fn | None, url: str) -> Fn:
    """`parent.extension('url')`."""
    source: Fn = parent if parent is not None else _identity

    def extensions(focus: list[Any]) -> list[Any]:
        out: list[Any] = []
        for node in source(focus):
            if type(node) is dict:
                for item in node.get("extension") or ():
                    if type(item) is dict and item.get("url") == url:
                        out.append(item)
        return out

    return extensions


def index(parent: Fn | None, position: int) -> Fn:
    source: Fn = parent if parent is not None else _identity
    return lambda focus: source(focus)[position : position + 1]


def union(branches: list[Fn]) -> Fn:
    """`a | b`: the branches' results concatenated (duplicates are kept: indexes dedupe rows)."""
    if len(branches) == 1:
        return branches[0]
    if len(branches) == 2:
        first, second = branches
        return lambda focus: first(focus) + second(focus)

    def all_branches(focus: list[Any]) -> list[Any]:
        out: list[Any] = []
        for branch in branches:
            out.extend(branch(focus))
        return out

    return all_branches


def as_bool(values: list[Any]) -> bool | None:
    """A collection as a FHIRPath singleton boolean: None for empty (unknown)."""
    if not values:
        return None
    if len(values) == 1 and type(values[0]) is bool:
        return bool(values[0])
    return True


def constant(values: list[Any]) -> Fn:
    return lambda focus: list(values)
