"""A search request's parameters, sorted into filters and result parameters (R4 search §3.1.1.5).

Pure parsing, no database: the filters stay raw (name, value) pairs that `conditions.criterion`
compiles later, since whether a name is known depends on the registry in force. Result
parameters are checked here, and a malformed one is a 400 naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from enlace.kernel import errors
from enlace.search.values import date_range, split_or

# Handled by the HTTP edge, never filters.
FORMAT_PARAMETERS = frozenset({"_format", "_pretty"})
TOTAL_MODES = ("none", "estimate", "accurate")
SUMMARY_MODES = ("true", "text", "data", "count", "false")
MAX_SORT_KEYS = 5
MAX_INCLUDES = 10


@dataclass(frozen=True, slots=True)
class SortKey:
    code: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Include:
    """`_include=Source:param[:Target]` or `_revinclude=Source:param[:Target]`; `*` for every
    reference parameter of the source type."""

    source_type: str
    param: str
    target_type: str | None
    iterate: bool
    reverse: bool


@dataclass(slots=True)
class SearchQuery:
    resource_type: str
    filters: list[tuple[str, str]] = field(default_factory=list)
    count: int = 50
    offset: int | None = None
    cursor: str | None = None
    sort: list[SortKey] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    total: str | None = None  # none | estimate | accurate; None = the server's default
    summary: str | None = None
    elements: str | None = None
    strict: bool = False


def parse_query(
    resource_type: str,
    params: list[tuple[str, str]],
    default_count: int = 50,
    max_count: int = 1000,
    strict: bool = False,
) -> SearchQuery:
    query = SearchQuery(resource_type, count=default_count, strict=strict)
    for name, value in params:
        if name in FORMAT_PARAMETERS:
            continue
        handler = _RESULT_PARAMETERS.get(name.split(":", 1)[0])
        if handler is None:
            query.filters.append((name, value))
        else:
            handler(query, name, value, max_count)
    return query


def _count(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    query.count = min(non_negative_int(name, value), max_count)


def _offset(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    query.offset = non_negative_int(name, value)


def _cursor(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    query.cursor = value


def _total(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    if name == "_totalMethod" and value == "count":  # fhirpy's spelling of accurate
        value = "accurate"
    if value not in TOTAL_MODES:
        raise errors.bad_request(f"{name} must be one of {', '.join(TOTAL_MODES)}", name)
    query.total = value


def _summary(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    if value not in SUMMARY_MODES:
        raise errors.bad_request(f"_summary must be one of {', '.join(SUMMARY_MODES)}", name)
    query.summary = value


def _elements(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    query.elements = value


def _sort(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    keys = [part.strip() for part in value.split(",")]
    if not all(keys) or len(keys) > MAX_SORT_KEYS:
        raise errors.bad_request(
            f"_sort takes 1 to {MAX_SORT_KEYS} comma-separated parameter codes, got '{value}'",
            name,
        )
    query.sort = [SortKey(key.lstrip("-"), key.startswith("-")) for key in keys]


def _include(query: SearchQuery, name: str, value: str, max_count: int) -> None:
    base, _, modifier = name.partition(":")
    if modifier not in ("", "iterate", "recurse"):  # recurse: the STU3 name of iterate
        raise errors.bad_request(f"{name}: the only modifier of {base} is :iterate", name)
    for item in split_or(value):
        parts = item.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise errors.bad_request(
                f"{base} must be SourceType:parameter[:TargetType], got '{item}'", name
            )
        target = parts[2] if len(parts) == 3 else None
        include = Include(parts[0], parts[1], target, bool(modifier), base == "_revinclude")
        query.includes.append(include)
    if len(query.includes) > MAX_INCLUDES:
        raise errors.bad_request(
            f"At most {MAX_INCLUDES} _include/_revinclude values are allowed", name
        )


MAX_INT = 2**63 - 1  # what a BIGINT holds: a larger cursor or count was never issued


def non_negative_int(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_INT:
        raise errors.bad_request(
            f"{name} must be a non-negative integer below 2^63, got '{value[:40]}'", name
        )
    return int(value)


_RESULT_PARAMETERS = {
    "_count": _count,
    "_offset": _offset,
    "_cursor": _cursor,
    "_total": _total,
    "_totalMethod": _total,  # Aidbox's name for _total, sent by fhirpy
    "_summary": _summary,
    "_elements": _elements,
    "_sort": _sort,
    "_include": _include,
    "_revinclude": _include,
}


def parse_instant_us(text: str, name: str) -> int:
    """The start of a FHIR instant/dateTime in microseconds (for `_since`), 400 if malformed."""
    entry = date_range(text)
    if entry is None:
        raise errors.bad_request(f"{name}: '{text}' is not a valid FHIR date or dateTime", name)
    return entry.low_us
