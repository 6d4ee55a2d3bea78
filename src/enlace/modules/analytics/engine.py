"""Evaluating a compiled ViewDefinition over resources: rows as tuples, in the view's column order.

Each select node becomes one closure `rows(focus, env) -> list[tuple]` (built once per view):
its own column values, times (cartesian product) each nested select's rows, times the
concatenation of its unionAll branches' rows — the column order of the spec (a node's columns,
then its selects', then its unionAll's). `forEach` runs the node once per item of its path,
`forEachOrNull` gives one row of nulls when the path is empty (its `%rowIndex` 0), `repeat` walks its paths
recursively (depth first, pre-order). `%rowIndex` is the index within the nearest enclosing
iteration (0 outside any).

Runtime errors (a `where` that is not boolean, a non-collection column with several values) are
`ViewRuntimeError`, naming the column or where and the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from enlace.modules.analytics.fhirpath import Env, Fn, single_value
from enlace.modules.analytics.fhirpath_values import FhirPathError
from enlace.modules.analytics.viewdef import Column, CompiledView, SelectNode

Row = tuple[Any, ...]
NodeRows = Callable[[list[Any], Env], list[Row]]


class ViewRuntimeError(ValueError):
    def __init__(self, message: str, location: str) -> None:
        super().__init__(f"{location}: {message}")
        self.message = message
        self.location = location

    def __reduce__(self) -> tuple[type[ViewRuntimeError], tuple[str, str]]:
        return (ViewRuntimeError, (self.message, self.location))  # from worker processes


class ViewRunner:
    """A view ready to run: `rows(resource)` for one resource, `run(resources)` for many."""

    def __init__(self, view: CompiledView) -> None:
        self.view = view
        self.resource_type = view.resource
        self._root = _node_rows(view.root)
        self._where = view.where

    @property
    def column_names(self) -> list[str]:
        return self.view.column_names

    def rows(self, resource: dict[str, Any]) -> list[Row]:
        env = Env(resource, 0)
        focus = [resource]
        try:
            for location, condition in self._where:
                if not _kept(condition(focus, env), location, resource):
                    return []
            return self._root(focus, env)
        except ViewRuntimeError:
            raise
        except FhirPathError as exc:
            raise ViewRuntimeError(f"{exc} ({_name(resource)})", self.view.name) from exc
        except (TypeError, ValueError, AttributeError, IndexError) as exc:
            # A function given a value of the wrong kind (`skip('a')`, `startsWith(1)`): an
            # error of the view for this resource, never a crash of the caller.
            message = f"cannot evaluate the view on {_name(resource)}: {exc}"
            raise ViewRuntimeError(message, self.view.name) from exc

    def run(self, resources: Iterable[dict[str, Any]]) -> Iterator[Row]:
        """Rows of every resource of the view's type (others are skipped)."""
        wanted = self.resource_type
        for resource in resources:
            if resource.get("resourceType") == wanted:
                yield from self.rows(resource)

    def dicts(self, resources: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        names = self.column_names
        for row in self.run(resources):
            yield dict(zip(names, row, strict=True))


def _kept(result: list[Any], location: str, resource: dict[str, Any]) -> bool:
    if not result:
        return False
    if len(result) > 1 or type(result[0]) is not bool:
        raise ViewRuntimeError(
            f"the where path must give a boolean, it gave {result[:3]!r} ({_name(resource)})",
            location,
        )
    return bool(result[0])


def _name(resource: dict[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _node_rows(node: SelectNode) -> NodeRows:
    columns = [_column_value(c) for c in node.columns]
    children = [_node_rows(child) for child in node.selects]
    branches = [_node_rows(branch) for branch in node.union]
    width = len(node.all_columns())

    def one_focus(focus: list[Any], env: Env) -> list[Row]:
        base: Row = tuple([value(focus, env) for value in columns])
        if not children and not branches:
            return [base]
        parts: list[list[Row]] = [[base]]
        index = env.row_index
        for child in children:
            env.row_index = index
            parts.append(child(focus, env))
        if branches:
            union: list[Row] = []
            for branch in branches:
                env.row_index = index
                union.extend(branch(focus, env))
            parts.append(union)
        env.row_index = index
        return _cartesian(parts)

    if node.iterate is None:
        return one_focus
    foci = _repeat(node.paths) if node.iterate == "repeat" else node.paths[0]
    or_null = node.iterate == "forEachOrNull"
    rest = (None,) * (width - len(columns))

    def nulls(env: Env) -> list[Row]:
        """forEachOrNull over nothing: the node's own columns read from an empty focus (so
        `%rowIndex` is 0, as the spec says), every nested column null."""
        env.row_index = 0
        return [tuple(value([], env) for value in columns) + rest]

    def iterated(focus: list[Any], env: Env) -> list[Row]:
        saved = env.row_index
        items = foci(focus, env)
        if not items:
            found = nulls(env) if or_null else []
            env.row_index = saved
            return found
        out: list[Row] = []
        for position, item in enumerate(items):
            env.row_index = position
            out.extend(one_focus([item], env))
        env.row_index = saved
        return out

    return iterated


def _cartesian(parts: list[list[Row]]) -> list[Row]:
    """Every combination of one row from each part, concatenated in order (most parts hold one
    row, so this is mostly a tuple concatenation)."""
    rows = parts[0]
    for part in parts[1:]:
        if len(part) == 1:
            only = part[0]
            rows = [row + only for row in rows]
        else:
            rows = [row + other for row in rows for other in part]
        if not rows:
            return rows
    return rows


def _repeat(paths: list[Fn]) -> Fn:
    def walk(focus: list[Any], env: Env) -> list[Any]:
        out: list[Any] = []

        def visit(item: Any) -> None:
            for path in paths:
                for child in path([item], env):
                    out.append(child)
                    visit(child)

        for item in focus:
            visit(item)
        return out

    return walk


def _column_value(column: Column) -> Callable[[list[Any], Env], Any]:
    evaluate = column.evaluate
    if column.collection:
        return lambda focus, env: evaluate(focus, env)

    def single(focus: list[Any], env: Env) -> Any:
        values = evaluate(focus, env)
        if not values:
            return None
        if len(values) > 1:
            raise ViewRuntimeError(
                f"column '{column.name}' gave {len(values)} values; declare it "
                "'collection: true' or narrow its path",
                column.location,
            )
        return values[0]

    return single_value(column.path, single)
