"""Criteria that join several rows: composites (components of one value, same `grp`; or, for
a composite over the resource itself, rows of the parameters its components are), chained
references (`subject:Patient.name=x`, several levels) and reverse chains (`_has:`, nested).

A chain is an EXISTS over the reference rows of the parameter whose target is IN the ids of the
target type that satisfy the chained criterion; `_has` is the same join the other way. Both
recurse through `conditions`, passed in as `compile_` (with a `State` one level deeper), and
each kind is limited to `SearchContext.max_chain_depth` levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.sql.elements import ColumnElement, False_

from enlace.kernel import errors
from enlace.search.conditions_types import TABLES, RowPredicate, plain, rows_exist
from enlace.search.derived import RootComposite, Union, derived
from enlace.search.registry import SearchParam
from enlace.store.schema import reference_index, resources

if TYPE_CHECKING:
    from enlace.search.conditions import SearchContext

Predicate = ColumnElement[bool]


@dataclass(frozen=True, slots=True)
class State:
    """Where a (possibly nested) criterion is: the full parameter name for messages, and how many
    chain links and `_has` levels enclose it."""

    label: str
    links: int = 0
    has: int = 0


Compile = Callable[["SearchContext", Any, str, str, str, State], Predicate | None]


def _too_deep(ctx: SearchContext, state: State, what: str) -> errors.FhirError:
    return errors.bad_request(
        f"{state.label}: {what} are limited to {ctx.max_chain_depth} levels",
        state.label,
        code="not-supported",
    )


# --- composite -----------------------------------------------------------------------------------


def split_unescaped(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not escaped by a backslash (escapes are kept)."""
    parts, current, index = [], "", 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            current += text[index : index + 2]
            index += 2
            continue
        if text[index] == separator:
            parts.append(current)
            current = ""
        else:
            current += text[index]
        index += 1
    parts.append(current)
    return parts


def component_types(ctx: SearchContext, param: SearchParam) -> list[str] | None:
    found = [ctx.registry.by_url(component.definition) for component in param.components]
    types = [definition.type for definition in found if definition is not None]
    if len(types) != len(param.components) or not types or set(types) - set(TABLES):
        return None
    return types


def composite(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    label: str,
    alternatives: list[str],
) -> Predicate | None:
    """Rows of every component, from one composite value (same resource, same `grp`)."""
    types = component_types(ctx, param)
    if types is None:
        return None
    parsed = _components(ctx, types, label, alternatives)
    rows = [TABLES[kind].alias() for kind in types]
    first = rows[0]
    terms: list[Predicate] = []
    for position, row in enumerate(rows):
        terms += [row.c.resource_type == resource_type, row.c.param == f"{param.code}${position}"]
        if position == 0:
            terms.append(row.c.resource_id == target.c.id)
        else:
            terms += [row.c.resource_id == first.c.resource_id, row.c.grp == first.c.grp]
    matches = or_(
        *(and_(*(pred(row) for pred, row in zip(preds, rows, strict=True))) for preds in parsed)
    )
    return exists().where(*terms, matches)


def _components(
    ctx: SearchContext, types: list[str], label: str, alternatives: list[str]
) -> list[list[RowPredicate]]:
    """Per OR alternative `a$b`, the row predicate of each component (parsed with its type)."""
    parsed: list[list[RowPredicate]] = []
    for text in alternatives:
        parts = split_unescaped(text, "$")
        if len(parts) != len(types):
            raise errors.bad_request(
                f"{label}: '{text}' needs {len(types)} components separated by '$'", label
            )
        parsed.append(
            [plain(ctx, kind, part, label) for kind, part in zip(types, parts, strict=True)]
        )
    return parsed


def root_composite(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    how: RootComposite,
    label: str,
    alternatives: list[str],
) -> Predicate | None:
    """A composite over the resource itself (one value, derived.RootComposite): each component
    matches a row of the parameter it is, on the same resource."""
    types = component_types(ctx, param)
    if types is None:
        return None
    parsed = _components(ctx, types, label, alternatives)
    codes = how.component_codes
    return or_(
        *(
            and_(
                *(
                    param_rows(ctx, target, resource_type, code, kind, pred)
                    for code, kind, pred in zip(codes, types, preds, strict=True)
                )
            )
            for preds in parsed
        )
    )


def param_rows(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    code: str,
    kind: str,
    predicate: RowPredicate | None,
) -> Predicate:
    """EXISTS a row of `code` matching `predicate`; a derived union reads its aliases' rows."""
    how = derived(ctx.registry, resource_type).get(code)
    if isinstance(how, Union):
        return or_(*(param_rows(ctx, target, resource_type, c, kind, predicate) for c in how.codes))
    return rows_exist(TABLES[kind], target, resource_type, code, predicate)


# --- chains --------------------------------------------------------------------------------------


def chain(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    head: str,
    rest: str,
    value: str,
    state: State,
    compile_: Compile,
) -> Predicate | None:
    """`head.rest=value`: `head` is `reference[:Type]`, `rest` a criterion on the target."""
    if state.links >= ctx.max_chain_depth:
        raise _too_deep(ctx, state, "chained parameters")
    code, _, modifier = head.partition(":")
    param = ctx.registry.get(resource_type, code)
    if param is None or code not in ctx.indexed(resource_type):
        return None
    label = state.label
    if param.type != "reference":
        raise errors.bad_request(
            f"{label}: only reference parameters can be chained; '{code}' is a {param.type}", label
        )
    if not rest:
        raise errors.bad_request(f"{label}: nothing is chained after '{head}.'", label)
    types = _chain_types(ctx, param, modifier, label)
    deeper = replace(state, links=state.links + 1)
    ref = reference_index.alias()
    branches: list[Predicate] = []
    hidden = False
    for kind in types:
        other = resources.alias()
        inner = compile_(ctx, other, kind, rest, value, deeper)
        if inner is None:
            continue
        ids = select(other.c.id).where(
            other.c.resource_type == kind, other.c.deleted.is_(False), inner
        )
        visible = ctx.visible_rows(kind, other)
        if isinstance(visible, False_):  # the asker may not search this type: no branch
            hidden = True
            continue
        if visible is not None:
            ids = ids.where(visible)
        branches.append(and_(ref.c.target_type == kind, ref.c.target_id.in_(ids)))
    if not branches:
        if hidden:
            return false()
        if modifier:
            return None
        raise errors.bad_request(
            f"{label}: no target type of '{code}' ({', '.join(types)}) has the parameter '{rest}'",
            label,
        )
    return exists().where(
        ref.c.resource_type == resource_type,
        ref.c.param == code,
        ref.c.resource_id == target.c.id,
        or_(*branches),
    )


def _chain_types(ctx: SearchContext, param: SearchParam, modifier: str, label: str) -> list[str]:
    if not modifier:
        if not param.target:
            raise errors.bad_request(
                f"{label}: '{param.code}' can point to any type; name one ({param.code}:Type.)",
                label,
            )
        return sorted(param.target)
    if modifier not in ctx.registry.resource_types:
        raise errors.bad_request(f"{label}: ':{modifier}' is not a resource type", label)
    if param.target and modifier not in param.target:
        raise errors.bad_request(f"{label}: '{param.code}' cannot point to a {modifier}", label)
    return [modifier]


def reverse_chain(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    name: str,
    value: str,
    state: State,
    compile_: Compile,
) -> Predicate | None:
    """`_has:Type:param:criterion=value`: resources that a `Type` matching the criterion points
    to through `param`."""
    label = state.label
    parts = name.split(":", 3)
    if len(parts) != 4 or not all(parts[1:]):
        raise errors.bad_request(f"{label}: expected _has:Type:parameter:criterion", label)
    if state.has >= ctx.max_chain_depth:
        raise _too_deep(ctx, state, "_has criteria")
    _, source_type, code, rest = parts
    if source_type not in ctx.registry.resource_types:
        raise errors.bad_request(f"{label}: '{source_type}' is not a resource type", label)
    param = ctx.registry.get(source_type, code)
    if param is None or code not in ctx.indexed(source_type):
        return None
    if param.type != "reference":
        raise errors.bad_request(
            f"{label}: '{source_type}.{code}' is not a reference parameter", label
        )
    if param.target and resource_type not in param.target:
        return None  # never points to this type (in a chain, another target type may match)
    source = resources.alias()
    inner = compile_(ctx, source, source_type, rest, value, replace(state, has=state.has + 1))
    if inner is None:
        return None
    ref = reference_index.alias()
    found = exists().where(
        ref.c.resource_type == source_type,
        ref.c.param == code,
        ref.c.target_id == target.c.id,
        ref.c.target_type == resource_type,
        source.c.resource_type == source_type,
        source.c.id == ref.c.resource_id,
        source.c.deleted.is_(False),
        inner,
    )
    visible = ctx.visible_rows(source_type, source)
    if isinstance(visible, False_):  # the asker may not search the referring type
        return false()
    return found if visible is None else found.where(visible)
