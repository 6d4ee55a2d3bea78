"""The compiler behind `expressions`: a FHIRPath AST to closures, with FHIR types tracked.

`Compiler.compile(node, types, at_root)` returns a `Plan`: the closure (`expression_steps.Fn`) over a
focus collection and what is known of the values it yields (their FHIR types, and for a member step
the JSON properties it reads, so that `as T` can rebuild it reading fewer). Shapes it does not handle
raise `Unsupported` with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from enlace.fhir.definitions import PRIMITIVE, RESOURCE, FhirDefinitions
from enlace.search import expression_steps as steps
from enlace.search.expression_parser import (
    Binary,
    Expr,
    Index,
    Invoke,
    Literal,
    Member,
    Name,
    TypeOp,
    Variable,
)
from enlace.search.registry import ABSTRACT_BASES

# FHIR profiles of Quantity: `x as Quantity` also keeps them, as FHIRPath subtyping does.
_SUBTYPES = {
    "Quantity": frozenset(
        {"Age", "Count", "Distance", "Duration", "SimpleQuantity", "MoneyQuantity"}
    )
}


class Unsupported(Exception):
    """A shape the compiler does not handle; the message says which."""


@dataclass(slots=True)
class Plan:
    fn: steps.Fn | None  # None is the identity: the focus itself
    types: frozenset[str] | None  # None: not known at compile time
    # Set when the plan ends with a member step, so `as T` can rebuild it with fewer JSON keys.
    parent: steps.Fn | None = None
    keys: dict[str, str] | None = None  # JSON property -> FHIR type
    primitive: bool = False
    empty: bool = False  # statically empty: a branch for another resource type

    def run(self) -> steps.Fn:
        fn = self.fn
        return fn if fn is not None else (lambda focus: focus)


EMPTY_PLAN = Plan(steps.nothing, frozenset(), empty=True)


class Compiler:
    def __init__(self, definitions: FhirDefinitions, resource_type: str) -> None:
        self.definitions = definitions
        self.resource_type = resource_type

    def compile(self, node: Expr, types: frozenset[str] | None, at_root: bool) -> Plan:
        if isinstance(node, Name):
            if node.name == "$this":
                return Plan(None, types)
            if at_root and node.name[:1].isupper():
                if node.name == self.resource_type or node.name in ABSTRACT_BASES:
                    return Plan(None, types)
                if node.name in self.definitions.resource_types:
                    return EMPTY_PLAN
            return self.member(Plan(None, types), node.name)
        if isinstance(node, Member):
            target = self.compile(node.target, types, at_root)
            return target if target.empty else self.member(target, node.name)
        if isinstance(node, Invoke):
            return self.invoke(node, types, at_root)
        if isinstance(node, TypeOp):
            if node.op != "as":
                raise Unsupported(f"'{node.op}' outside where(resolve() is T)")
            return self.narrow(self.compile(node.operand, types, at_root), node.type_name)
        if isinstance(node, Index):
            if not isinstance(node.index, Literal) or type(node.index.value) is not int:
                raise Unsupported("indexer other than a literal integer")
            target = self.compile(node.target, types, at_root)
            return Plan(steps.index(target.fn, node.index.value), target.types)
        if isinstance(node, Literal):
            value = node.value
            return Plan(steps.constant([] if value is None else [value]), None)
        if isinstance(node, Variable):
            if at_root and node.name in ("resource", "rootResource", "context"):
                return Plan(None, types)
            raise Unsupported(f"%{node.name}")
        if isinstance(node, Binary):
            return self.binary(node, types, at_root)
        raise Unsupported(type(node).__name__.lower())

    def member(self, target: Plan, name: str) -> Plan:
        if target.types is None:
            return Plan(steps.dynamic_member(target.fn, name), None)
        keys: dict[str, str] = {}
        primitive = False
        unknown = False
        for type_name in target.types:
            structure = self.definitions.structures.get(type_name)
            if structure is None:
                continue  # a primitive: no members
            for key, spec in structure.elements.items():
                if key == name or (spec.choice is not None and spec.choice == name + "[x]"):
                    keys[key] = spec.type_name
                    primitive = primitive or spec.kind == PRIMITIVE
                    unknown = unknown or spec.kind == RESOURCE
        if not keys:
            raise Unsupported(
                f"no element '{name}' on {'/'.join(sorted(target.types)) or 'nothing'}"
            )
        fn = steps.members(target.fn, tuple(keys), primitive)
        result_types = None if unknown else frozenset(keys.values())
        return Plan(fn, result_types, target.fn, keys, primitive)

    def narrow(self, plan: Plan, type_name: str) -> Plan:
        if plan.empty:
            return plan
        if plan.keys is None:
            raise Unsupported(f"as/ofType({type_name}) on something other than an element")
        allowed = {type_name, type_name[:1].lower() + type_name[1:]} | _SUBTYPES.get(
            type_name, set()
        )
        keys = {k: t for k, t in plan.keys.items() if t in allowed}
        if not keys:
            return EMPTY_PLAN
        fn = steps.members(plan.parent, tuple(keys), plan.primitive)
        return Plan(fn, frozenset(keys.values()), plan.parent, keys, plan.primitive)

    def invoke(self, node: Invoke, types: frozenset[str] | None, at_root: bool) -> Plan:
        target = self.compile(node.target, types, at_root) if node.target else Plan(None, types)
        if target.empty:
            return target
        name, args = node.name, node.args
        if name in ("as", "ofType") and len(args) == 1 and isinstance(args[0], Name):
            return self.narrow(target, args[0].name)
        if name == "where" and len(args) == 1:
            return Plan(steps.where(target.fn, self.predicate(args[0], target.types)), target.types)
        if name == "extension" and len(args) == 1 and isinstance(args[0], Literal):
            url = str(args[0].value)
            return Plan(steps.extension(target.fn, url), frozenset({"Extension"}))
        if name == "exists" and len(args) == 1:
            filtered = steps.where(target.fn, self.predicate(args[0], target.types))
            return Plan(lambda focus: [bool(filtered(focus))], frozenset({"boolean"}))
        if args:
            raise Unsupported(f"{name}() with arguments")
        source = target.run()
        functions: dict[str, steps.Fn] = {
            "exists": lambda focus: [bool(source(focus))],
            "empty": lambda focus: [not source(focus)],
            "not": lambda focus: _negate(steps.as_bool(source(focus))),
            "first": lambda focus: source(focus)[:1],
            "last": lambda focus: source(focus)[-1:],
            "count": lambda focus: [len(source(focus))],
        }
        if name not in functions:
            raise Unsupported(f"{name}()")
        kept = target.types if name in ("first", "last") else frozenset({"boolean"})
        return Plan(functions[name], frozenset({"integer"}) if name == "count" else kept)

    def predicate(self, node: Expr, types: frozenset[str] | None) -> steps.Predicate:
        """A where() criterion, evaluated on each item alone."""
        if (
            isinstance(node, Binary)
            and node.op in ("=", "!=")
            and isinstance(node.left, Name)
            and isinstance(node.right, Literal)
            and node.right.value is not None
            and self.plain_element(node.left.name, types)
        ):
            return steps.field_equals(node.left.name, node.right.value, negate=node.op == "!=")
        if (
            isinstance(node, TypeOp)
            and node.op == "is"
            and isinstance(node.operand, Invoke)
            and node.operand.name == "resolve"
            and node.operand.target is None
        ):
            return steps.reference_to(node.type_name)
        criterion = self.compile(node, types, at_root=False).run()
        return lambda item: steps.as_bool(criterion([item])) is True

    def union(self, node: Binary, types: frozenset[str] | None, at_root: bool) -> Plan:
        """`a | b | c ...` as one step, the branches for other resource types dropped."""
        operands: list[Expr] = []
        pending: list[Expr] = [node]
        while pending:
            item = pending.pop()
            if isinstance(item, Binary) and item.op == "|":
                pending += [item.right, item.left]
            else:
                operands.append(item)
        branches = [p for p in (self.compile(o, types, at_root) for o in operands) if not p.empty]
        if not branches:
            return EMPTY_PLAN
        if len(branches) == 1:
            return branches[0]
        result_types: frozenset[str] | None = frozenset()
        for branch in branches:
            if branch.types is None or result_types is None:
                result_types = None
            else:
                result_types |= branch.types
        return Plan(steps.union([p.run() for p in branches]), result_types)

    def plain_element(self, name: str, types: frozenset[str] | None) -> bool:
        """Whether `name` is a single-valued, non-choice JSON property wherever it occurs."""
        if not types:
            return False
        specs = [
            s.elements.get(name)
            for s in (self.definitions.structures.get(t) for t in types)
            if s is not None
        ]
        return any(specs) and all(spec is None or not spec.is_list for spec in specs)

    def binary(self, node: Binary, types: frozenset[str] | None, at_root: bool) -> Plan:
        if node.op == "|":
            return self.union(node, types, at_root)
        left = self.compile(node.left, types, at_root)
        right = self.compile(node.right, types, at_root)
        first, second = left.run(), right.run()
        if node.op in ("=", "!="):
            negate = node.op == "!="

            def compare(focus: list[Any]) -> list[Any]:
                a, b = first(focus), second(focus)
                if not a or not b:
                    return []
                return [(a != b) if negate else (a == b)]

            return Plan(compare, frozenset({"boolean"}))
        if node.op in ("and", "or"):
            is_and = node.op == "and"

            def logic(focus: list[Any]) -> list[Any]:
                a, b = steps.as_bool(first(focus)), steps.as_bool(second(focus))
                decisive = not is_and  # False decides an `and`, True an `or`
                if a is decisive or b is decisive:
                    return [decisive]
                return [] if a is None or b is None else [not decisive]

            return Plan(logic, frozenset({"boolean"}))
        raise Unsupported(f"operator '{node.op}'")


def _negate(value: bool | None) -> list[Any]:
    return [] if value is None else [not value]
