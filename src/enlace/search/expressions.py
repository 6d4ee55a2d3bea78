"""Search parameter expressions compiled into fast extractors, without a FHIRPath engine at run time.

`compile_expression("Observation.code | Condition.code", "Observation")` parses the FHIRPath once
(`expression_parser`), keeps the union branches that apply to the resource type (those starting with
its name, with `Resource`/`DomainResource`, or with no type), and builds closures
(`expression_steps`) for the shapes R4 search parameters use:

- member paths over arrays, choice elements included (`Observation.value` reads `valueQuantity`,
  `valueString`, ...), resolved against the compiled StructureDefinitions;
- `x as T`, `x.as(T)`, `x.ofType(T)` narrowing a choice element to one JSON property;
- `where(resolve() is T)` on References (by the literal reference's type, nothing is resolved),
  `where(field = 'literal')` and other small predicates, `extension('url')`;
- `exists()`, `empty()`, `not()`, `first()`, `last()`, `count()`, `[n]`, `=`/`!=`, `and`/`or`;
- `%resource` at the start of an expression, composite components included.

Values are the JSON values as found (dicts for complex types, str/number/bool for primitives), in
document order, duplicates kept (a union does not dedupe: the index writer does). Element names and
choice types come from `enlace.fhir.definitions`; compiled expressions are cached per (expression,
resource type) for the default definitions directory.

Anything else compiles to `Compiled(supported=False, reason=...)` whose `extract` returns []: the
parameter cannot be indexed yet. `coverage(registry)` counts what compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from enlace.fhir.definitions import FhirDefinitions, load_definitions
from enlace.search import expression_steps as steps
from enlace.search.expression_compiler import Compiler, Plan, Unsupported
from enlace.search.expression_parser import (
    Binary,
    Expr,
    Index,
    Invoke,
    Member,
    Name,
    ParseError,
    TypeOp,
    Variable,
    parse,
)
from enlace.search.registry import ABSTRACT_BASES, Registry, SearchParam

Extractor = Callable[[Any], list[Any]]


def _no_values(resource: Any) -> list[Any]:
    return []


@dataclass(frozen=True, slots=True)
class CompiledComponent:
    """One component of a composite parameter, applied to each value the composite's base yields.

    `extract(value, resource)`: most components read the base value; the few written from
    `%resource` (MolecularSequence coordinates) read the resource.
    """

    definition: str
    expression: str
    extract: Callable[[Any, Any], list[Any]]


@dataclass(frozen=True, slots=True)
class Compiled:
    expression: str
    resource_type: str
    extract: Extractor  # resource dict -> values ([] when not supported)
    supported: bool = True
    reason: str | None = None
    # FHIR type names the values can have ("CodeableConcept", "dateTime"); None when not known.
    result_types: frozenset[str] | None = None
    components: tuple[CompiledComponent, ...] = ()
    # The resource's top-level JSON properties the values can come from: when none is present,
    # `extract` returns [] (for a composite, one of its components does) and need not run: most
    # parameters of a type find nothing in a given resource. None: not known, always run
    # (`exists()`, comparisons, the resource itself).
    roots: frozenset[str] | None = None


def _unsupported(expression: str, resource_type: str, reason: str) -> Compiled:
    return Compiled(expression, resource_type, _no_values, supported=False, reason=reason)


def _root_extractor(fn: steps.Fn) -> Extractor:
    return lambda resource: fn([resource])


@lru_cache(maxsize=8192)
def compile_expression(expression: str, resource_type: str) -> Compiled:
    """The extractor of `expression` for resources of `resource_type` (default definitions)."""
    return _compile(expression, resource_type, load_definitions())


def _compile(expression: str, resource_type: str, definitions: FhirDefinitions) -> Compiled:
    if resource_type not in definitions.resource_types:
        return _unsupported(expression, resource_type, f"unknown resource type {resource_type}")
    try:
        tree = parse(expression)
        plan = Compiler(definitions, resource_type).compile(
            tree, frozenset({resource_type}), at_root=True
        )
    except ParseError as exc:
        return _unsupported(expression, resource_type, f"syntax: {exc}")
    except Unsupported as exc:
        return _unsupported(expression, resource_type, str(exc))
    if plan.empty:
        return _unsupported(expression, resource_type, f"no branch for {resource_type}")
    roots = _RootKeys(Compiler(definitions, resource_type)).of(tree)
    return Compiled(
        expression,
        resource_type,
        _root_extractor(plan.run()),
        result_types=plan.types,
        roots=roots if isinstance(roots, frozenset) else None,
    )


def compile_param(param: SearchParam, resource_type: str) -> Compiled:
    """`compile_expression` for a parameter, components of composites compiled too."""
    if not param.expression:
        return _unsupported("", resource_type, f"{param.type} parameter without an expression")
    base = compile_expression(param.expression, resource_type)
    if not base.supported or param.type != "composite":
        return base
    definitions = load_definitions()
    components: list[CompiledComponent] = []
    roots = _RootKeys(Compiler(definitions, resource_type))
    # A composite over the resource itself (`Observation`) has rows only when every component
    # finds a value: the top-level properties of its most selective component gate it.
    on_root = base.roots is None and roots.of(parse(param.expression)) == _ROOT
    gates: list[frozenset[str]] = []
    for component in param.components:
        try:
            tree = parse(component.expression)
            on_resource = isinstance(_leftmost(tree), Variable)
            types = frozenset({resource_type}) if on_resource else base.result_types
            plan = Compiler(definitions, resource_type).compile(tree, types, at_root=on_resource)
        except (ParseError, Unsupported) as exc:
            return _unsupported(
                param.expression, resource_type, f"component {component.expression}: {exc}"
            )
        extract = _component_extractor(plan.run(), on_resource)
        components.append(CompiledComponent(component.definition, component.expression, extract))
        gate = roots.of(tree) if on_root and not on_resource else None
        if isinstance(gate, frozenset):
            gates.append(gate)
    return Compiled(
        base.expression,
        resource_type,
        base.extract,
        result_types=base.result_types,
        components=tuple(components),
        roots=min(reversed(gates), key=len) if gates else base.roots,  # ties: the value part
    )


_ROOT = "root"  # the resource itself
_UNKNOWN = "unknown"
_PASS_THROUGH = frozenset({"where", "extension", "as", "ofType", "first", "last"})


class _RootKeys:
    """Which top-level properties an expression reads values from (see `Compiled.roots`): the
    member right after the resource, per union branch. Only steps that can yield nothing from
    nothing pass it on (members, where, as, first, [n]); anything else is `_UNKNOWN`."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler

    def of(self, node: Expr) -> frozenset[str] | str:
        if isinstance(node, Name):
            if node.name == self.compiler.resource_type or node.name in ABSTRACT_BASES:
                return _ROOT
            if node.name in self.compiler.definitions.resource_types:
                return frozenset()  # a branch for another type: no values
            return self.member(_ROOT, node.name)
        if isinstance(node, Variable):
            return _ROOT if node.name in ("resource", "rootResource", "context") else _UNKNOWN
        if isinstance(node, Member):
            return self.member(self.of(node.target), node.name)
        if isinstance(node, Index):
            return self.inner(self.of(node.target))
        if isinstance(node, TypeOp) and node.op == "as":
            return self.narrowed(node.operand, node.type_name)
        if (
            isinstance(node, Invoke)
            and node.target is not None
            and node.name in ("as", "ofType")
            and len(node.args) == 1
            and isinstance(node.args[0], Name)
        ):
            return self.narrowed(node.target, node.args[0].name)
        if isinstance(node, Invoke) and node.target is not None and node.name in _PASS_THROUGH:
            target = self.of(node.target)
            if target == _ROOT and node.name == "extension":
                return frozenset({"extension"})
            return self.inner(target)
        if isinstance(node, Binary) and node.op == "|":
            left, right = self.of(node.left), self.of(node.right)
            if isinstance(left, frozenset) and isinstance(right, frozenset):
                return left | right
        return _UNKNOWN

    def member(self, target: frozenset[str] | str, name: str) -> frozenset[str] | str:
        if target != _ROOT:
            return target
        try:
            keys = self.compiler.member(Plan(None, frozenset({self.compiler.resource_type})), name)
        except Unsupported:
            return _UNKNOWN
        return frozenset(keys.keys or ()) or _UNKNOWN

    def narrowed(self, operand: Expr, type_name: str) -> frozenset[str] | str:
        """`Observation.value as Quantity` reads valueQuantity only (not every value[x])."""
        if isinstance(operand, Member) and self.of(operand.target) == _ROOT:
            name = operand.name
        elif isinstance(operand, Name) and not isinstance(self.of(operand), str):
            name = operand.name  # a bare member of the resource (composite components)
        else:
            return self.inner(self.of(operand))
        try:
            root = Plan(None, frozenset({self.compiler.resource_type}))
            plan = self.compiler.narrow(self.compiler.member(root, name), type_name)
        except Unsupported:
            return _UNKNOWN
        return frozenset(plan.keys or ())  # none: no branch of that type, no values

    @staticmethod
    def inner(target: frozenset[str] | str) -> frozenset[str] | str:
        return _UNKNOWN if target == _ROOT else target  # `Resource.first()` and the like


def _leftmost(node: Expr) -> Expr:
    """The term a path starts from: `%resource` in `%resource.referenceSeq.chromosome`."""
    while True:
        if isinstance(node, Invoke):
            if node.target is None:
                return node
            node = node.target
        elif isinstance(node, Member | Index):
            node = node.target
        elif isinstance(node, TypeOp):
            node = node.operand
        else:
            return node


def _component_extractor(fn: steps.Fn, on_resource: bool) -> Callable[[Any, Any], list[Any]]:
    if on_resource:
        return lambda value, resource: fn([resource])
    return lambda value, resource: fn([value])


def compile_type(registry: Registry, resource_type: str) -> Mapping[str, Compiled]:
    """Every parameter of a type that compiles, by code (special parameters left out)."""
    compiled = {
        code: compile_param(param, resource_type)
        for code, param in registry.for_type(resource_type).items()
        if param.type != "special" and param.expression
    }
    return {code: c for code, c in compiled.items() if c.supported}


def coverage(registry: Registry) -> tuple[int, int, list[tuple[str, str, str]]]:
    """(compiled, total, unsupported (type, code, reason)) over every concrete type and parameter
    with an expression, `special` parameters excluded."""
    compiled = 0
    unsupported: list[tuple[str, str, str]] = []
    for resource_type in sorted(registry.resource_types):
        for code, param in sorted(registry.for_type(resource_type).items()):
            if param.type == "special" or not param.expression:
                continue
            result = compile_param(param, resource_type)
            if result.supported:
                compiled += 1
            else:
                unsupported.append((resource_type, code, result.reason or ""))
    return compiled, compiled + len(unsupported), unsupported
