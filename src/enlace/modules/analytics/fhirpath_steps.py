"""The building blocks the FHIRPath compiler (analytics/fhirpath.py) assembles: the closure
type and its environment, member chains read as one loop, choice-element and type-name steps,
unions and three-valued logic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from enlace.modules.analytics import fhirpath_functions as functions
from enlace.modules.analytics.fhirpath_values import (
    FhirPathError,
    choice_names,
    equal,
    is_of_type,
    to_bool,
)
from enlace.search.expression_parser import Expr, Invoke, Member, Name


@dataclass(slots=True)
class Env:
    """What a closure may read besides its focus: the resource and the current `%rowIndex`."""

    resource: Any = None
    row_index: int = 0


Fn = Callable[[list[Any], Env], list[Any]]
_NO_ENV = Env()


# -- steps ---------------------------------------------------------------------------------------
Step = Callable[[list[Any]], list[Any]]


def _chain(head: Fn | None, steps: tuple[Step, ...]) -> Fn:
    if head is None and len(steps) == 1:
        only = steps[0]
        return lambda focus, env: only(focus)

    def run(focus: list[Any], env: Env) -> list[Any]:
        items = head(focus, env) if head is not None else focus
        for step in steps:
            items = step(items)
        return items

    return run


def _member_path(names: tuple[str, ...]) -> Fn:
    """A run of member names from the focus as one loop (the commonest shape in a view,
    `name.family`, `subject.reference`). A name that is some type's choice element and is
    missing as such is looked for as `name` + a type (`value` -> `valueQuantity`)."""
    choices = choice_names()
    steps = tuple((name, name in choices, len(name)) for name in names)

    def run(focus: list[Any], env: Env) -> list[Any]:
        items = focus
        for name, choice, length in steps:
            out: list[Any] = []
            for item in items:
                if type(item) is not dict:
                    continue
                value = item.get(name)
                if value is None:
                    if not choice:
                        continue
                    value = _choice_value(item, name, length)
                    if value is None:
                        continue
                if type(value) is list:
                    out.extend(value)
                else:
                    out.append(value)
            if not out:
                return out
            items = out
        return items

    return run


def _choice_value(item: dict[str, Any], name: str, length: int) -> Any:
    for key, value in item.items():
        if key.startswith(name) and key[length : length + 1].isupper():
            return value
    return None


def _member_step(name: str) -> Step:
    fused = _member_path((name,))
    return lambda items: fused(items, _NO_ENV)


def _choice_step(base: str, type_name: str) -> Step:
    key = base + type_name[:1].upper() + type_name[1:]

    def step(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if type(item) is not dict:
                continue
            value = item.get(key)
            if value is None:  # `base` may be a plain element of that type (Identifier.value)
                value = item.get(base)
                if value is None or not is_of_type(value, type_name):
                    continue
            if type(value) is list:
                out.extend(value)
            else:
                out.append(value)
        return out

    return step


def _type_name_step(type_name: str) -> Fn:
    """`Patient.name`: a path may start with the resource type; other items are read as members."""
    member = _member_step(type_name)

    def step(focus: list[Any], env: Env) -> list[Any]:
        kept = [i for i in focus if type(i) is dict and i.get("resourceType") == type_name]
        return kept if kept else member(focus)

    return step


def _last_name(node: Member | Name) -> str:
    return node.name


def _type_name(node: Expr) -> str:
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Member):  # FHIR.Quantity
        return node.name
    raise FhirPathError("ofType() takes a type name")


def _boundary_type(target: Expr | None) -> str | None:
    """The FHIR type a boundary function's input has, when the path names it (`ofType(date)`)."""
    if isinstance(target, Invoke) and target.name in ("ofType", "as") and target.args:
        try:
            return _type_name(target.args[0])
        except FhirPathError:
            return None
    return None


def _union(left: list[Any], right: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in (*left, *right):
        if not any(equal([value], [seen]) == [True] for seen in out):
            out.append(value)
    return out


def _logic(op: str, left: Fn, right: Fn) -> Fn:
    def run(focus: list[Any], env: Env) -> list[Any]:
        a = to_bool(left(focus, env))
        if op == "and" and a is False:
            return [False]
        if op == "or" and a is True:
            return [True]
        if op == "implies" and a is False:
            return [True]
        b = to_bool(right(focus, env))
        result = functions.LOGIC[op](a, b)
        return [] if result is None else [result]

    return run
