"""Reading a SQL-on-FHIR v2 ViewDefinition: every problem found, each with where it is.

`compile_view(json)` checks the structure (a `resource`, `select`s of `column`/`select`/
`unionAll`/`forEach`/`forEachOrNull`/`repeat`, well-formed `constant`s and `where`s, unique
column names, unionAll branches with the same columns in the same order) and compiles every
FHIRPath once (fhirpath.py), so an unknown function or an undefined `%constant` is found here,
not on the millionth row. Problems are raised together as `ViewDefinitionError`, each an
`Issue` whose location reads like `ViewDefinition.select[0].column[1].path`.

Spec: https://sql-on-fhir.org/ig/StructureDefinition-ViewDefinition.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from enlace.kernel.errors import Issue
from enlace.modules.analytics.fhirpath import Fn, Scope, compile_path
from enlace.modules.analytics.fhirpath_values import FhirPathError

_COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]*")
_NODE_KEYS = frozenset({"column", "select", "unionAll", "forEach", "forEachOrNull", "repeat"})


class ViewDefinitionError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.expression}: {i.diagnostics}" for i in issues))
        self.issues = issues


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    path: str
    type: str | None
    collection: bool
    location: str
    evaluate: Fn


@dataclass(slots=True)
class SelectNode:
    """One `select` (or unionAll branch): its own columns, then its nested selects, then its
    unionAll; `iterate` is how its focus is found (None: the parent's focus)."""

    columns: list[Column] = field(default_factory=list)
    selects: list[SelectNode] = field(default_factory=list)
    union: list[SelectNode] = field(default_factory=list)
    iterate: str | None = None  # forEach | forEachOrNull | repeat
    paths: list[Fn] = field(default_factory=list)

    def all_columns(self) -> list[Column]:
        found = list(self.columns)
        for child in self.selects:
            found.extend(child.all_columns())
        if self.union:
            found.extend(self.union[0].all_columns())
        return found


@dataclass(slots=True)
class CompiledView:
    name: str
    resource: str
    root: SelectNode
    where: list[tuple[str, Fn]]
    columns: list[Column]
    definition: dict[str, Any]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def compile_view(definition: Any) -> CompiledView:
    """The compiled view, or ViewDefinitionError listing every problem with its location."""
    return _Reader().read(definition)


class _Reader:
    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.scope = Scope()

    def problem(self, location: str, message: str) -> None:
        self.issues.append(Issue("invalid", message, location))

    def read(self, definition: Any) -> CompiledView:
        where_root = "ViewDefinition"
        if not isinstance(definition, dict):
            self.problem(where_root, "a ViewDefinition must be a JSON object")
            raise ViewDefinitionError(self.issues)
        resource = definition.get("resource")
        if not isinstance(resource, str) or not _RESOURCE_TYPE.fullmatch(resource):
            self.problem(f"{where_root}.resource", "'resource' must name a FHIR resource type")
        self.scope = Scope(constants=self.constants(definition.get("constant", [])))
        root = SelectNode()
        selects = definition.get("select")
        if not isinstance(selects, list) or not selects:
            self.problem(f"{where_root}.select", "'select' must be a non-empty list")
        else:
            root.selects = [
                self.node(s, f"{where_root}.select[{i}]") for i, s in enumerate(selects)
            ]
        wheres = self.wheres(definition.get("where", []))
        columns = root.all_columns()
        self.unique_names(columns)
        if self.issues:
            raise ViewDefinitionError(self.issues)
        name = definition.get("name") or definition.get("id") or str(resource).lower()
        return CompiledView(str(name), str(resource), root, wheres, columns, definition)

    def constants(self, constants: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if not isinstance(constants, list):
            self.problem("ViewDefinition.constant", "'constant' must be a list")
            return values
        for i, constant in enumerate(constants):
            location = f"ViewDefinition.constant[{i}]"
            name = constant.get("name") if isinstance(constant, dict) else None
            if not isinstance(name, str) or not _COLUMN_NAME.fullmatch(name):
                self.problem(f"{location}.name", "a constant needs a name (letters, digits, _)")
                continue
            given = [k for k in constant if k.startswith("value")]
            if len(given) != 1:
                self.problem(location, f"constant '{name}' needs exactly one value[x]")
                continue
            values[name] = constant[given[0]]
        return values

    def wheres(self, wheres: Any) -> list[tuple[str, Fn]]:
        compiled: list[tuple[str, Fn]] = []
        if not isinstance(wheres, list):
            self.problem("ViewDefinition.where", "'where' must be a list")
            return compiled
        for i, where in enumerate(wheres):
            location = f"ViewDefinition.where[{i}].path"
            path = where.get("path") if isinstance(where, dict) else None
            function = self.path(path, location)
            if function is not None:
                compiled.append((location, function))
        return compiled

    def path(self, path: Any, location: str, boundary_type: str | None = None) -> Fn | None:
        if not isinstance(path, str) or not path.strip():
            self.problem(location, "a FHIRPath expression (string) is required")
            return None
        try:
            return compile_path(path, Scope(self.scope.constants, boundary_type))
        except FhirPathError as exc:
            self.problem(location, str(exc))
            return None

    def node(self, spec: Any, location: str) -> SelectNode:
        node = SelectNode()
        if not isinstance(spec, dict):
            self.problem(location, "a select must be a JSON object")
            return node
        unknown = sorted(set(spec) - _NODE_KEYS - {"extension", "id", "description"})
        if unknown:
            self.problem(location, f"unknown select element(s): {', '.join(unknown)}")
        self.iteration(spec, node, location)
        for i, column in enumerate(self.list_of(spec, "column", location)):
            compiled = self.column(column, f"{location}.column[{i}]")
            if compiled is not None:
                node.columns.append(compiled)
        node.selects = [
            self.node(child, f"{location}.select[{i}]")
            for i, child in enumerate(self.list_of(spec, "select", location))
        ]
        node.union = [
            self.node(branch, f"{location}.unionAll[{i}]")
            for i, branch in enumerate(self.list_of(spec, "unionAll", location))
        ]
        self.same_branch_columns(node.union, f"{location}.unionAll")
        return node

    def list_of(self, spec: dict[str, Any], key: str, location: str) -> list[Any]:
        value = spec.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{location}.{key}", f"'{key}' must be a list")
            return []
        return value

    def iteration(self, spec: dict[str, Any], node: SelectNode, location: str) -> None:
        kinds = [k for k in ("forEach", "forEachOrNull", "repeat") if k in spec]
        if len(kinds) > 1:
            self.problem(location, f"a select takes one of forEach, forEachOrNull, repeat: {kinds}")
            return
        if not kinds:
            return
        kind = kinds[0]
        node.iterate = kind
        paths = spec[kind] if kind == "repeat" else [spec[kind]]
        if kind == "repeat" and (not isinstance(paths, list) or not paths):
            self.problem(f"{location}.repeat", "'repeat' must be a non-empty list of FHIRPath")
            return
        for i, path in enumerate(paths):
            where = f"{location}.{kind}" + (f"[{i}]" if kind == "repeat" else "")
            function = self.path(path, where)
            if function is not None:
                node.paths.append(function)

    def column(self, spec: Any, location: str) -> Column | None:
        if not isinstance(spec, dict):
            self.problem(location, "a column must be a JSON object")
            return None
        name, kind, collection = spec.get("name"), spec.get("type"), spec.get("collection", False)
        if not isinstance(name, str) or not _COLUMN_NAME.fullmatch(name):
            self.problem(f"{location}.name", "a column name must match [A-Za-z][A-Za-z0-9_]*")
        if kind is not None and not isinstance(kind, str):
            self.problem(f"{location}.type", "'type' must be a FHIR type name")
            kind = None
        if not isinstance(collection, bool):
            self.problem(f"{location}.collection", "'collection' must be true or false")
        function = self.path(spec.get("path"), f"{location}.path", kind)
        if function is None or not isinstance(name, str):
            return None
        return Column(name, spec["path"], kind, collection is True, location, function)

    def same_branch_columns(self, branches: list[SelectNode], location: str) -> None:
        if len(branches) < 2:
            return
        first = [c.name for c in branches[0].all_columns()]
        for i, branch in enumerate(branches[1:], start=1):
            names = [c.name for c in branch.all_columns()]
            if names != first:
                self.problem(
                    f"{location}[{i}]",
                    f"unionAll branches need the same columns in the same order: {names} "
                    f"differs from {first}",
                )

    def unique_names(self, columns: list[Column]) -> None:
        seen: set[str] = set()
        for column in columns:
            if column.name in seen:
                self.problem(column.location, f"the column name '{column.name}' is used twice")
            seen.add(column.name)
