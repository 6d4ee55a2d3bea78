"""FHIRPath compiled once into Python closures, for SQL-on-FHIR views evaluated over many resources.

The expression is parsed by the search layer's parser (`enlace.search.expression_parser`, the
same AST the search extractors compile) and turned here into one closure per node:
`fn(focus, env) -> list`, where `focus` is the input collection (a list) and `env` carries the
resource, `%rowIndex` and nothing else — constants are bound into the closures at compile time,
so an undefined `%name` is a compile error, not a row-time one. Member chains (`name.given`)
become one loop over a tuple of names; `x.ofType(T)` on a choice element reads the JSON property
`xT` directly (`value.ofType(Quantity)` -> `valueQuantity`), as the search extractors do.

The subset is what SQL-on-FHIR v2 requires ("FHIRPath subset": paths, indexers, `where`,
`exists`, `empty`, `first`, `last`, `ofType`, `extension(url)`, `join`, `getResourceKey`,
`getReferenceKey([type])`, `lowBoundary`, `highBoundary`, `not`, boolean logic, comparison,
arithmetic, `%constants`, `$this`, unions) plus a few common helpers (`count`, `select`,
`distinct`, `iif`, `single`, `tail`, `skip`, `take`, `toString`, `startsWith`, `contains`,
`all`). Anything else is refused when the view is compiled, naming the function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from enlace.modules.analytics import fhirpath_functions as functions
from enlace.modules.analytics.fhirpath_steps import (
    Env,
    Fn,
    _boundary_type,
    _chain,
    _choice_step,
    _choice_value,
    _last_name,
    _logic,
    _member_path,
    _type_name,
    _type_name_step,
    _union,
)
from enlace.modules.analytics.fhirpath_values import (
    FhirPathError,
    choice_names,
    compare,
    equal,
    equivalent,
    is_of_type,
)
from enlace.search.expression_parser import (
    Binary,
    Expr,
    Index,
    Invoke,
    Literal,
    Member,
    Name,
    ParseError,
    TypeOp,
    Unary,
    Variable,
    parse,
)


@dataclass
class Scope:
    """Compile-time facts: the view's constants (already FHIRPath values) and a type hint for
    `lowBoundary()`/`highBoundary()` (the column's declared type) when the path does not say."""

    constants: Mapping[str, Any] = field(default_factory=dict)
    boundary_type: str | None = None


BUILTIN_VARIABLES = frozenset({"rowIndex", "resource", "context", "rootResource"})


def compile_path(text: str, scope: Scope | None = None) -> Fn:
    """The closure of a FHIRPath expression; raises FhirPathError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise FhirPathError("the FHIRPath expression is empty")
    try:
        tree = parse(text)
    except ParseError as exc:
        raise FhirPathError(f"'{text}' is not valid FHIRPath: {exc}") from exc
    return _Compiler(scope or Scope()).compile(tree)


def single_value(
    text: str, general: Callable[[list[Any], Env], Any]
) -> Callable[[list[Any], Env], Any]:
    """For a column that is one value: when the path is a plain member chain (`subject.reference`),
    a getter that walks one item without building lists, falling back to `general` when a step
    meets several values (so errors and results stay those of the general path)."""
    try:
        tree: Expr | None = parse(text)
    except ParseError:
        return general
    names: list[str] = []  # reversed; "" stands for first() right after the name before it
    while isinstance(tree, (Member, Invoke)):
        if isinstance(tree, Invoke):
            if tree.name != "first" or tree.args or not isinstance(tree.target, (Member, Name)):
                return general
            names.append("")
        else:
            names.append(tree.name)
        tree = tree.target
    if not isinstance(tree, Name) or tree.name == "$this" or tree.name[:1].isupper():
        return general
    names.append(tree.name)
    names.reverse()
    choices = choice_names()
    steps = tuple(
        (name, name in choices, len(name), names[i + 1 : i + 2] == [""])
        for i, name in enumerate(names)
        if name
    )

    def value(focus: list[Any], env: Env) -> Any:
        if len(focus) != 1:
            return general(focus, env)
        item = focus[0]
        for name, choice, length, first in steps:
            if type(item) is not dict:
                return None
            found = item.get(name)
            if found is None:
                found = _choice_value(item, name, length) if choice else None
                if found is None:
                    return None
            if type(found) is list:
                if not found:
                    return None
                if len(found) > 1 and not first:
                    return general(focus, env)
                found = found[0]
            item = found
        return item

    return value


class _Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def compile(self, node: Expr) -> Fn:
        if isinstance(node, (Name, Member)):
            return self.path(node)
        if isinstance(node, Literal):
            constant = [] if node.value is None else [node.value]
            return lambda focus, env: constant
        if isinstance(node, Variable):
            return self.variable(node.name)
        if isinstance(node, Invoke):
            return self.invoke(node)
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, TypeOp):
            return self.type_op(node)
        raise FhirPathError(f"unsupported FHIRPath construct {type(node).__name__}")

    # -- paths ---------------------------------------------------------------------------------
    def path(self, node: Name | Member) -> Fn:
        """A run of member steps as one loop; the head of the run compiled on its own."""
        names: list[str] = []
        current: Expr | None = node
        while isinstance(current, Member):
            names.append(current.name)
            current = current.target
        head: Fn | None = None
        if isinstance(current, Name):
            if current.name == "$this":
                head = None
            elif current.name[:1].isupper() and not names:
                return _type_name_step(current.name)
            elif current.name[:1].isupper():
                head = _type_name_step(current.name)
            else:
                names.append(current.name)
        elif current is not None:
            head = self.compile(current)
        names.reverse()
        fused = _member_path(tuple(names))
        if head is None:
            return fused
        return lambda focus, env: fused(head(focus, env), env)

    def variable(self, name: str) -> Fn:
        if name == "rowIndex":
            return lambda focus, env: [env.row_index]
        if name in ("resource", "context", "rootResource"):
            return lambda focus, env: [env.resource]
        if name not in self.scope.constants:
            raise FhirPathError(f"%{name} is not defined (no constant of that name in the view)")
        value = self.scope.constants[name]
        constant = [value]
        return lambda focus, env: constant

    def index(self, node: Index) -> Fn:
        target, position = self.compile(node.target), self.compile(node.index)

        def at(focus: list[Any], env: Env) -> list[Any]:
            items = target(focus, env)
            where = position(focus, env)
            if len(where) != 1 or type(where[0]) is not int:
                raise FhirPathError("an indexer needs one integer")
            i = where[0]
            return [items[i]] if 0 <= i < len(items) else []

        return at

    # -- functions -----------------------------------------------------------------------------
    def invoke(self, node: Invoke) -> Fn:
        if node.name in ("ofType", "as") and len(node.args) == 1:
            return self.of_type(node.target, _type_name(node.args[0]))
        target = self.compile(node.target) if node.target is not None else None
        if node.name in functions.WITH_EXPRESSIONS:  # where(...), exists(...), select(...)
            args: tuple[Any, ...] = tuple(self.compile(a) for a in node.args)
            make = functions.WITH_EXPRESSIONS[node.name]
        elif node.name in functions.WITH_VALUES:
            args = tuple(self.argument_value(node.name, a) for a in node.args)
            make = functions.WITH_VALUES[node.name]
        elif node.name in ("lowBoundary", "highBoundary"):
            kind = _boundary_type(node.target) or self.scope.boundary_type
            args = (node.name == "highBoundary", kind)
            make = functions.boundary
        else:
            raise FhirPathError(f"the FHIRPath function {node.name}() is not supported")
        try:
            apply = make(*args)
        except TypeError as exc:
            raise FhirPathError(f"wrong arguments for {node.name}(): {exc}") from exc
        if target is None:
            return lambda focus, env: apply(focus, env)
        return lambda focus, env: apply(target(focus, env), env)

    def argument_value(self, function: str, node: Expr) -> Any:
        """A literal argument (`join(', ')`, `extension('url')`, `getReferenceKey(Patient)`)."""
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):  # a type name
            return node.name
        if isinstance(node, Variable) and node.name in self.scope.constants:
            return self.scope.constants[node.name]
        raise FhirPathError(f"{function}() takes a literal argument")

    def of_type(self, target_node: Expr | None, type_name: str) -> Fn:
        """`x.ofType(T)`: on a choice element the JSON property `xT`; otherwise a type filter."""
        if isinstance(target_node, (Member, Name)) and _last_name(target_node) in choice_names():
            base = _last_name(target_node)
            parent = target_node.target if isinstance(target_node, Member) else None
            head = self.compile(parent) if parent is not None else None
            return _chain(head, (_choice_step(base, type_name),))
        target = self.compile(target_node) if target_node is not None else None

        def filtered(focus: list[Any], env: Env) -> list[Any]:
            items = target(focus, env) if target is not None else focus
            return [item for item in items if is_of_type(item, type_name)]

        return filtered

    # -- operators -----------------------------------------------------------------------------
    def binary(self, node: Binary) -> Fn:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op in ("and", "or", "xor", "implies"):
            return _logic(op, left, right)
        if op == "|":
            return lambda focus, env: _union(left(focus, env), right(focus, env))
        operation = _OPERATIONS.get(op)
        if operation is None:
            raise FhirPathError(f"the FHIRPath operator '{op}' is not supported")
        return lambda focus, env: operation(left(focus, env), right(focus, env))

    def unary(self, node: Unary) -> Fn:
        operand = self.compile(node.operand)
        if node.op == "+":
            return operand

        def negate(focus: list[Any], env: Env) -> list[Any]:
            return [-value for value in operand(focus, env)]

        return negate

    def type_op(self, node: TypeOp) -> Fn:
        if node.op == "as":
            return self.of_type(node.operand, node.type_name)
        operand, type_name = self.compile(node.operand), node.type_name

        def is_type(focus: list[Any], env: Env) -> list[Any]:
            items = operand(focus, env)
            if not items:
                return []
            return [len(items) == 1 and is_of_type(items[0], type_name)]

        return is_type


_OPERATIONS: dict[str, Callable[[list[Any], list[Any]], list[Any]]] = {
    "=": equal,
    "!=": lambda a, b: [not r for r in equal(a, b)],
    "~": equivalent,
    "!~": lambda a, b: [not r for r in equivalent(a, b)],
    "<": lambda a, b: compare(a, b, lambda x: x < 0),
    ">": lambda a, b: compare(a, b, lambda x: x > 0),
    "<=": lambda a, b: compare(a, b, lambda x: x <= 0),
    ">=": lambda a, b: compare(a, b, lambda x: x >= 0),
    **functions.ARITHMETIC,
}
