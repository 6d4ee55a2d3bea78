"""The FHIRPath functions and operators of the compiled subset (see fhirpath.py).

Each entry makes the closure once, from its compiled or literal arguments: `make(*args)` returns
`apply(items, env) -> list` where `items` is the function's input collection.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from enlace.modules.analytics.boundaries import boundary_of
from enlace.modules.analytics.fhirpath_values import FhirPathError, equal, to_bool

Apply = Callable[[list[Any], Any], list[Any]]


# -- functions whose arguments are expressions, evaluated per item ---------------------------------
def _where(criteria: Callable[..., list[Any]]) -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        return [item for item in items if to_bool(criteria([item], env)) is True]

    return apply


def _exists(criteria: Callable[..., list[Any]] | None = None) -> Apply:
    if criteria is None:
        return lambda items, env: [bool(items)]
    where = _where(criteria)
    return lambda items, env: [bool(where(items, env))]


def _all(criteria: Callable[..., list[Any]]) -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        return [all(to_bool(criteria([item], env)) is True for item in items)]

    return apply


def _select(projection: Callable[..., list[Any]]) -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        out: list[Any] = []
        for item in items:
            out.extend(projection([item], env))
        return out

    return apply


WITH_EXPRESSIONS: dict[str, Callable[..., Apply]] = {
    "where": _where,
    "exists": _exists,
    "all": _all,
    "select": _select,
}


# -- functions whose arguments are literals -------------------------------------------------------
def _join(separator: str | None = None) -> Apply:
    text = separator or ""

    def apply(items: list[Any], env: Any) -> list[Any]:
        return [text.join(str(item) for item in items)]

    return apply


def _extension(url: str) -> Apply:
    if not isinstance(url, str):
        raise FhirPathError("extension() takes the extension's url as a string")

    def apply(items: list[Any], env: Any) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if type(item) is dict:
                out.extend(e for e in item.get("extension", ()) if e.get("url") == url)
        return out

    return apply


def _resource_key() -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        return [item["id"] for item in items if type(item) is dict and "id" in item]

    return apply


def _reference_key(type_name: str | None = None) -> Apply:
    """The id a Reference points at (what getResourceKey gives for that resource), when its
    type is `type_name` (or any); absolute URLs, `_history` and contained `#id` handled."""

    def apply(items: list[Any], env: Any) -> list[Any]:
        out: list[Any] = []
        for item in items:
            reference = item.get("reference") if type(item) is dict else None
            if type(reference) is not str or reference.startswith("#"):
                continue
            parts = reference.split("/")
            if len(parts) >= 4 and parts[-2] == "_history":
                parts = parts[:-2]
            if len(parts) < 2 or (type_name is not None and parts[-2] != type_name):
                continue
            out.append(parts[-1])
        return out

    return apply


def _first() -> Apply:
    return lambda items, env: items[:1]


def _last() -> Apply:
    return lambda items, env: items[-1:]


def _single() -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        if len(items) > 1:
            raise FhirPathError("single() found several values")
        return items

    return apply


def _not() -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        truth = to_bool(items)
        return [] if truth is None else [not truth]

    return apply


def _distinct() -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if not any(equal([item], [seen]) == [True] for seen in out):
                out.append(item)
        return out

    return apply


def _to_string() -> Apply:
    def text(value: Any) -> str:
        return ("true" if value else "false") if type(value) is bool else str(value)

    return lambda items, env: [text(v) for v in items if type(v) is not dict]


def _string_test(test: Callable[[str, str], bool]) -> Callable[[str], Apply]:
    def make(argument: str) -> Apply:
        def apply(items: list[Any], env: Any) -> list[Any]:
            if not items:
                return []
            if len(items) > 1 or type(items[0]) is not str:
                raise FhirPathError("a string function needs one string")
            return [test(items[0], argument)]

        return apply

    return make


WITH_VALUES: dict[str, Callable[..., Apply]] = {
    "join": _join,
    "extension": _extension,
    "getResourceKey": _resource_key,
    "getReferenceKey": _reference_key,
    "first": _first,
    "last": _last,
    "single": _single,
    "not": _not,
    "distinct": _distinct,
    "empty": lambda: lambda items, env: [not items],
    "count": lambda: lambda items, env: [len(items)],
    "hasValue": lambda: lambda items, env: [len(items) == 1 and type(items[0]) is not dict],
    "tail": lambda: lambda items, env: items[1:],
    "skip": lambda n: lambda items, env: items[n:],
    "take": lambda n: lambda items, env: items[:n],
    "toString": _to_string,
    "startsWith": _string_test(str.startswith),
    "endsWith": _string_test(str.endswith),
    "contains": _string_test(lambda text, part: part in text),
}


def boundary(high: bool, kind: str | None) -> Apply:
    def apply(items: list[Any], env: Any) -> list[Any]:
        if len(items) != 1:
            return []
        value = boundary_of(items[0], high, kind)
        return [] if value is None else [value]

    return apply


# -- logic and arithmetic -------------------------------------------------------------------------
def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _xor(a: bool | None, b: bool | None) -> bool | None:
    return None if a is None or b is None else a != b


def _implies(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is True:
        return True
    return None if a is None or b is None else False


LOGIC: dict[str, Callable[[bool | None, bool | None], bool | None]] = {
    "and": _and,
    "or": _or,
    "xor": _xor,
    "implies": _implies,
}


def _arithmetic(function: Callable[[Any, Any], Any]) -> Callable[[list[Any], list[Any]], list[Any]]:
    def apply(left: list[Any], right: list[Any]) -> list[Any]:
        if not left or not right:
            return []
        if len(left) > 1 or len(right) > 1:
            raise FhirPathError("arithmetic needs single values on both sides")
        a, b = left[0], right[0]
        if type(a) is bool or type(b) is bool or type(a) is dict or type(b) is dict:
            raise FhirPathError("arithmetic on a value that is not a number or string")
        try:
            result = function(a, b)
        except ZeroDivisionError:
            return []
        except TypeError as exc:
            raise FhirPathError(f"cannot combine {a!r} and {b!r}") from exc
        return [result]

    return apply


def _concatenate(left: list[Any], right: list[Any]) -> list[Any]:
    return ["".join(str(side[0]) if side else "" for side in (left, right))]


def _membership(left: list[Any], right: list[Any]) -> list[Any]:
    if not left:
        return []
    return [any(equal(left, [item]) == [True] for item in right)]


ARITHMETIC: dict[str, Callable[[list[Any], list[Any]], list[Any]]] = {
    "+": _arithmetic(operator.add),
    "-": _arithmetic(operator.sub),
    "*": _arithmetic(operator.mul),
    "/": _arithmetic(lambda a, b: a / b),
    "div": _arithmetic(lambda a, b: int(a // b)),
    "mod": _arithmetic(operator.mod),
    "&": _concatenate,
    "in": _membership,
    "contains": lambda left, right: _membership(right, left),
}
