"""`_include` and `_revinclude` (with `:iterate`): the resources a page references, or that
reference it, fetched in batches per round: one query over reference_index per include value and
one SELECT per resource type, whatever the page size (no N+1).

Limits, so that an include can never turn a search into a timeout: at most MAX_ROUNDS rounds of
`:iterate`, and at most MAX_INCLUDED included resources per page; beyond that the search is a 400
stating the limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, select
from sqlalchemy.sql.elements import ColumnElement, False_

from enlace.kernel import errors
from enlace.search.query import Include
from enlace.search.registry import Registry
from enlace.store import content_cipher
from enlace.store.schema import reference_index, resources

MAX_ROUNDS = 4  # the first round plus three of :iterate
MAX_INCLUDED = 2_000
_CHUNK = 500

Key = tuple[str, str]  # (resource type, id)
# resource type -> the condition on `resources` rows the asker may read (None: all of them)
Readable = Callable[[str], ColumnElement[bool] | None]


def readable_by(guard: Any) -> Readable:
    """A Readable from a search Guard (anything with `where(type, permission)`)."""
    return lambda resource_type: guard.where(resource_type, "r")


def everything_readable(resource_type: str) -> None:
    """For the platform's own jobs, which act for no one in particular."""
    return None


class Found(NamedTuple):
    resource_type: str
    id: str
    content: bytes


def check(registry: Registry, spec: Include) -> None:
    """400 unless the include names a resource type and one of its reference parameters."""
    name = "_revinclude" if spec.reverse else "_include"
    types = registry.resource_types
    if spec.source_type not in types:
        raise errors.bad_request(f"{name}: unknown resource type '{spec.source_type}'", name)
    if spec.target_type is not None and spec.target_type not in types:
        raise errors.bad_request(f"{name}: unknown resource type '{spec.target_type}'", name)
    if spec.param == "*":
        return
    param = registry.get(spec.source_type, spec.param)
    if param is None or param.type != "reference":
        raise errors.bad_request(
            f"{name}: '{spec.param}' is not a reference parameter of {spec.source_type}", name
        )


def resolve(
    conn: Connection,
    registry: Registry,
    specs: list[Include],
    page: list[Key],
    readable: Readable,
) -> list[Found]:
    """The included resources the asker may read; an include never widens what a search shows,
    and what it may not read is left out as if it did not exist."""
    for spec in specs:
        check(registry, spec)
    seen: set[Key] = set(page)
    frontier: list[Key] = list(page)
    included: list[Found] = []
    for round_number in range(MAX_ROUNDS):
        active = [s for s in specs if round_number == 0 or s.iterate]
        if not active or not frontier:
            break
        wanted: set[Key] = set()
        for spec in active:
            wanted.update(_linked(conn, spec, frontier))
        wanted -= seen
        if len(included) + len(wanted) > MAX_INCLUDED:
            raise errors.bad_request(
                f"The includes of this page reach more than {MAX_INCLUDED} resources; "
                "lower _count or narrow the _include/_revinclude",
                "_include",
            )
        seen |= wanted
        fetched = fetch(conn, wanted, readable)
        included.extend(fetched)
        frontier = [(f.resource_type, f.id) for f in fetched]
    return included


def _linked(conn: Connection, spec: Include, frontier: list[Key]) -> set[Key]:
    ref = reference_index.c
    found: set[Key] = set()
    if spec.reverse:  # resources of source_type whose `param` points at a frontier resource
        by_type = _group(frontier, spec.target_type)
        for target_type, ids in by_type.items():
            for chunk in _chunks(ids):
                conditions = [
                    ref.resource_type == spec.source_type,
                    ref.target_type == target_type,
                    ref.target_id.in_(chunk),
                ]
                if spec.param != "*":
                    conditions.append(ref.param == spec.param)
                query = select(ref.resource_type, ref.resource_id).where(*conditions)
                found.update((row[0], row[1]) for row in conn.execute(query.distinct()))
        return found
    sources = [resource_id for t, resource_id in frontier if t == spec.source_type]
    for chunk in _chunks(sources):
        conditions = [
            ref.resource_type == spec.source_type,
            ref.resource_id.in_(chunk),
            ref.target_id.is_not(None),
        ]
        if spec.param != "*":
            conditions.append(ref.param == spec.param)
        if spec.target_type is not None:
            conditions.append(ref.target_type == spec.target_type)
        query = select(ref.target_type, ref.target_id).where(*conditions).distinct()
        found.update((row[0], row[1]) for row in conn.execute(query))
    return found


def fetch(conn: Connection, keys: Iterable[Key], readable: Readable) -> list[Found]:
    """Current, non-deleted resources for the keys that the asker may read (missing and hidden
    ones are skipped alike), one SELECT per type and chunk, in a stable order."""
    r = resources.c
    opened = content_cipher.of(conn).open
    found: list[Found] = []
    for resource_type, ids in sorted(_group(keys, None).items()):
        visible = readable(resource_type)
        if isinstance(visible, False_):
            continue
        for chunk in _chunks(sorted(ids)):
            query = (
                select(r.resource_type, r.id, r.content, r.version_id)
                .where(and_(r.resource_type == resource_type, r.id.in_(chunk)))
                .where(r.deleted.is_(False))
                .order_by(r.id)
            )
            if visible is not None:
                query = query.where(visible)
            found.extend(
                Found(row[0], row[1], opened(row[0], row[1], row[3], bytes(row[2])))
                for row in conn.execute(query)
            )
    return found


def _group(keys: Iterable[Key], only_type: str | None) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for resource_type, resource_id in keys:
        if only_type is None or resource_type == only_type:
            grouped[resource_type].append(resource_id)
    return grouped


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
