"""The Patient compartment: compartment search (`Patient/123/Observation?...`) and the members
listed by `Patient/123/$everything`.

Membership follows the R4 CompartmentDefinition: a resource is in Patient 123's compartment when
one of its type's listed reference parameters (Observation: subject, performer) points at
Patient/123, which the reference_index answers through its (target_type, target_id) index. Only
the Patient compartment is defined here; the R4 definitions package ships no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, literal, or_, select, tuple_, union
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.compartments import patient_compartment_params
from enlace.kernel import errors
from enlace.search import paging
from enlace.search.includes import Found
from enlace.store import content_cipher
from enlace.store.schema import reference_index, resources

_PATIENT = "Patient"


def compartment_condition(
    target: Any, compartment_type: str, compartment_id: str, resource_type: str
) -> ColumnElement[bool]:
    """Rows of `target` (resources or an alias) that are in the compartment; 400 for a
    compartment or a type that is not defined."""
    if compartment_type != _PATIENT:
        raise errors.error(
            400,
            "not-supported",
            f"Only the Patient compartment is supported, not {compartment_type}",
        )
    params = patient_compartment_params().get(resource_type)
    if not params:
        raise errors.bad_request(f"{resource_type} is not in the Patient compartment")
    ref = reference_index.c
    # IN, not a correlated EXISTS: SQLite would test every resource of the type (see conditions).
    linked = select(ref.resource_id).where(
        ref.resource_type == resource_type,
        ref.param.in_(params),
        ref.target_type == _PATIENT,
        ref.target_id == compartment_id,
    )
    member = target.c.id.in_(linked.correlate(None))
    if resource_type == _PATIENT:  # the patient is in its own compartment
        return or_(target.c.id == compartment_id, member)
    return member


@dataclass(frozen=True, slots=True)
class EverythingPage:
    members: list[Found]
    next_cursor: str | None


def everything(
    conn: Connection,
    patient_id: str,
    types: frozenset[str] | None,
    since_us: int | None,
    count: int,
    cursor: str | None,
) -> EverythingPage:
    """One page of the patient and its compartment members, ordered by (type, id)."""
    r, ref = resources.c, reference_index.c
    pairs = [
        (member_type, param)
        for member_type, params in patient_compartment_params().items()
        if types is None or member_type in types
        for param in params
    ]
    linked = (
        select(ref.resource_type.label("t"), ref.resource_id.label("i"))
        .where(ref.target_type == _PATIENT, ref.target_id == patient_id)
        .where(tuple_(ref.resource_type, ref.param).in_(pairs))
    )
    parts = [linked]
    if types is None or _PATIENT in types:
        parts.append(select(literal(_PATIENT).label("t"), literal(patient_id).label("i")))
    keys = (union(*parts) if len(parts) > 1 else linked.distinct()).subquery()
    conditions: list[ColumnElement[bool]] = [r.deleted.is_(False)]
    if since_us is not None:
        conditions.append(r.last_updated_us >= since_us)
    if cursor:
        boundary = paging.decode(cursor, 1).values
        conditions.append(
            or_(
                r.resource_type > boundary[0],
                and_(r.resource_type == boundary[0], r.id > boundary[1]),
            )
        )
    query = (
        select(r.resource_type, r.id, r.content, r.version_id)
        .join_from(keys, resources, and_(r.resource_type == keys.c.t, r.id == keys.c.i))
        .where(*conditions)
        .order_by(r.resource_type, r.id)
        .limit(count + 1)
    )
    opened = content_cipher.of(conn).open
    rows = [
        Found(row[0], row[1], opened(row[0], row[1], row[3], bytes(row[2])))
        for row in conn.execute(query)
    ]
    next_cursor = None
    if len(rows) > count:
        rows = rows[:count]
        last = rows[-1]
        next_cursor = paging.encode(paging.Cursor(True, (last.resource_type, last.id)))
    return EverythingPage(rows, next_cursor)


def references_outside(conn: Connection, members: list[Found]) -> set[tuple[str, str]]:
    """(type, id) of the resources outside the Patient compartment that these members point
    at (their Medications, Practitioners, Organizations...): one query per member type."""
    inside = set(patient_compartment_params()) | {_PATIENT}
    by_type: dict[str, list[str]] = {}
    for found in members:
        by_type.setdefault(found.resource_type, []).append(found.id)
    ref = reference_index.c
    wanted: set[tuple[str, str]] = set()
    for resource_type, ids in by_type.items():
        query = select(ref.target_type, ref.target_id).where(
            ref.resource_type == resource_type,
            ref.resource_id.in_(ids),
            ref.target_id.is_not(None),
            ref.target_type.not_in(inside),
        )
        wanted.update((row[0], row[1]) for row in conn.execute(query.distinct()))
    return wanted
