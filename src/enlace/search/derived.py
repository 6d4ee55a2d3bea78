"""Search parameters whose index rows would only repeat other parameters' rows (no rows written).

R4 defines parameters that are unions or combinations of other parameters of the same type:

- `Union`: `combo-code` is `Observation.code | Observation.component.code`, the rows of `code`
  and of `component-code` together; a criterion on it is the OR of the criterion on each;
- `RootComposite`: `code-value-quantity` has the resource itself as base (one value, grp 0) and
  components that are exactly the parameters `code` and `value-quantity`: a criterion `a$b` is
  `code=a` AND `value-quantity=b` on the same resource;
- `UnionComposite`: `combo-code-value-quantity` has base `Observation | Observation.component`,
  the composite over each branch: `code-value-quantity` OR `component-code-value-quantity`.

Equivalence is decided on the parsed FHIRPath, normalized per resource type (branches for other
types dropped, `x.as(T)`/`x.ofType(T)`/`x as T` one form with the type set the compiler narrows
to, a composite's relative component paths applied to the resource). Only exact equalities count:
every branch accounted for, aliases strictly smaller (so derivations never loop), same parameter
type, component definitions resolving to this type's parameters. Reference parameters are never
derived: chains, `_has`, includes and compartments read their rows by parameter code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from enlace.fhir.definitions import load_definitions
from enlace.search.expression_compiler import _SUBTYPES
from enlace.search.expression_parser import (
    Binary,
    Expr,
    Index,
    Invoke,
    Member,
    Name,
    ParseError,
    TypeOp,
    parse,
)
from enlace.search.expressions import compile_type
from enlace.search.registry import ABSTRACT_BASES, Registry, SearchParam


@dataclass(frozen=True, slots=True)
class Union:
    codes: tuple[str, ...]  # parameters of the same type whose rows together are this one's


@dataclass(frozen=True, slots=True)
class RootComposite:
    component_codes: tuple[str, ...]  # the parameter each component is, in component order


@dataclass(frozen=True, slots=True)
class UnionComposite:
    composite_codes: tuple[str, ...]  # a composite per branch of the base


Derivation = Union | RootComposite | UnionComposite
Canon = tuple[Any, ...]  # a normalized path (hashable)

_ROOT: Canon = ("root",)
# Value types with no index rows for a parameter type: the quantity builder reads `value`, which
# SampledData has not, so `Observation.value as SampledData` never gives a quantity row.
_NO_ROWS = {"quantity": frozenset({"SampledData"})}
# The parameter types whose rows a criterion reads by code only from conditions*.py.
_UNION_TYPES = frozenset({"token", "string", "date", "number", "quantity", "uri"})


class _NotExact(Exception):
    """A shape whose equivalence is not decided here: the parameter is left with rows."""


def derived(registry: Registry, resource_type: str) -> Mapping[str, Derivation]:
    """The derived parameters of a type, by code (cached per registry and type)."""
    return _derived(registry, resource_type)


@lru_cache(maxsize=1024)
def _derived(registry: Registry, resource_type: str) -> Mapping[str, Derivation]:
    params = _indexable(registry, resource_type)
    paths = {code: _branches_of(p, resource_type) for code, p in params.items()}
    found: dict[str, Derivation] = {}
    for code, param in sorted(params.items()):
        branches = paths[code]
        if branches is None:
            continue
        how: Derivation | None
        if param.type == "composite":
            how = _root_composite(registry, resource_type, param, branches, params)
            how = how or _union_composite(param, branches, params, paths)
        else:
            how = _union(code, param, branches, params, paths)
        if how is not None:
            found[code] = how
    return found


def _indexable(registry: Registry, resource_type: str) -> dict[str, SearchParam]:
    """The parameters the index writer would give rows (see SearchIndexer.plan)."""
    found = {}
    for code in compile_type(registry, resource_type):
        param = registry.get(resource_type, code)
        if param is None or code in ("_id", "_lastUpdated"):
            continue
        if param.type == "composite" and not _component_params(registry, param):
            continue
        found[code] = param
    return found


def _component_params(registry: Registry, param: SearchParam) -> list[SearchParam] | None:
    found = [registry.by_url(c.definition) for c in param.components]
    params = [p for p in found if p is not None]
    return params if params and len(params) == len(param.components) else None


def _branches_of(param: SearchParam, resource_type: str) -> frozenset[Canon] | None:
    try:
        return _branches(param.expression or "", resource_type, param.type)
    except (_NotExact, ParseError):
        return None


# --- unions --------------------------------------------------------------------------------------


def _union(
    code: str,
    param: SearchParam,
    branches: frozenset[Canon],
    params: Mapping[str, SearchParam],
    paths: Mapping[str, frozenset[Canon] | None],
) -> Union | None:
    if param.type not in _UNION_TYPES or len(branches) < 2:
        return None
    parts = {
        other: found
        for other, found in paths.items()
        if other != code
        and params[other].type == param.type
        and found
        and found < branches  # strictly smaller: an alias is never derived from this one
    }
    # The largest parts first; a part adding no branch is left out (the OR stays short).
    chosen: list[str] = []
    covered: set[Canon] = set()
    for other in sorted(parts, key=lambda c: (-len(parts[c]), c)):
        if not parts[other] <= covered:
            chosen.append(other)
            covered |= parts[other]
    return Union(tuple(sorted(chosen))) if covered == branches else None


# --- composites ----------------------------------------------------------------------------------


def _root_composite(
    registry: Registry,
    resource_type: str,
    param: SearchParam,
    branches: frozenset[Canon],
    params: Mapping[str, SearchParam],
) -> RootComposite | None:
    if branches != {_ROOT}:
        return None
    codes = []
    for component, definition in zip(
        param.components, _component_params(registry, param) or (), strict=True
    ):
        own = params.get(definition.code)
        if own is None or own.url != definition.url or own.type not in _UNION_TYPES:
            return None  # the definition is not this type's parameter
        try:
            relative = _branches(component.expression, resource_type, own.type, relative=True)
            absolute = _branches(own.expression or "", resource_type, own.type)
        except (_NotExact, ParseError):
            return None
        if not relative or relative != absolute:
            return None
        codes.append(own.code)
    return RootComposite(tuple(codes)) if codes else None


def _union_composite(
    param: SearchParam,
    branches: frozenset[Canon],
    params: Mapping[str, SearchParam],
    paths: Mapping[str, frozenset[Canon] | None],
) -> UnionComposite | None:
    """Each branch of the base is the whole base of a composite with the same components."""
    if len(branches) < 2:
        return None
    chosen = []
    for branch in sorted(branches, key=repr):
        match = [
            code
            for code, other in params.items()
            if other.type == "composite"
            and paths.get(code) == {branch}
            and _same_components(param, other, params)
        ]
        if not match:
            return None
        chosen.append(min(match))
    return UnionComposite(tuple(chosen))


def _same_components(
    param: SearchParam, other: SearchParam, params: Mapping[str, SearchParam]
) -> bool:
    """Same component expressions, in order, whose definitions have the same types (the search
    value of each component is parsed the same way)."""
    if len(param.components) != len(other.components):
        return False
    types = {p.url: p.type for p in params.values()}
    return all(
        a.expression == b.expression
        and types.get(a.definition) is not None
        and types.get(a.definition) == types.get(b.definition)
        for a, b in zip(param.components, other.components, strict=True)
    )


# --- normalized paths ----------------------------------------------------------------------------


def _branches(
    expression: str, resource_type: str, param_type: str, relative: bool = False
) -> frozenset[Canon]:
    """The union branches of `expression` for the type, normalized; `relative`: a composite
    component's path, applied to the resource (its base)."""
    found = set()
    for node in _split(parse(expression)):
        canon = _canon(node, resource_type, relative)
        if canon is not None and not _never_rows(canon, param_type):
            found.add(canon)
    return frozenset(found)


def _split(node: Expr) -> list[Expr]:
    if isinstance(node, Binary) and node.op == "|":
        return _split(node.left) + _split(node.right)
    return [node]


def _canon(node: Expr, resource_type: str, relative: bool) -> Canon | None:
    """The normalized path; None for a branch about another resource type."""
    if isinstance(node, Name):
        if not relative and (node.name == resource_type or node.name in ABSTRACT_BASES):
            return _ROOT
        if node.name in load_definitions().resource_types:
            if relative:
                raise _NotExact(node.name)
            return None
        return ("member", _ROOT, node.name)
    if isinstance(node, Member):
        return _step(("member",), node.target, node.name, resource_type, relative)
    if isinstance(node, TypeOp) and node.op == "as":
        return _step(("as",), node.operand, _type_key(node.type_name), resource_type, relative)
    if isinstance(node, Invoke) and node.target is not None:
        if node.name in ("as", "ofType") and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, Name):
                return _step(("as",), node.target, _type_key(arg.name), resource_type, relative)
        return _step(("invoke", node.name, node.args), node.target, None, resource_type, relative)
    if isinstance(node, Index):
        return _step(("index", node.index), node.target, None, resource_type, relative)
    raise _NotExact(repr(node))


def _step(head: Canon, target: Expr, last: Any, resource_type: str, relative: bool) -> Canon | None:
    inner = _canon(target, resource_type, relative)
    return None if inner is None else (*head, inner, last)


def _type_key(name: str) -> frozenset[str]:
    """The element types `as(name)` keeps (expression_compiler.Compiler.narrow): `DateTime`
    and `dateTime` narrow alike."""
    definitions = load_definitions()
    allowed = {name, name[:1].lower() + name[1:]} | _SUBTYPES.get(name, set())
    return frozenset(
        kind
        for kind in allowed
        if kind in definitions.structures or kind in definitions.primitive_types
    )


def _never_rows(canon: Canon, param_type: str) -> bool:
    empty = _NO_ROWS.get(param_type)
    return empty is not None and canon[0] == "as" and canon[2] <= empty
