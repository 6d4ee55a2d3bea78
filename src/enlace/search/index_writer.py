"""Index rows at write time: every search parameter of the resource's type, from its compiled
FHIRPath expression, into the per-type index tables (store/schema.py).

Each parameter's values go through the row builder of its type (`BUILDERS`: the rules of
`values.index_entries`, written straight as value columns) and become positional rows
(INDEX_KEY_COLUMNS + the table's value columns). A composite parameter's components are stored as
rows of their own types under `code$0`, `code$1`, ..., with `grp` numbering the composite value
they came from, so that a query can require both components of the same value. An Identifier's
type codings also give `code:of-type` rows (code `typecode|value`), and a Reference's identifier
gives `code:identifier` token rows (for the `:identifier` modifier). `_id` and `_lastUpdated` are
not indexed: they are columns of `resources`. Derived parameters (`search/derived.py`: unions
and combinations of other parameters of the type, such as `combo-code`) get no rows either: the
query side reads their aliases' rows, so they stay searchable (`indexed_codes` lists them). Parameters whose expression does not compile are
not indexed and not advertised (see `capabilities`).

Values longer than a B-tree entry allows are cut (`values_rows.MAX_KEY`): PostgreSQL refuses index entries
above ~2.7 kB, and a code, URI or folded string that long is never searched for whole.

This runs on every create and update, so the plan is compiled per type once and kept cheap to run
(docs/performance.md, "Search indexing at write time"): only the parameters whose top-level
properties the resource has are extracted, each extractor runs once per write however many
parameters share it, and the rows of a value are built once however many parameters read it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from enlace.search import ucum
from enlace.search.derived import derived
from enlace.search.expressions import CompiledComponent, compile_type
from enlace.search.registry import Registry
from enlace.search.values_rows import BUILDERS, Builder, Built
from enlace.store.records import IndexRows

NATIVE_PARAMS = frozenset({"_id", "_lastUpdated"})  # columns of `resources`, not index rows
_MAX_GROUPS = 32_000  # grp is a SMALLINT


Row = tuple[Any, ...]
Tables = dict[str, list[Row]]
Memo = dict[tuple[Builder, int], Built]


@dataclass(frozen=True, slots=True)
class IndexedParam:
    code: str
    type: str
    extract: Callable[[Any], list[Any]]
    components: tuple[tuple[CompiledComponent, str], ...] = ()  # (component, its param type)
    roots: frozenset[str] | None = None  # Compiled.roots: skip when none is in the resource
    expression: str = ""


# Run-time forms, plain tuples because they are unpacked for every parameter of every write.
# A target: where one parameter's (or one component's) values go: (param, param of its side rows,
# row builder of its type, table).
_Target = tuple[str, str, Builder, str]
# A composite's component: (extractor, target, what identifies its values: (the composite's
# expression, the component's)). `code-value-quantity`, `code-value-concept`, ... share `code`.
_Component = tuple[Callable[[Any, Any], list[Any]], _Target, tuple[str, str]]
# A step: (extractor, target; or None and the components of a composite).
_Step = tuple[Callable[[Any], list[Any]], _Target | None, tuple[_Component, ...]]


@dataclass(frozen=True, slots=True)
class _TypePlan:
    steps: tuple[_Step, ...]
    always: frozenset[int]  # steps to run whatever the resource holds
    by_root: dict[str, tuple[int, ...]]  # top-level property -> steps that read it


class SearchIndexer:
    """Implements the store's Indexer protocol for a registry (immutable; build a new one when
    custom SearchParameters change)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._plans: dict[str, tuple[IndexedParam, ...]] = {}
        self._run_plans: dict[str, _TypePlan] = {}
        self.fingerprint = registry_fingerprint(registry)

    def plan(self, resource_type: str) -> tuple[IndexedParam, ...]:
        plan = self._plans.get(resource_type)
        if plan is None:
            plan = self._plans[resource_type] = self._compile(resource_type)
        return plan

    def indexed_codes(self, resource_type: str) -> frozenset[str]:
        """The parameter codes that are searchable for this type (for the query side): those with
        index rows and the derived ones, read from their aliases' rows."""
        return frozenset(p.code for p in self.plan(resource_type))

    def _compile(self, resource_type: str) -> tuple[IndexedParam, ...]:
        plan = []
        for code, compiled in sorted(compile_type(self.registry, resource_type).items()):
            if code in NATIVE_PARAMS:
                continue
            param = self.registry.get(resource_type, code)
            assert param is not None
            components = []
            for component in compiled.components:
                definition = self.registry.by_url(component.definition)
                if definition is None:
                    break
                components.append((component, definition.type))
            if param.type == "composite" and len(components) != len(compiled.components):
                continue  # a component whose definition is unknown cannot be indexed
            plan.append(
                IndexedParam(
                    code,
                    param.type,
                    compiled.extract,
                    tuple(components),
                    compiled.roots,
                    compiled.expression,
                )
            )
        return tuple(plan)

    def _type_plan(self, resource_type: str) -> _TypePlan:
        """The plan as run: each parameter bound to the row builder of its type up front, and
        indexed by the top-level properties it reads, so that a write runs only the extractors
        that can find something (an Observation has 44 parameters and uses a dozen)."""
        found = self._run_plans.get(resource_type)
        if found is not None:
            return found
        steps: list[_Step] = []
        always: set[int] = set()
        by_root: dict[str, list[int]] = {}
        skipped = derived(self.registry, resource_type)
        for param in self.plan(resource_type):
            if param.code in skipped:
                continue  # its rows would repeat other parameters' rows
            step = _step(param)
            if step is None:
                continue
            for root in param.roots if param.roots is not None else ():
                by_root.setdefault(root, []).append(len(steps))
            if param.roots is None:
                always.add(len(steps))
            steps.append(step)
        found = _TypePlan(
            tuple(steps), frozenset(always), {k: tuple(v) for k, v in by_root.items()}
        )
        self._run_plans[resource_type] = found
        return found

    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        plan = self._type_plan(resource_type)
        wanted = set(plan.always)
        for prop in resource:
            hit = plan.by_root.get(prop)
            if hit is not None:
                wanted.update(hit)
        out: Tables = {}
        memo: Memo = {}
        # Parameters with the same expression (a union shared by many types) share one compiled
        # extractor (compile_expression is cached): run it once per write. Same for composites'
        # components (see _Component).
        extracted: dict[Any, list[Any]] = {}
        steps = plan.steps
        for index in sorted(wanted):
            extract, target, components = steps[index]
            values = extracted.get(extract)
            if values is None:
                values = extracted[extract] = extract(resource)
            if not values:
                continue
            if target is not None:
                _emit(out, (resource_type, resource_id, target[0], None), target, values, memo)
            else:
                owner = (resource_type, resource_id)
                _composite(out, owner, components, values, resource, memo, extracted)
        return IndexRows(out)


def _step(param: IndexedParam) -> _Step | None:
    if not param.components:
        target = _target(param.code, param.type)
        return None if target is None else (param.extract, target, ())
    parts = []
    for n, (component, kind) in enumerate(param.components):
        target = _target(f"{param.code}${n}", kind)
        if target is None:
            return None  # a component type without index rows: the composite cannot match
        parts.append((component.extract, target, (param.expression, component.expression)))
    return (param.extract, None, tuple(parts))


def _target(code: str, param_type: str) -> _Target | None:
    kind = BUILDERS.get(param_type)
    if kind is None:
        return None
    build, table, side = kind
    return (code, f"{code}:{side}" if side else code, build, table)


def _flatten(values: list[Any]) -> list[Any]:
    if not any(type(value) is list for value in values):
        return values
    return [i for v in values for i in (_flatten(v) if type(v) is list else (v,))]


def _composite(
    out: Tables,
    key: tuple[str, str],
    components: tuple[_Component, ...],
    values: list[Any],
    resource: dict[str, Any],
    memo: Memo,
    extracted: dict[Any, list[Any]],
) -> None:
    resource_type, resource_id = key
    for group, value in enumerate(_flatten(values)[:_MAX_GROUPS]):
        parts = []
        for extract, _, shared in components:
            found = extracted.get((shared, id(value)))
            if found is None:
                found = extracted[shared, id(value)] = extract(value, resource)
            if not found:
                break  # a value missing a component can never match the composite
            parts.append(found)
        else:
            for (_, target, _), found in zip(components, parts, strict=True):
                _emit(out, (resource_type, resource_id, target[0], group), target, found, memo)


def _emit(out: Tables, key: Row, target: _Target, values: list[Any], memo: Memo) -> None:
    """The rows of one parameter's values, each distinct row once. The rows of a dict value are
    memoized by its identity for one `rows` call: `code`, `combo-code` and the composites built
    on them read the same CodeableConcept. Dicts come from the resource being indexed (steps
    never build one), which outlives the memo, so an id cannot be reused meanwhile."""
    _, side_code, build, table = target
    if len(values) == 1:  # most parameters: one value, no lists to concatenate
        main, side = _built(build, values[0], memo)
    else:
        main, side = [], []
        for value in values:
            found, found_side = _built(build, value, memo)
            main += found
            side += found_side
    if main:
        if len(main) > 1:
            main = list(dict.fromkeys(main))  # a union, or repeated codings: one row each
        rows = out.get(table)
        if rows is None:
            rows = out[table] = []
        rows += [key + cells for cells in main]
    if side:
        side_key = (key[0], key[1], side_code, key[3])
        rows = out.get("token_index")
        if rows is None:
            rows = out["token_index"] = []
        rows += [side_key + cells for cells in dict.fromkeys(side)]


def _built(build: Builder, value: Any, memo: Memo) -> Built:
    kind = type(value)
    if kind is dict:
        built = memo.get((build, id(value)))
        if built is None:
            built = memo[build, id(value)] = build(value)
        return built
    if kind is list:  # never from FHIR JSON (no arrays of arrays); kept for safety
        main: list[Row] = []
        side: list[Row] = []
        for item in _flatten(value):
            found, found_side = build(item)
            main += found
            side += found_side
        return main, side
    return build(value)


def registry_fingerprint(registry: Registry) -> str:
    """Identifies what the indexes hold: the parameters (url, type, expression, components) and
    the extraction rules' version. A different fingerprint means existing rows must be rebuilt."""
    # v2: Reference.identifier rows (`code:identifier`). v3: no rows for derived parameters,
    # nor for redundant concept text and canonical quantity copies (values_rows).
    digest = hashlib.sha256(f"index-rules-v3|ucum-{ucum.UCUM_SYSTEM}".encode())
    for param in sorted(registry.params, key=lambda p: p.url):
        parts = [param.url, param.type, param.expression or "", *param.base]
        parts += [f"{c.definition}={c.expression}" for c in param.components]
        digest.update("\x1f".join(parts).encode() + b"\x1e")
    return digest.hexdigest()
