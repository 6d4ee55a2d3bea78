"""Which resources an export holds, streamed to one NDJSON file per type.

Patient and Group exports hold the patients and every resource of a Patient-compartment type that
references one of them (the reference index). Membership is by any reference, not only through the
compartment's named parameters: a slightly wider net than the CompartmentDefinition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson
from sqlalchemy import Connection, and_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.compartments import patient_compartment_types
from enlace.store import content_cipher
from enlace.store.database import Database
from enlace.store.schema import reference_index, resources

BATCH = 1000
_MEMBER_CHUNK = 500
# What a de-identified export does to each line: the bytes to write, or None to leave it out.
Transform = Callable[[str, bytes], bytes | None]


@dataclass(frozen=True)
class Scope:
    level: str  # system | patient | group
    types: list[str]
    since_us: int | None
    group_id: str | None = None
    deidentify_k: int | None = None  # `_deidentify=safe-harbor`: k of its k-anonymity check


def write_files(
    db: Database, scope: Scope, directory: Path, transform: Transform | None = None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    handles: dict[str, IO[bytes]] = {}
    with ExitStack() as files, db.read() as conn:
        patients = _patients(conn, scope) if scope.level != "system" else None
        for resource_type, stored in _stream(conn, scope, patients):
            content = transform(resource_type, stored) if transform else stored
            if content is None:
                continue
            handle = handles.get(resource_type)
            if handle is None:
                path = directory / f"{resource_type}.ndjson"
                handle = handles[resource_type] = files.enter_context(path.open("wb"))
            handle.write(content)
            handle.write(b"\n")
            counts[resource_type] = counts.get(resource_type, 0) + 1
    return counts


def scope_patients(db: Database, scope: Scope) -> Iterator[bytes]:
    """Every Patient of the scope, whatever `_type` and `_since` say: the population a
    de-identified export checks k-anonymity on."""
    everyone = Scope(scope.level, [], None, scope.group_id)
    is_patient = resources.c.resource_type == "Patient"
    with db.read() as conn:
        if scope.level != "group":
            for _, content in _scan(conn, everyone, [is_patient]):
                yield content
            return
        members = list(dict.fromkeys(_patients(conn, scope)))  # a member listed twice counts once
        for start in range(0, len(members), _MEMBER_CHUNK):
            chunk = members[start : start + _MEMBER_CHUNK]
            for _, content in _scan(conn, everyone, [is_patient, resources.c.id.in_(chunk)]):
                yield content


def _patients(conn: Connection, scope: Scope) -> list[str]:
    if scope.level == "patient":
        rows = conn.execute(
            select(resources.c.id).where(
                resources.c.resource_type == "Patient", resources.c.deleted.is_(False)
            )
        )
        return [row[0] for row in rows]
    row = conn.execute(
        select(resources.c.content, resources.c.version_id).where(
            resources.c.resource_type == "Group", resources.c.id == scope.group_id
        )
    ).first()
    group = {}
    if row and row[0]:
        stored = bytes(row[0])
        group = orjson.loads(
            content_cipher.of(conn).open("Group", str(scope.group_id), row[1], stored)
        )
    members = []
    for member in group.get("member", []):
        reference = member.get("entity", {}).get("reference", "")
        if reference.startswith("Patient/"):
            members.append(reference.split("/")[1])
    return members


def _stream(
    conn: Connection, scope: Scope, patients: list[str] | None
) -> Iterator[tuple[str, bytes]]:
    """Each exported resource once, in (type, id) order within each pass."""
    if patients is None:
        yield from _scan(conn, scope, [])
        return
    compartment = sorted(patient_compartment_types() - {"Patient"})
    r = resources.c
    if scope.level == "patient":  # every patient: no member list to chunk, so no repeats
        yield from _scan(conn, scope, [r.resource_type == "Patient"])
        yield from _scan(conn, scope, [r.resource_type.in_(compartment), _references_patient(None)])
        return
    seen: set[tuple[str, str]] = set()  # a resource may reference members of several chunks
    for start in range(0, len(patients), _MEMBER_CHUNK):
        chunk = patients[start : start + _MEMBER_CHUNK]
        yield from _scan(conn, scope, [r.resource_type == "Patient", r.id.in_(chunk)])
        for resource_type, resource_id, content in _scan_keyed(
            conn, scope, [r.resource_type.in_(compartment), _references_patient(chunk)]
        ):
            if (resource_type, resource_id) not in seen:
                seen.add((resource_type, resource_id))
                yield resource_type, content


def _references_patient(ids: list[str] | None) -> ColumnElement[bool]:
    ref = reference_index.c
    r = resources.c
    match = [
        ref.resource_type == r.resource_type,
        ref.resource_id == r.id,
        ref.target_type == "Patient",
    ]
    if ids is not None:
        match.append(ref.target_id.in_(ids))
    return select(ref.resource_id).where(*match).exists()


def _scan(
    conn: Connection, scope: Scope, extra: list[ColumnElement[bool]]
) -> Iterator[tuple[str, bytes]]:
    for resource_type, _, content in _scan_keyed(conn, scope, extra):
        yield resource_type, content


def _scan_keyed(
    conn: Connection, scope: Scope, extra: list[ColumnElement[bool]]
) -> Iterator[tuple[str, str, bytes]]:
    """Current resources matching the scope, keyset-paged so memory stays bounded."""
    r = resources.c
    conditions: list[ColumnElement[bool]] = [r.deleted.is_(False), *extra]
    if scope.types:
        conditions.append(r.resource_type.in_(scope.types))
    if scope.since_us is not None:
        conditions.append(r.last_updated_us >= scope.since_us)
    opened = content_cipher.of(conn).open
    last: tuple[str, str] | None = None
    while True:
        query = select(r.resource_type, r.id, r.content, r.version_id).where(*conditions)
        if last is not None:
            query = query.where(
                (r.resource_type > last[0]) | and_(r.resource_type == last[0], r.id > last[1])
            )
        rows = conn.execute(query.order_by(r.resource_type, r.id).limit(BATCH)).all()
        for row in rows:
            yield row[0], row[1], opened(row[0], row[1], row[3], bytes(row[2]))
        if len(rows) < BATCH:
            return
        last = (rows[-1][0], rows[-1][1])
