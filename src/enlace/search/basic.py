"""The search parameters that every resource type supports in this release: `_id`,
`_lastUpdated` and `identifier`, plus the result parameters `_count` and `_offset`.

They serve conditional create/update/delete, conditional references in transactions, and plain
type-level search. Unknown parameters are refused (400) unless the client asks for lenient
handling, so a client never silently gets unfiltered results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.kernel import errors
from enlace.store.schema import resources, token_index

SUPPORTED = ("_id", "_lastUpdated", "identifier")
RESULT_PARAMETERS = ("_count", "_offset", "_format", "_pretty", "_summary", "_total")
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
            criteria.count = min(_non_negative(name, value), max_count)
        elif name == "_offset":
            criteria.offset = _non_negative(name, value)
        elif name in RESULT_PARAMETERS:
            continue
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


def find_ids(conn: Connection, criteria: Criteria, limit: int | None = None) -> list[str]:
    query = (
        select(resources.c.id)
        .where(_base(criteria))
        .order_by(resources.c.last_updated_us, resources.c.id)
        .limit(limit if limit is not None else criteria.count)
        .offset(criteria.offset if limit is None else 0)
    )
    return [row[0] for row in conn.execute(query)]


def find_page(conn: Connection, criteria: Criteria) -> tuple[list[bytes], int]:
    """One page of current resources (content bytes) and the total number of matches."""
    where = _base(criteria)
    total = conn.execute(select(func.count()).select_from(resources).where(where)).scalar_one()
    if criteria.count == 0:
        return [], int(total)
    rows = conn.execute(
        select(resources.c.content)
        .where(where)
        .order_by(resources.c.last_updated_us, resources.c.id)
        .limit(criteria.count)
        .offset(criteria.offset)
    )
    return [bytes(row[0]) for row in rows], int(total)


def _base(criteria: Criteria) -> ColumnElement[bool]:
    return and_(
        resources.c.resource_type == criteria.resource_type,
        resources.c.deleted.is_(False),
        *criteria.conditions,
    )


def _non_negative(name: str, value: str) -> int:
    if not value.isdigit():
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
    low, high = _instant_range(text)
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


def _instant_range(text: str) -> tuple[int, int]:
    """The [low, high) microsecond range a FHIR date/dateTime of any precision denotes."""
    formats = (("%Y", "year"), ("%Y-%m", "month"), ("%Y-%m-%d", "day"))
    for fmt, unit in formats:
        try:
            start = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        end = _advance(start, unit)
        return _us(start), _us(end)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise errors.bad_request(
            f"'{text}' is not a valid date or dateTime", "_lastUpdated"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    step = 1_000_000 if moment.microsecond == 0 else 1
    return _us(moment), _us(moment) + step


def _advance(start: datetime, unit: str) -> datetime:
    if unit == "year":
        return start.replace(year=start.year + 1)
    if unit == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)

    return start + timedelta(days=1)


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def parse_instant_us(text: str, name: str) -> int:
    """The start of a FHIR instant/dateTime in microseconds (for `_since`)."""
    return _instant_range(text)[0]
