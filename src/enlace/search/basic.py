"""The search parameters that every resource type supports in this release: `_id`,
`_lastUpdated` and `identifier`, plus the result parameters `_count` and `_offset`.

They serve conditional create/update/delete, conditional references in transactions, and plain
type-level search. Unknown parameters are refused (400) unless the client asks for lenient
handling, so a client never silently gets unfiltered results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel import errors
from enlace.search.values_core import date_range
from enlace.store.schema import resources, token_index

SUPPORTED = ("_id", "_lastUpdated", "identifier")
# Handled by the HTTP edge, not by search.
_FORMAT_PARAMETERS = ("_format", "_pretty")
_TOTAL_MODES = ("none", "estimate", "accurate", "count")  # the total is always exact here
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")


@dataclass
class Criteria:
    resource_type: str
    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    count: int = 50
    offset: int = 0
    used: list[tuple[str, str]] = field(default_factory=list)  # echoed in the self link


def parse(
    resource_type: str,
    params: list[tuple[str, str]],
    default_count: int = 50,
    max_count: int = 1000,
    lenient: bool = False,
) -> Criteria:
    criteria = Criteria(resource_type, count=default_count)
    for name, value in params:
        if name == "_count":
            criteria.count = min(non_negative_int(name, value), max_count)
        elif name == "_offset":
            criteria.offset = non_negative_int(name, value)
        elif name in _FORMAT_PARAMETERS:
            continue
        elif name == "_summary":
            _summary(criteria, value)
        elif name in ("_total", "_totalMethod"):  # _totalMethod: Aidbox's name, sent by fhirpy
            if value not in _TOTAL_MODES:
                raise errors.bad_request(f"_total must be one of {', '.join(_TOTAL_MODES)}", name)
        elif name == "_id":
            ids = [v for v in value.split(",") if v]
            criteria.conditions.append(resources.c.id.in_(ids))
            criteria.used.append((name, value))
        elif name == "_lastUpdated":
            criteria.conditions.append(_last_updated(value))
            criteria.used.append((name, value))
        elif name == "identifier":
            criteria.conditions.append(_identifier(resource_type, value))
            criteria.used.append((name, value))
        elif not lenient:
            raise errors.bad_request(
                f"Unknown or unsupported search parameter '{name}' for {resource_type}; "
                f"supported: {', '.join(SUPPORTED)}",
                expression=name,
                code="not-supported",
            )
    return criteria


def _summary(criteria: Criteria, value: str) -> None:
    if value != "count":
        raise errors.bad_request(
            f"_summary={value} is not supported; only _summary=count is",
            "_summary",
            code="not-supported",
        )
    criteria.count = 0


def find_ids(conn: Connection, criteria: Criteria, limit: int | None = None) -> list[str]:
    query = (
        select(resources.c.id)
        .where(_base(criteria))
        .order_by(resources.c.last_updated_us, resources.c.id)
        .limit(limit if limit is not None else criteria.count)
        .offset(criteria.offset if limit is None else 0)
    )
    return [row[0] for row in conn.execute(query)]


def find_page(conn: Connection, criteria: Criteria) -> tuple[list[tuple[str, bytes]], int]:
    """One page of current resources (id, content bytes) and the total number of matches."""
    where = _base(criteria)
    total = conn.execute(select(func.count()).select_from(resources).where(where)).scalar_one()
    if criteria.count == 0:
        return [], int(total)
    rows = conn.execute(
        select(resources.c.id, resources.c.content)
        .where(where)
        .order_by(resources.c.last_updated_us, resources.c.id)
        .limit(criteria.count)
        .offset(criteria.offset)
    )
    return [(row[0], bytes(row[1])) for row in rows], int(total)


def _base(criteria: Criteria) -> ColumnElement[bool]:
    return and_(
        resources.c.resource_type == criteria.resource_type,
        resources.c.deleted.is_(False),
        *criteria.conditions,
    )


def non_negative_int(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise errors.bad_request(f"{name} must be a non-negative integer, got '{value}'", name)
    return int(value)


def _identifier(resource_type: str, value: str) -> ColumnElement[bool]:
    t = token_index.c
    alternatives = []
    for token in value.split(","):
        system, bar, code = token.partition("|")
        if not bar:
            system, code = "", token
        match = [t.param == "identifier", t.resource_type == resource_type, t.code == code]
        if bar and system:
            match.append(t.system == system)
        elif bar:
            match.append(t.system.is_(None))
        alternatives.append(and_(*match, t.resource_id == resources.c.id))

    return exists().where(or_(*alternatives))


def _last_updated(value: str) -> ColumnElement[bool]:
    prefix, text = (value[:2], value[2:]) if value[:2] in _PREFIXES else ("eq", value)
    low, high = instant_range(text, "_lastUpdated")
    column = resources.c.last_updated_us
    ranges: dict[str, ColumnElement[bool]] = {
        "eq": and_(column >= low, column < high),
        "ne": ~and_(column >= low, column < high),
        "gt": column >= high,
        "sa": column >= high,
        "ge": column >= low,
        "lt": column < low,
        "eb": column < low,
        "le": column < high,
    }
    return ranges[prefix]


def instant_range(text: str, name: str) -> tuple[int, int]:
    """The [low, high) microseconds a FHIR date or dateTime denotes, at its own precision:
    `2026` is a year, `2026-03-01T10:00:00.123Z` one millisecond."""
    entry = date_range(text)
    if entry is None:
        raise errors.bad_request(f"{name}: '{text}' is not a valid FHIR date or dateTime", name)
    return entry.low_us, entry.high_us


def parse_instant_us(text: str, name: str) -> int:
    """The start of a FHIR instant/dateTime in microseconds (for `_since`)."""
    return instant_range(text, name)[0]
