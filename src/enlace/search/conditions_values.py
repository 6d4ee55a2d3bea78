"""Predicates on one index row for one search value (one OR alternative), per parameter type.

Each function takes an alias of an index table and an already parsed search value and returns a
condition on that row's value columns; `conditions` wraps them in the EXISTS that ties the row to
the resource. The date and number predicates are `values.date_matches` and
`values.number_matches` written as SQL, term for term.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel import errors
from enlace.search import ucum
from enlace.search.values import (
    DateSearch,
    NumberSearch,
    QuantitySearch,
    ReferenceSearch,
    TokenSearch,
)
from enlace.search.values_rows import MAX_KEY, canonical_as_written

Column = ColumnElement[Any]
Predicate = ColumnElement[bool]

_MAX_EXPONENT = 300  # beyond this a number overflows REAL on SQLite (and is absurd anyway)
_MAX_DIGITS = 100


def cut(text: str) -> str:
    """The writer cuts stored values at MAX_KEY; a search value is cut the same way to match."""
    return text[:MAX_KEY]


# --- strings and prefixes ----------------------------------------------------------------------


def successor(text: str) -> str | None:
    """The smallest string greater than every string that starts with `text` (None: no bound)."""
    chars = list(text)
    while chars:
        point = ord(chars[-1]) + 1
        if point == 0xD800:  # skip the surrogates, which UTF-8 cannot carry
            point = 0xE000
        if point <= 0x10FFFF:
            chars[-1] = chr(point)
            return "".join(chars)
        chars.pop()
    return None


def starts_with(column: Column, prefix: str) -> Predicate:
    """`column` starts with `prefix`, as a range the B-tree serves (binary collation on both)."""
    prefix = cut(prefix)
    upper = successor(prefix)
    if upper is None:
        return column >= prefix
    return and_(column >= prefix, column < upper)


def contains(column: Column, text: str) -> Predicate:
    return column.contains(cut(text), autoescape=True)


# --- token ---------------------------------------------------------------------------------------


def token(t: Any, search: TokenSearch) -> Predicate:
    terms: list[Predicate] = []
    if search.code is not None:
        terms.append(t.c.code == cut(search.code))
    if not search.any_system:
        if search.system is None:
            terms.append(t.c.system.is_(None))
        else:
            terms.append(t.c.system == cut(search.system))
    return and_(*terms)


def token_in(t: Any, codes: Iterable[tuple[str, str]]) -> Predicate:
    """The row's (system, code) is one of `codes` (IN lists grouped by system). A row without a
    system (a `code` element, whose system its binding implies) matches by code alone."""
    by_system: dict[str, set[str]] = {}
    for system, code in codes:
        by_system.setdefault(system, set()).add(code)
    if not by_system:
        return false()
    every_code = sorted(set().union(*by_system.values()))
    return or_(
        *(
            and_(t.c.system == system, t.c.code.in_(sorted(codes)))
            for system, codes in sorted(by_system.items())
        ),
        and_(t.c.system.is_(None), t.c.code.in_(every_code)),
    )


# --- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """The [low, high) range of a value: index columns, or a point [low, low + 1) (`high` None)
    written so that a plain index on `low` serves it."""

    low: Column
    high: Column | None = None

    def high_above(self, bound: int) -> Predicate:  # high > bound
        return self.high > bound if self.high is not None else self.low >= bound

    def high_within(self, bound: int) -> Predicate:  # high <= bound
        return self.high <= bound if self.high is not None else self.low < bound


def date(span: Span, search: DateSearch, now_us: int) -> Predicate:
    """`values.date_matches` on the span's range."""
    s_low, s_high = search.low_us, search.high_us
    prefix = search.prefix
    if prefix == "ap":
        gap = 0 if s_low <= now_us < s_high else min(abs(now_us - s_low), abs(now_us - s_high))
        margin = gap // 10
        return and_(span.low < s_high + margin, span.high_above(s_low - margin))
    inside = and_(span.low >= s_low, span.high_within(s_high))
    simple: dict[str, Predicate] = {
        "eq": inside,
        "ne": or_(span.low < s_low, span.high_above(s_high)),
        "gt": span.high_above(s_high),
        "lt": span.low < s_low,
        "sa": span.low >= s_high,
        "eb": span.high_within(s_low),
    }
    if prefix == "ge":
        return or_(span.high_above(s_high), inside)
    if prefix == "le":
        return or_(span.low < s_low, inside)
    return simple[prefix]


# --- numbers and quantities ----------------------------------------------------------------------


def check_number(search: NumberSearch, name: str) -> NumberSearch:
    """A 400 for numbers no column can hold (PostgreSQL NUMERIC refuses them with an error)."""
    for number in (search.value, search.low, search.high):
        too_long = len(number.as_tuple().digits) > _MAX_DIGITS
        if too_long or (number and abs(number.adjusted()) > _MAX_EXPONENT):
            raise errors.bad_request(
                f"{name}: the number {search.value} is out of the supported range", name
            )
    return search


def number(column: Column, search: NumberSearch) -> Predicate:
    """`values.number_matches` on the column."""
    value, low, high = search.value, search.low, search.high
    prefix = search.prefix
    if prefix == "eq":
        return and_(column >= low, column < high)
    if prefix == "ne":
        return or_(column < low, column >= high)
    if prefix == "ap":
        margin = abs(value) / Decimal(10)
        return and_(column >= min(low, value - margin), column <= max(high, value + margin))
    compare: dict[str, Predicate] = {
        "gt": column > value,
        "lt": column < value,
        "ge": column >= value,
        "le": column <= value,
        "sa": column >= high,
        "eb": column < low,
    }
    return compare[prefix]


def quantity(q: Any, search: QuantitySearch) -> Predicate:
    """A UCUM-convertible search compares canonical rows (so `7||%` finds 0.07 `1`; in a unit that
    is its own canonical form, UCUM rows as written, see values_rows), and also
    quantities with no system written in the same unit; any other search compares the rows as
    written, by system and code (the code column holds the code, or the unit when there is none)."""
    if search.canonical is not None and search.canonical_code is not None:
        # A unit that is its own canonical form has no canonical copies: its rows as written are.
        as_written = canonical_as_written(search.canonical_code)
        canonical = and_(
            q.c.system == ucum.UCUM_SYSTEM if as_written else q.c.canonical.is_(True),
            q.c.code == search.canonical_code,
            number(q.c.value, search.canonical),
        )
        if search.system is not None:
            return canonical
        unitless = and_(
            q.c.canonical.is_(False),
            q.c.code == cut(search.code or ""),
            or_(q.c.system.is_(None), q.c.system != ucum.UCUM_SYSTEM),
            number(q.c.value, search.number),
        )
        return or_(canonical, unitless)
    terms: list[Predicate] = [q.c.canonical.is_(False)]
    if search.code is not None:
        terms.append(q.c.code == cut(search.code))
    if search.system is not None:
        terms.append(q.c.system == cut(search.system))
    terms.append(number(q.c.value, search.number))
    return and_(*terms)


# --- references and uris -------------------------------------------------------------------------


def reference(r: Any, search: ReferenceSearch) -> Predicate:
    """By type and id; an absolute URL also matches by URL (a local reference to the same
    `Type/id` counts: the URL may be this server's)."""
    by_id: Predicate | None = None
    if search.target_id is not None:
        terms = [r.c.target_id == search.target_id]
        if search.target_type is not None:
            terms.append(r.c.target_type == search.target_type)
        by_id = and_(*terms)
    if search.url is None:
        assert by_id is not None
        return by_id
    by_url = r.c.url == cut(search.url)
    if by_id is None:
        return by_url
    return or_(by_url, and_(r.c.url.is_(None), by_id))


def uri(u: Any, text: str, modifier: str | None) -> Predicate:
    if modifier == "below":
        return starts_with(u.c.uri, text)
    if modifier == "above":
        return u.c.uri.in_(sorted(_parents(text)))
    return u.c.uri == cut(text)


def _parents(text: str) -> set[str]:
    """The value and every prefix of it that ends before or at a `/`: what it is "below"."""
    found = {cut(text)}
    for index, char in enumerate(text[:MAX_KEY]):
        if char == "/":
            found.add(text[:index])
            found.add(text[: index + 1])
    found.discard("")
    return found
