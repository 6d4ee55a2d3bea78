"""Index rows at write time: every search parameter of the resource's type, from its compiled
FHIRPath expression, into the per-type index tables (store/schema.py).

Each parameter's values go through `values.index_entries` for its type and become positional rows
(INDEX_KEY_COLUMNS + the table's value columns). A composite parameter's components are stored as
rows of their own types under `code$0`, `code$1`, ..., with `grp` numbering the composite value
they came from, so that a query can require both components of the same value. `_id` and
`_lastUpdated` are not indexed: they are columns of `resources`. Parameters whose expression does
not compile are not indexed and not advertised (see `capabilities`).

Values longer than a B-tree entry allows are cut (`_MAX_KEY`): PostgreSQL refuses index entries
above ~2.7 kB, and a code, URI or folded string that long is never searched for whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from enlace.search import ucum
from enlace.search.expressions import CompiledComponent, compile_type
from enlace.search.registry import Registry
from enlace.search.values import (
    DateEntry,
    NumberEntry,
    OfTypeEntry,
    QuantityEntry,
    ReferenceEntry,
    StringEntry,
    TokenEntry,
    TokenText,
    index_entries,
    normalize_string,
)
from enlace.store.records import IndexRows

NATIVE_PARAMS = frozenset({"_id", "_lastUpdated"})  # columns of `resources`, not index rows
_MAX_KEY = 1024
_MAX_GROUPS = 32_000  # grp is a SMALLINT

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class IndexedParam:
    code: str
    type: str
    extract: Callable[[Any], list[Any]]
    components: tuple[tuple[CompiledComponent, str], ...] = ()  # (component, its param type)


class SearchIndexer:
    """Implements the store's Indexer protocol for a registry (immutable; build a new one when
    custom SearchParameters change)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._plans: dict[str, tuple[IndexedParam, ...]] = {}
        self.fingerprint = registry_fingerprint(registry)

    def plan(self, resource_type: str) -> tuple[IndexedParam, ...]:
        plan = self._plans.get(resource_type)
        if plan is None:
            plan = self._plans[resource_type] = self._compile(resource_type)
        return plan

    def indexed_codes(self, resource_type: str) -> frozenset[str]:
        """The parameter codes that have index rows for this type (for the query side)."""
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
            plan.append(IndexedParam(code, param.type, compiled.extract, tuple(components)))
        return tuple(plan)

    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        out: dict[str, list[Row]] = {}
        key = (resource_type, resource_id)
        memo: dict[tuple[str, int], tuple[Any, list[Row]]] = {}
        for param in self.plan(resource_type):
            values = param.extract(resource)
            if not values:
                continue
            if param.components:
                _composite_rows(out, key, param, values, resource, memo)
            else:
                _add(out, key, param.code, None, param.type, values, memo)
        return IndexRows(out)


def _flatten(values: Iterable[Any]) -> list[Any]:
    return [item for value in values for item in (value if isinstance(value, list) else (value,))]


Memo = dict[tuple[str, int], tuple[Any, list[Row]]]


def _composite_rows(
    out: dict[str, list[Row]],
    key: tuple[str, str],
    param: IndexedParam,
    values: list[Any],
    resource: dict[str, Any],
    memo: Memo,
) -> None:
    for group, value in enumerate(_flatten(values)[:_MAX_GROUPS]):
        parts = [component.extract(value, resource) for component, _ in param.components]
        if not all(parts):
            continue  # a value missing a component can never match the composite
        for position, ((_, component_type), found) in enumerate(
            zip(param.components, parts, strict=True)
        ):
            _add(out, key, f"{param.code}${position}", group, component_type, found, memo)


def _add(
    out: dict[str, list[Row]],
    key: tuple[str, str],
    code: str,
    group: int | None,
    param_type: str,
    values: list[Any],
    memo: Memo,
) -> None:
    """Rows of one parameter. The (table, value columns) of an element value are memoized by the
    value's identity for the length of one `rows` call: `code`, `combo-code` and the composites
    built on them read the same CodeableConcept (the memo keeps the value alive, so its id
    cannot be reused)."""
    resource_type, resource_id = key
    emitted: set[Row] = set()
    for value in values:
        if type(value) is list:
            _add(out, key, code, group, param_type, value, memo)
            continue
        memo_key = (param_type, id(value))
        hit = memo.get(memo_key)
        if hit is None:
            hit = memo[memo_key] = (value, _value_rows(param_type, value))
        for row in hit[1]:
            if row in emitted:
                continue
            emitted.add(row)
            table = row[0]
            if table == "token_index" and row[1] == _OF_TYPE:
                out.setdefault(table, []).append(
                    (resource_type, resource_id, f"{code}:of-type", group, *row[2:])
                )
                continue
            out.setdefault(table, []).append((resource_type, resource_id, code, group, *row[1:]))


_OF_TYPE = object()  # marks an identifier:of-type row, stored under `code:of-type`


def _value_rows(param_type: str, value: Any) -> list[Row]:
    rows: list[Row] = []
    for entry in index_entries(param_type, value):
        if type(entry) is QuantityEntry:
            rows.extend(_quantity_rows(entry))
        else:
            row = _row(entry)
            if row is not None:
                rows.append(row)
    return rows


def _cut(text: str | None) -> str | None:
    return text[:_MAX_KEY] if text is not None and len(text) > _MAX_KEY else text


def _row(entry: Any) -> Row | None:
    """(table, *value columns) for one index entry, None for an entry that is not stored."""
    kind = type(entry)
    if kind is TokenEntry:
        text = normalize_string(entry.text) if entry.text else None
        return ("token_index", _cut(entry.system), _cut(entry.code), _cut(text))
    if kind is StringEntry:
        return ("string_index", _cut(entry.normalized), entry.exact)
    if kind is DateEntry:
        return ("date_index", entry.low_us, entry.high_us)
    if kind is ReferenceEntry:
        return ("reference_index", entry.target_type, entry.target_id, _cut(entry.url))
    if kind is NumberEntry:
        return ("number_index", entry.value)
    if kind is TokenText:
        return ("token_index", None, None, _cut(normalize_string(entry.text)))
    if kind is OfTypeEntry:
        of_type = f"{entry.type_code}|{entry.value}"
        return ("token_index", _OF_TYPE, _cut(entry.type_system), _cut(of_type), None)
    if kind is str:
        return ("uri_index", _cut(entry))
    return None


def _quantity_rows(entry: QuantityEntry) -> tuple[Row, ...]:
    """The quantity as written (its code, or its unit when it has no code) and, when UCUM knows
    the unit, a canonical copy (`canonical` true) so that 1 g/L is found by a search in mg/dL."""
    unit_code = entry.code or entry.unit
    written = ("quantity_index", _cut(entry.system), _cut(unit_code), entry.value, False)
    if entry.canonical_value is None or entry.canonical_code is None:
        return (written,)
    canonical = (
        "quantity_index",
        ucum.UCUM_SYSTEM,
        entry.canonical_code,
        entry.canonical_value,
        True,
    )
    return (written, canonical)


def registry_fingerprint(registry: Registry) -> str:
    """Identifies what the indexes hold: the parameters (url, type, expression, components) and
    the extraction rules' version. A different fingerprint means existing rows must be rebuilt."""
    digest = hashlib.sha256(f"index-rules-v1|ucum-{ucum.UCUM_SYSTEM}".encode())
    for param in sorted(registry.params, key=lambda p: p.url):
        parts = [param.url, param.type, param.expression or "", *param.base]
        parts += [f"{c.definition}={c.expression}" for c in param.components]
        digest.update("\x1f".join(parts).encode() + b"\x1e")
    return digest.hexdigest()
