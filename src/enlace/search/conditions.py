"""FHIR R4 search criteria compiled to SQL conditions on a `resources` row (or an alias of it).

`criterion(ctx, target, type, name, value)` turns one query parameter (`code`, `code:modifier`,
`ref:Type.chained`, `_has:Type:ref:criterion`, composites) into a condition the caller ANDs into
its WHERE; commas in the value are ORs. It returns None for a parameter the type does not have
(or that has no index rows), which the caller reports as a warning, and raises a 400 naming the
parameter for malformed values, prefixes, references and modifiers, and for chains deeper than
`max_chain_depth`. `sort_key` gives the value a resource sorts by for `_sort`.

A derived parameter (search/derived.py: `combo-code`, `code-value-quantity`, ...) has no rows
of its own: a criterion on it is the OR of the criterion on the parameters it unites (negated
modifiers and `:missing=true` negate that OR), or for a composite over the resource itself the
AND of its components' criteria on the parameters they are.

The pieces: `conditions_values` (row predicates per type), `conditions_types` (the EXISTS per
parameter type and modifier), `conditions_joins` (composites, chains, `_has`). The index layout
they read is described in docs/storage-and-search.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel import errors
from enlace.search import conditions_types as types
from enlace.search import conditions_values as cv
from enlace.search.conditions_joins import (
    State,
    chain,
    component_types,
    composite,
    reverse_chain,
    root_composite,
)
from enlace.search.derived import Derivation, RootComposite, Union, derived
from enlace.search.registry import Registry, SearchParam
from enlace.search.values import parse_date_value, split_or, unescape

__all__ = ["SearchContext", "criterion", "sort_key"]

NATIVE = frozenset({"_id", "_lastUpdated"})
MAX_ALTERNATIVES = 100

# The modifiers R4 defines for each parameter type (besides `:missing`, and `:[type]` on
# references); of those, the ones this server does not implement.
DEFINED_MODIFIERS: dict[str, frozenset[str]] = {
    "string": frozenset({"exact", "contains"}),
    "token": frozenset({"text", "not", "above", "below", "in", "not-in", "of-type"}),
    "reference": frozenset({"identifier", "above", "below"}),
    "uri": frozenset({"above", "below"}),
}
UNSUPPORTED_MODIFIERS = frozenset({"above", "below"})  # on token and reference

Predicate = ColumnElement[bool]


@dataclass(frozen=True)
class SearchContext:
    registry: Registry
    indexed: Callable[[str], frozenset[str]]  # resource type -> codes that have index rows
    now_us: int | None = None  # for date `ap`; None = the current time
    max_chain_depth: int = 3  # chained links and nested _has, each
    # The rows of a chained or `_has` type the asker may search (a `resources` alias in, a
    # condition or None out): without it a chain could filter on data the asker cannot see.
    visible: Callable[[str, Any], Predicate | None] | None = None

    def visible_rows(self, resource_type: str, target: Any) -> Predicate | None:
        return None if self.visible is None else self.visible(resource_type, target)


def criterion(
    ctx: SearchContext, target: Any, resource_type: str, name: str, value: str
) -> Predicate | None:
    """The condition for one `name=value` query parameter on `target` (a `resources` alias of
    `resource_type`), or None when the type has no such parameter."""
    _check_text(name, name)
    _check_text(name, value)
    return _compile(ctx, target, resource_type, name, value, State(name))


def _compile(
    ctx: SearchContext, target: Any, resource_type: str, name: str, value: str, state: State
) -> Predicate | None:
    if name.startswith("_has:"):
        return reverse_chain(ctx, target, resource_type, name, value, state, _compile)
    head, dot, rest = name.partition(".")
    if dot:
        return chain(ctx, target, resource_type, head, rest, value, state, _compile)
    code, _, modifier = head.partition(":")
    if code in NATIVE:
        return _native(ctx, target, code, modifier, value, state.label)
    param = _param(ctx, resource_type, code)
    if param is None:
        return None
    if modifier == "missing":
        return _missing(ctx, target, resource_type, param, value, state.label)
    return _by_type(ctx, target, resource_type, param, modifier or None, value, state.label)


def _param(ctx: SearchContext, resource_type: str, code: str) -> SearchParam | None:
    param = ctx.registry.get(resource_type, code)
    if param is None or param.type == "special" or code not in ctx.indexed(resource_type):
        return None
    return param


def _by_type(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    modifier: str | None,
    value: str,
    label: str,
) -> Predicate | None:
    _check_modifier(ctx, param, modifier, label)
    how = derived(ctx.registry, resource_type).get(param.code)
    if how is not None:
        return _derived(ctx, target, resource_type, param, how, modifier, value, label)
    alternatives = _alternatives(value, label)
    kind, code = param.type, param.code
    if kind == "token":
        return types.token(ctx, target, resource_type, code, modifier, label, alternatives)
    if kind == "string":
        return types.string(target, resource_type, code, modifier, label, alternatives)
    if kind == "reference":
        return types.reference(target, resource_type, code, modifier, label, alternatives)
    if kind == "uri":
        return types.uri(target, resource_type, code, modifier, label, alternatives)
    if kind == "composite":
        return composite(ctx, target, resource_type, param, label, alternatives)
    if kind in ("date", "number", "quantity"):
        return types.simple(ctx, target, resource_type, param, label, alternatives)
    return None


# A negated criterion on a union is the negation of the union of the positive criteria.
_POSITIVE = {"not": None, "not-in": "in"}


def _derived(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    how: Derivation,
    modifier: str | None,
    value: str,
    label: str,
) -> Predicate | None:
    """A parameter without rows of its own (search/derived.py), from the parameters it combines."""
    if isinstance(how, RootComposite):
        alternatives = _alternatives(value, label)
        return root_composite(ctx, target, resource_type, param, how, label, alternatives)
    negated = modifier in _POSITIVE
    positive = _POSITIVE.get(modifier or "", modifier)
    codes = how.codes if isinstance(how, Union) else how.composite_codes
    parts = []
    for code in codes:
        alias = _param(ctx, resource_type, code)
        found = (
            None
            if alias is None
            else _by_type(ctx, target, resource_type, alias, positive, value, label)
        )
        if found is not None:
            parts.append(found)
    if not parts:
        return None
    found = or_(*parts)
    return ~found if negated else found


def _check_modifier(
    ctx: SearchContext, param: SearchParam, modifier: str | None, label: str
) -> None:
    if modifier is None:
        return
    defined = DEFINED_MODIFIERS.get(param.type, frozenset())
    if modifier in defined and modifier in UNSUPPORTED_MODIFIERS and param.type != "uri":
        raise errors.bad_request(
            f"{label}: the ':{modifier}' modifier is not supported for {param.type} parameters",
            label,
            code="not-supported",
        )
    if modifier in defined:
        return
    if param.type == "reference" and modifier in ctx.registry.resource_types:
        if param.target and modifier not in param.target:
            raise errors.bad_request(f"{label}: '{param.code}' cannot point to a {modifier}", label)
        return
    raise errors.bad_request(
        f"{label}: ':{modifier}' is not a modifier of {param.type} parameters", label
    )


def _alternatives(value: str, label: str) -> list[str]:
    alternatives = split_or(value)
    if len(alternatives) > MAX_ALTERNATIVES:
        raise errors.bad_request(
            f"{label}: at most {MAX_ALTERNATIVES} comma-separated values are allowed", label
        )
    return alternatives


def _check_text(label: str, text: str) -> None:
    """No NUL characters (PostgreSQL refuses them) nor lone surrogates (not encodable)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.bad_request(f"{label}: the value is not valid text", label) from None
    if "\x00" in text:
        raise errors.bad_request(f"{label}: the value contains a NUL character", label)


def _missing(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    value: str,
    label: str,
) -> Predicate | None:
    if value not in ("true", "false"):
        raise errors.bad_request(f"{label}: ':missing' takes true or false, not '{value}'", label)
    present = _present(ctx, target, resource_type, param)
    if present is None:
        return None
    return ~present if value == "true" else present


def _present(
    ctx: SearchContext, target: Any, resource_type: str, param: SearchParam
) -> Predicate | None:
    """The resource has a value of the parameter: for a composite, a value with every component
    (over the resource itself: every component parameter has rows); for a union, any alias."""
    how = derived(ctx.registry, resource_type).get(param.code)
    if how is not None:
        return _derived_present(ctx, target, resource_type, how)
    if param.type == "composite":
        kinds = component_types(ctx, param)
        if kinds is None:
            return None
        table, code = types.TABLES[kinds[0]], f"{param.code}$0"
    else:
        table, code = types.TABLES[param.type], param.code
    return types.rows_exist(table, target, resource_type, code, None)


def _derived_present(
    ctx: SearchContext, target: Any, resource_type: str, how: Derivation
) -> Predicate | None:
    if isinstance(how, RootComposite):
        codes, every = how.component_codes, True
    else:
        codes, every = how.codes if isinstance(how, Union) else how.composite_codes, False
    parts: list[Predicate] = []
    for code in codes:
        alias = _param(ctx, resource_type, code)
        found = None if alias is None else _present(ctx, target, resource_type, alias)
        if found is None:
            return None
        parts.append(found)
    return and_(*parts) if every else or_(*parts)


def _native(
    ctx: SearchContext, target: Any, code: str, modifier: str, value: str, label: str
) -> Predicate:
    if modifier:
        raise errors.bad_request(
            f"{label}: ':{modifier}' is not supported on {code}", label, code="not-supported"
        )
    alternatives = _alternatives(value, label)
    if code == "_id":
        ids = [unescape(text) for text in alternatives]
        if not all(ids):
            raise errors.bad_request(f"{label}: an id cannot be empty", label)
        return target.c.id.in_(ids) if len(ids) > 1 else target.c.id == ids[0]
    dates = [parse_date_value(text, label) for text in alternatives]
    now = types.now_us(ctx)
    point = cv.Span(target.c.last_updated_us)
    return or_(*(cv.date(point, date, now) for date in dates))


# --- _sort ---------------------------------------------------------------------------------------

# (ascending column, descending column) of each sortable parameter type.
SORT_COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("low_us", "high_us"),
    "string": ("value", "value"),
    "token": ("code", "code"),
    "number": ("value", "value"),
    "quantity": ("value", "value"),
    "reference": ("target_id", "target_id"),
    "uri": ("uri", "uri"),
}


def sort_key(
    ctx: SearchContext, target: Any, resource_type: str, code: str, descending: bool
) -> ColumnElement[Any] | None:
    """The value `target` sorts by for `_sort=code`: the lowest of its values ascending, the
    highest descending (NULL when it has none); None when the type has no such parameter."""
    if code == "_id":
        return target.c.id
    if code == "_lastUpdated":
        return target.c.last_updated_us
    param = _param(ctx, resource_type, code)
    if param is None or param.type not in SORT_COLUMNS:
        return None
    row = types.TABLES[param.type]
    column = row.c[SORT_COLUMNS[param.type][1 if descending else 0]]
    aggregate = func.max(column) if descending else func.min(column)
    codes = _leaves(ctx, resource_type, code)  # a derived union sorts by all its aliases' rows
    query = select(aggregate).where(
        row.c.resource_type == resource_type,
        row.c.param == codes[0] if len(codes) == 1 else row.c.param.in_(codes),
        row.c.resource_id == target.c.id,
    )
    if param.type == "quantity":
        query = query.where(row.c.canonical.is_(False))
    return query.scalar_subquery()


def _leaves(ctx: SearchContext, resource_type: str, code: str) -> list[str]:
    """The parameters whose rows are `code`'s: itself, or a derived union's aliases (nested)."""
    how = derived(ctx.registry, resource_type).get(code)
    if not isinstance(how, Union):
        return [code]
    return sorted({leaf for alias in how.codes for leaf in _leaves(ctx, resource_type, alias)})
