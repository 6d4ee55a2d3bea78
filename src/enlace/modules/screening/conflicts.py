"""Edits of one patient from two devices (docs/sync.md, Conflicts): a three-way merge that loses
nothing, and the review list of what could not be merged.

The merge works on the Patient's top-level elements (name, telecom, address, ...), the unit a
CHW's form edits: an element only one side changed takes that side's value; an element both
changed to different values keeps the server's value, and the device's is kept in history (its
own version) and listed here until a reviewer chooses per element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import epoch_us
from enlace.store.repository import FhirRepository

from .tables import sync_conflicts

NOT_MERGED = frozenset(("id", "meta"))  # the server's own bookkeeping, never the device's
SIDES = ("server", "device")
PRECONDITION_FAILED = 412


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One element both sides changed differently; None stands for absent."""

    path: str
    base: Any
    server: Any
    device: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "base": self.base, "server": self.server, "device": self.device}


@dataclass(frozen=True, slots=True)
class Merge:
    merged: dict[str, Any]
    from_device: tuple[str, ...]  # elements the device changed and the server did not
    conflicts: tuple[FieldConflict, ...]


def three_way(base: dict[str, Any], server: dict[str, Any], device: dict[str, Any]) -> Merge:
    """Merge the device's edit of `base` into `server` (the current version). Pure."""
    merged = {k: v for k, v in server.items()}
    from_device: list[str] = []
    conflicts: list[FieldConflict] = []
    for path in sorted((set(base) | set(server) | set(device)) - NOT_MERGED):
        was, theirs, mine = base.get(path), server.get(path), device.get(path)
        if mine in (was, theirs):
            continue  # the device did not change it, or changed it the same way
        if theirs == was:
            from_device.append(path)
            _put(merged, path, mine)
        else:
            conflicts.append(FieldConflict(path, was, theirs, mine))
    return Merge(merged, tuple(from_device), tuple(conflicts))


def _put(resource: dict[str, Any], path: str, value: Any) -> None:
    if value is None:
        resource.pop(path, None)
    else:
        resource[path] = value


def apply_edit(
    conn: Connection,
    repo: FhirRepository,
    patient_id: str,
    payload: dict[str, Any],
    base_version: int,
    context: dict[str, Any],
) -> dict[str, Any]:
    """Write a device's edit of `patient_id` made from `base_version` (docs/sync.md, Conflicts).

    From the current version: written as the next one. From an older one: merged three ways
    against the base read from history; when both sides changed an element, the device's edit is
    written as a version of its own, then the merge keeping the server's values, and the conflict
    is listed. Raises FhirError 412/ConcurrentWrite when another writer went first (retried).
    `context` has client_id, device, actor and location (the item's, for messages)."""
    current = repo.read(conn, "Patient", patient_id)
    answer: dict[str, Any] = {"status": "created", "patient": f"Patient/{patient_id}"}
    if base_version > current.version_id:
        message = f"baseVersion {base_version} is newer than the current {current.version_id}"
        where = f"{context['location']}.baseVersion"
        raise errors.FhirError(422, [errors.Issue("value", message, where)])
    if base_version == current.version_id:
        written = repo.update(conn, payload, patient_id, if_match=base_version)
        return {**answer, "version": written.version.version_id}
    base = repo.vread(conn, "Patient", patient_id, base_version).resource()
    server = current.resource()
    merge = three_way(base, server, payload)
    if not merge.conflicts:
        if not merge.from_device:  # the server already has every change the device made
            return {**answer, "version": current.version_id, "merged": []}
        written = repo.update(conn, merge.merged, patient_id, if_match=current.version_id)
        return {**answer, "version": written.version.version_id, "merged": list(merge.from_device)}
    device = repo.update(conn, payload, patient_id, if_match=current.version_id).version
    merged = repo.update(conn, merge.merged, patient_id, if_match=device.version_id).version
    row = {
        "patient": patient_id,
        "client_id": context["client_id"],
        "device": context["device"],
        "actor": context["actor"],
        "base_version": base_version,
        "server_version": current.version_id,
        "device_version": device.version_id,
        "merged_version": merged.version_id,
        "fields": [c.to_json() for c in merge.conflicts],
    }
    return {
        **answer,
        "status": "conflict",
        "version": merged.version_id,
        "deviceVersion": device.version_id,
        "conflict": record(conn, repo, row),
        "fields": [c.path for c in merge.conflicts],
        "merged": list(merge.from_device),
    }


def record(conn: Connection, repo: FhirRepository, row: dict[str, Any]) -> str:
    """List a conflict for review; `row` has the sync_conflicts columns but id, status, time."""
    conflict_id = repo.new_id()
    values = {
        **row,
        "id": conflict_id,
        "status": "open",
        "created_us": epoch_us(repo.clock()),
        "fields": jsonutil.dumps(row["fields"]).decode(),
    }
    conn.execute(sync_conflicts.insert().values(values))
    return conflict_id


def listed(conn: Connection, status: str | None = "open", limit: int = 100) -> list[dict[str, Any]]:
    """Conflicts, oldest first (the review queue), optionally of one status."""
    statement = select(sync_conflicts).order_by(sync_conflicts.c.created_us).limit(limit)
    if status is not None:
        statement = statement.where(sync_conflicts.c.status == status)
    return [_shown(row) for row in conn.execute(statement).mappings()]


def get(conn: Connection, conflict_id: str) -> dict[str, Any]:
    row = (
        conn.execute(select(sync_conflicts).where(sync_conflicts.c.id == conflict_id))
        .mappings()
        .first()
    )
    if row is None:
        raise errors.not_found(f"Conflict {conflict_id} is not known")
    return _shown(row)


def resolve(
    conn: Connection, repo: FhirRepository, conflict_id: str, choices: Any, reviewer: str
) -> dict[str, Any]:
    """Apply a reviewer's choice per element ("server" or "device") as a new Patient version on
    top of the current one (checked by version, so a concurrent write is not overwritten)."""
    conflict = get(conn, conflict_id)
    if conflict["status"] != "open":
        raise errors.conflict(f"Conflict {conflict_id} was already resolved")
    fields = {f["path"]: f for f in conflict["fields"]}
    chosen = _checked_choices(choices, fields)
    current = repo.read(conn, "Patient", conflict["patient"].removeprefix("Patient/"))
    resource = current.resource()
    for path, side in chosen.items():
        _put(resource, path, fields[path][side])
    try:
        written = repo.update(conn, resource, current.id, if_match=current.version_id)
    except errors.FhirError as exc:
        if exc.status != PRECONDITION_FAILED:
            raise
        message = f"Patient/{current.id} changed while resolving; open the conflict again"
        raise errors.conflict(message) from exc
    conn.execute(
        update(sync_conflicts)
        .where(sync_conflicts.c.id == conflict_id, sync_conflicts.c.status == "open")
        .values(
            status="resolved",
            resolved_us=epoch_us(repo.clock()),
            resolved_by=reviewer,
            resolution=jsonutil.dumps(chosen).decode(),
            resolved_version=written.version.version_id,
        )
    )
    return get(conn, conflict_id)


def _checked_choices(choices: Any, fields: dict[str, Any]) -> dict[str, str]:
    """Every listed element chosen, and nothing else: a 400 naming each problem otherwise."""
    if not isinstance(choices, dict):
        raise errors.bad_request("choices must map each element to 'server' or 'device'", "choices")
    issues = [
        errors.Issue("value", f"'{path}' is not an element of this conflict", f"choices.{path}")
        for path in sorted(set(choices) - set(fields))
    ]
    issues += [
        errors.Issue("required", f"Choose 'server' or 'device' for '{path}'", f"choices.{path}")
        for path in sorted(fields)
        if choices.get(path) not in SIDES
    ]
    if issues:
        raise errors.FhirError(400, issues)
    return {path: str(choices[path]) for path in sorted(fields)}


def _shown(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "patient": f"Patient/{row['patient']}",
        "clientId": row["client_id"],
        "device": row["device"],
        "actor": row["actor"],
        "status": row["status"],
        "baseVersion": row["base_version"],
        "serverVersion": row["server_version"],
        "deviceVersion": row["device_version"],
        "mergedVersion": row["merged_version"],
        "fields": jsonutil.loads(row["fields"]),
        "createdUs": row["created_us"],
        "resolvedBy": row["resolved_by"],
        "resolution": jsonutil.loads(row["resolution"]) if row["resolution"] else None,
        "resolvedVersion": row["resolved_version"],
    }
