"""Keyset paging: a page ends at a row, the next page starts strictly after that row's sort values.

Offsets shift when resources are created or deleted between two page requests (a client then
skips or repeats results); a keyset cursor does not: every row sorting after the last one seen is
on a later page, whatever happened before it. The cursor is opaque to clients (`_cursor` in the
next/previous links): base64url JSON of [direction, sort values..., id]. Sort values may be NULL
(a resource without the sort parameter); NULLs sort last in both directions on both databases.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel import errors


@dataclass(frozen=True, slots=True)
class Cursor:
    forward: bool  # True: rows after `values`; False: rows before them (a previous link)
    values: tuple[Any, ...]  # the sort values of the boundary row, its id last


def encode(cursor: Cursor) -> str:
    payload = orjson.dumps(["n" if cursor.forward else "p", *cursor.values], default=_exact)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _exact(value: Any) -> Any:
    """PostgreSQL NUMERIC sort values travel as strings, so equality survives the round trip."""
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _restore(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("$d"), str):
        try:
            return Decimal(value["$d"])
        except InvalidOperation:
            pass
        raise errors.bad_request("_cursor does not belong to this search", "_cursor")
    return value


def decode(text: str, key_count: int) -> Cursor:
    """The cursor of a link, checked against the sort it was made for (400 if it does not fit);
    `key_count` is the number of sort keys before the id."""
    try:
        padded = text + "=" * (-len(text) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise errors.bad_request("_cursor is not a cursor this server issued", "_cursor") from None
    if (
        not isinstance(payload, list)
        or len(payload) != key_count + 2
        or payload[0] not in ("n", "p")
        or not isinstance(payload[-1], str)
    ):
        raise errors.bad_request("_cursor does not belong to this search", "_cursor")
    return Cursor(payload[0] == "n", tuple(_restore(value) for value in payload[1:]))


def after(
    keys: list[tuple[ColumnElement[Any], bool]], boundary: tuple[Any, ...]
) -> ColumnElement[bool]:
    """Rows strictly after `boundary` in the order of `keys` [(expression, descending)], NULLs
    last. The id is the final key, ascending and never NULL."""
    alternatives = []
    equal_so_far: list[ColumnElement[bool]] = []
    for (expression, descending), value in zip(keys, boundary, strict=True):
        alternatives.append(and_(*equal_so_far, _beyond(expression, descending, value)))
        equal_so_far.append(expression.is_(None) if value is None else expression == value)
    return or_(*alternatives)


def before(
    keys: list[tuple[ColumnElement[Any], bool]], boundary: tuple[Any, ...]
) -> ColumnElement[bool]:
    """Rows strictly before `boundary` in the order of `keys`, NULLs last (for previous links)."""
    alternatives = []
    equal_so_far: list[ColumnElement[bool]] = []
    for (expression, descending), value in zip(keys, boundary, strict=True):
        alternatives.append(and_(*equal_so_far, _short_of(expression, descending, value)))
        equal_so_far.append(expression.is_(None) if value is None else expression == value)
    return or_(*alternatives)


def _beyond(expression: ColumnElement[Any], descending: bool, value: Any) -> ColumnElement[bool]:
    if value is None:
        return false()  # nothing sorts after NULL but other NULLs, decided by the next key
    strictly = expression < value if descending else expression > value
    return or_(strictly, expression.is_(None))


def _short_of(expression: ColumnElement[Any], descending: bool, value: Any) -> ColumnElement[bool]:
    if value is None:
        return expression.is_not(None)  # every value sorts before NULL
    return expression > value if descending else expression < value
