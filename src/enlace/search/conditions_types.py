"""One parameter of one type, with its modifier, as a condition on the resource row: an EXISTS over
the parameter's index rows (filtered on the literal resource type and parameter code first, so
the lookup index serves it) whose value columns match any of the OR alternatives.

Every value is parsed before any SQL is built, so a malformed value is a 400, never a database
error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.definitions import default_definitions_dir
from enlace.fhir.valuesets import Codes, ValueSetExpander
from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import epoch_us
from enlace.search import conditions_values as cv
from enlace.search.registry import SearchParam
from enlace.search.values import (
    parse_date_value,
    parse_number_value,
    parse_of_type_value,
    parse_quantity_value,
    parse_reference_value,
    parse_string_value,
    parse_token_value,
    unescape,
)
from enlace.store.schema import (
    date_index,
    number_index,
    quantity_index,
    reference_index,
    string_index,
    token_index,
    uri_index,
)

if TYPE_CHECKING:
    from enlace.search.conditions import SearchContext

Predicate = ColumnElement[bool]
RowPredicate = Callable[[Any], Predicate]  # index table alias -> condition on its row

TABLES: dict[str, Table] = {
    "token": token_index,
    "string": string_index,
    "date": date_index,
    "number": number_index,
    "quantity": quantity_index,
    "reference": reference_index,
    "uri": uri_index,
}


def rows_exist(
    table: Table, target: Any, resource_type: str, param: str, predicate: RowPredicate | None
) -> Predicate:
    """The target resource has a row of `param` (matching `predicate`, when given).

    Written as `id IN (SELECT resource_id ...)`, not a correlated EXISTS: SQLite runs an EXISTS
    once per row of the outer scan (every resource of the type), while an IN subquery drives the
    primary-key lookups from the index rows that match; PostgreSQL plans both as a semi-join.
    The table is used unaliased: aliasing builds a column collection per criterion, which was
    the largest Python cost of a search."""
    terms = [table.c.resource_type == resource_type, table.c.param == param]
    if predicate is not None:
        terms.append(predicate(table))
    # correlate(None): the subquery stands alone even inside a chain whose enclosing query
    # reads the same table.
    return target.c.id.in_(select(table.c.resource_id).where(*terms).correlate(None))


def any_of(predicates: list[RowPredicate]) -> RowPredicate:
    return lambda row: or_(*(predicate(row) for predicate in predicates))


def now_us(ctx: SearchContext) -> int:
    return ctx.now_us if ctx.now_us is not None else epoch_us(datetime.now(UTC))


# --- plain values (no modifier, also the components of composites) -----------------------------


def plain(ctx: SearchContext, param_type: str, text: str, label: str) -> RowPredicate:
    """The row predicate of one search value of the type, without modifier."""
    if param_type == "token":
        token = parse_token_value(text, label)
        return lambda row: cv.token(row, token)
    if param_type == "string":
        folded, _ = parse_string_value(text, label)
        return lambda row: cv.starts_with(row.c.value, folded)
    if param_type == "date":
        date = parse_date_value(text, label)
        now = now_us(ctx)
        return lambda row: cv.date(cv.Span(row.c.low_us, row.c.high_us), date, now)
    if param_type == "number":
        number = cv.check_number(parse_number_value(text, label), label)
        return lambda row: cv.number(row.c.value, number)
    if param_type == "quantity":
        quantity = parse_quantity_value(text, label)
        cv.check_number(quantity.number, label)
        if quantity.canonical is not None:
            cv.check_number(quantity.canonical, label)
        return lambda row: cv.quantity(row, quantity)
    if param_type == "reference":
        return _reference(text, label, None)
    if param_type == "uri":
        return _uri(text, label, None)
    raise errors.bad_request(f"{label}: parameters of type {param_type} cannot be searched", label)


def _reference(text: str, label: str, type_modifier: str | None) -> RowPredicate:
    reference = parse_reference_value(text, label, type_modifier)
    if reference.target_id is None and reference.url is None:
        raise errors.bad_request(f"{label}: '{text}' is not a reference", label)
    return lambda row: cv.reference(row, reference)


def _uri(text: str, label: str, modifier: str | None) -> RowPredicate:
    value = unescape(text)
    if not value:
        raise errors.bad_request(f"{label}: a uri value cannot be empty", label)
    return lambda row: cv.uri(row, value, modifier)


# --- per type, with modifiers ---------------------------------------------------------------------


def token(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    code: str,
    modifier: str | None,
    label: str,
    alternatives: list[str],
) -> Predicate:
    if modifier == "text":
        texts = [parse_string_value(text, label)[0] for text in alternatives]
        preds = [_starts(text, "text") for text in texts]
        return rows_exist(token_index, target, resource_type, code, any_of(preds))
    if modifier == "of-type":
        triples = [parse_of_type_value(text, label) for text in alternatives]
        preds = [_of_type(*triple) for triple in triples]
        of_type = f"{code}:of-type"
        return rows_exist(token_index, target, resource_type, of_type, any_of(preds))
    if modifier in ("in", "not-in"):
        codes = frozenset().union(*(_expand(unescape(text), label) for text in alternatives))
        found = rows_exist(
            token_index, target, resource_type, code, lambda row: cv.token_in(row, codes)
        )
        return ~found if modifier == "not-in" else found
    preds = [plain(ctx, "token", text, label) for text in alternatives]
    found = rows_exist(token_index, target, resource_type, code, any_of(preds))
    return ~found if modifier == "not" else found


def _starts(prefix: str, column: str) -> RowPredicate:
    return lambda row: cv.starts_with(row.c[column], prefix)


def _of_type(system: str, type_code: str, value: str) -> RowPredicate:
    return lambda row: and_(
        row.c.system == cv.cut(system), row.c.code == cv.cut(f"{type_code}|{value}")
    )


def _expand(url: str, label: str) -> Codes:
    codes = value_sets().expand(url) if url else None
    if codes is None:
        raise errors.bad_request(
            f"{label}: the ValueSet '{url}' cannot be expanded by this server",
            label,
            code="not-supported",
        )
    return codes


@lru_cache(maxsize=1)
def _expander(directory: Path) -> ValueSetExpander:
    bundle = jsonutil.loads((directory / "valuesets.json").read_bytes())
    return ValueSetExpander(
        entry["resource"] for entry in bundle.get("entry", ()) if "resource" in entry
    )


def value_sets() -> ValueSetExpander:
    """The ValueSets and CodeSystems shipped with the definitions (read once, on first use)."""
    return _expander(default_definitions_dir())


def string(
    target: Any,
    resource_type: str,
    code: str,
    modifier: str | None,
    label: str,
    alternatives: list[str],
) -> Predicate:
    parsed = [parse_string_value(text, label) for text in alternatives]
    if modifier == "exact":
        preds = [_equals("exact", exact) for _, exact in parsed]
    elif modifier == "contains":
        preds = [_contains(folded) for folded, _ in parsed]
    else:
        preds = [_starts(folded, "value") for folded, _ in parsed]
    return rows_exist(string_index, target, resource_type, code, any_of(preds))


def _equals(column: str, value: str) -> RowPredicate:
    return lambda row: row.c[column] == value


def _contains(text: str) -> RowPredicate:
    return lambda row: cv.contains(row.c.value, text)


def reference(
    target: Any,
    resource_type: str,
    code: str,
    modifier: str | None,
    label: str,
    alternatives: list[str],
) -> Predicate:
    if modifier == "identifier":
        tokens = [parse_token_value(text, label) for text in alternatives]
        preds: list[RowPredicate] = [_token(token) for token in tokens]
        identifier = f"{code}:identifier"
        return rows_exist(token_index, target, resource_type, identifier, any_of(preds))
    preds = [_reference(text, label, modifier) for text in alternatives]
    return rows_exist(reference_index, target, resource_type, code, any_of(preds))


def _token(search: Any) -> RowPredicate:
    return lambda row: cv.token(row, search)


def uri(
    target: Any,
    resource_type: str,
    code: str,
    modifier: str | None,
    label: str,
    alternatives: list[str],
) -> Predicate:
    preds = [_uri(text, label, modifier) for text in alternatives]
    return rows_exist(uri_index, target, resource_type, code, any_of(preds))


def simple(
    ctx: SearchContext,
    target: Any,
    resource_type: str,
    param: SearchParam,
    label: str,
    alternatives: list[str],
) -> Predicate:
    """date, number and quantity (no modifier but `:missing`)."""
    preds = [plain(ctx, param.type, text, label) for text in alternatives]
    table = TABLES[param.type]
    return rows_exist(table, target, resource_type, param.code, any_of(preds))
