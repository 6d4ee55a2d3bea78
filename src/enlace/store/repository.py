"""FhirRepository: versioned resource storage over SQLAlchemy Core.

Every write is a new row in `resource_history` plus an upsert of `resources`; deletes are versioned
tombstones. Optimistic locking is a conditional UPDATE on the expected version, backed by the
unique (type, id, version) index on history, so no lost update can pass even between processes.
Methods take the caller's connection: the caller's unit of work decides where a transaction ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import Clock, epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.ids import IdFactory
from enlace.store import bulk, content_cipher, sql, versions
from enlace.store.bulk import PutItem
from enlace.store.patient_key import keyed, patient_key
from enlace.store.records import Indexer, NoIndexer, StoredVersion, content_hash, stamp
from enlace.store.schema import resource_history, resources
from enlace.store.versions import ConcurrentCreate, ConcurrentWrite

_CURRENT_COLUMNS = (
    resources.c.resource_type,
    resources.c.id,
    resources.c.version_id,
    resources.c.last_updated_us,
    resources.c.deleted,
    resources.c.content,
)


@dataclass(frozen=True, slots=True)
class WriteResult:
    version: StoredVersion
    created: bool  # a new resource (201) rather than a new version of an existing one (200)


# Told of every version written through the repository, in the writing transaction (the audit
# trail records writes there, so a rolled-back write leaves no record and a committed one always
# has its record). Bulk `put_many` imports are not observed one by one.
WriteObserver = Callable[[Connection, StoredVersion], None]


class FhirRepository:
    def __init__(
        self,
        clock: Clock,
        ids: IdFactory,
        indexer: Indexer | None = None,
        on_write: WriteObserver | None = None,
    ) -> None:
        self.clock = clock
        self.new_id = ids
        self.indexer: Indexer = indexer or NoIndexer()
        self.on_write = on_write

    # -- reads ------------------------------------------------------------------------------
    def current(
        self, conn: Connection, resource_type: str, resource_id: str
    ) -> StoredVersion | None:
        row = sql.first(conn, "current", {"t": resource_type, "id": resource_id})
        return _version(row, content_cipher.of(conn)) if row else None

    def current_many(
        self, conn: Connection, resource_type: str, resource_ids: Iterable[str]
    ) -> dict[str, StoredVersion]:
        """The current versions of many resources of one type (absent ids left out), one
        query per 500 ids: for batch use cases that would otherwise read one at a time."""
        r = resources.c
        wanted = list(dict.fromkeys(resource_ids))
        cipher = content_cipher.of(conn)
        found: dict[str, StoredVersion] = {}
        for start in range(0, len(wanted), 500):
            statement = select(
                r.resource_type, r.id, r.version_id, r.last_updated_us, r.deleted, r.content
            ).where(r.resource_type == resource_type, r.id.in_(wanted[start : start + 500]))
            for row in conn.execute(statement):
                found[row[1]] = _version(row, cipher)
        return found

    def scan(
        self, conn: Connection, resource_type: str, after: str | None = None, limit: int = 1000
    ) -> list[StoredVersion]:
        """Current, not deleted resources of one type in id order, `limit` after the id `after`:
        a job walks a whole type page by page (keyset) without holding it in memory."""
        r = resources.c
        statement = (
            select(r.resource_type, r.id, r.version_id, r.last_updated_us, r.deleted, r.content)
            .where(r.resource_type == resource_type, r.deleted.is_(False))
            .order_by(r.id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(r.id > after)
        cipher = content_cipher.of(conn)
        return [_version(row, cipher) for row in conn.execute(statement)]

    def read(self, conn: Connection, resource_type: str, resource_id: str) -> StoredVersion:
        found = self.current(conn, resource_type, resource_id)
        if found is None:
            raise errors.not_found(f"{resource_type}/{resource_id} is not known")
        if found.deleted:
            raise errors.gone(
                f"{resource_type}/{resource_id} was deleted",
                headers={"ETag": found.etag, "Last-Modified": found.last_updated},
            )
        return found

    def vread(
        self, conn: Connection, resource_type: str, resource_id: str, version_id: int
    ) -> StoredVersion:
        params = {"t": resource_type, "id": resource_id, "v": version_id}
        row = sql.first(conn, "vread", params)
        if row is None:
            raise errors.not_found(f"{resource_type}/{resource_id} has no version {version_id}")
        version = _version(row, content_cipher.of(conn))
        if version.deleted:
            raise errors.gone(f"{resource_type}/{resource_id} version {version_id} is a deletion")
        return version

    # -- writes -----------------------------------------------------------------------------
    def create(
        self, conn: Connection, resource: dict[str, Any], resource_id: str | None = None
    ) -> StoredVersion:
        resource_type = resource["resourceType"]
        client_chosen = resource_id is not None
        resource_id = resource_id or self.new_id()
        now_us, instant = self._now()
        body = stamp(resource, resource_id, 1, instant)
        index = self.indexer.rows(resource_type, resource_id, resource)
        key = patient_key(resource_type, resource_id, index)
        row = {
            "resource_type": resource_type,
            "id": resource_id,
            "version_id": 1,
            "last_updated_us": now_us,
            "deleted": False,
            "content_hash": content_hash(resource),
            "content": content_cipher.of(conn).seal(resource_type, resource_id, 1, body),
            "patient_key": key,
        }
        if client_chosen:  # a concurrent create of the same id is possible: keep the tx usable
            try:
                with conn.begin_nested():
                    versions.insert_version(conn, row, "POST")
            except IntegrityError as exc:
                raise ConcurrentCreate(
                    f"{resource_type}/{resource_id} was created concurrently"
                ) from exc
        else:  # a fresh UUID cannot collide
            versions.insert_version(conn, row, "POST")
        version = StoredVersion(resource_type, resource_id, 1, now_us, False, body, "POST")
        sql.insert_index_rows(conn, keyed(index, key))
        self._observe(conn, version)
        return version

    def update(
        self,
        conn: Connection,
        resource: dict[str, Any],
        resource_id: str,
        if_match: int | None = None,
        method: str = "PUT",
    ) -> WriteResult:
        """Create-or-update under `resource_id`; `if_match` demands the current version.

        Without `if_match` a concurrent writer is not an error: the update is retried on the
        version that writer committed (last writer wins, and both versions stay in history).
        """
        resource["id"] = resource_id
        for _ in range(_RETRIES):
            try:
                return self._update_once(conn, resource, resource_id, if_match, method)
            except ConcurrentWrite:
                if if_match is not None:
                    raise
        return self._update_once(conn, resource, resource_id, if_match, method)

    def _update_once(
        self,
        conn: Connection,
        resource: dict[str, Any],
        resource_id: str,
        if_match: int | None,
        method: str,
    ) -> WriteResult:
        resource_type = resource["resourceType"]
        found = versions.current_state(conn, resource_type, resource_id)
        if found is None:
            if if_match is not None:
                raise errors.precondition_failed(
                    f"{resource_type}/{resource_id} does not exist, so version {if_match} cannot match"
                )
            return WriteResult(self.create(conn, resource, resource_id), created=True)
        current_version, current_hash, was_deleted = found[:3]
        if if_match is not None and if_match != current_version:
            raise errors.precondition_failed(
                f"{resource_type}/{resource_id} is at version {current_version}, not {if_match}"
            )
        digest = content_hash(resource)
        if digest == current_hash and not was_deleted:
            return WriteResult(
                self.read(conn, resource_type, resource_id), created=False
            )  # unchanged
        version = self._write_version(conn, resource, resource_id, found, digest, method)
        return WriteResult(version, created=was_deleted)

    def delete(
        self, conn: Connection, resource_type: str, resource_id: str, if_match: int | None = None
    ) -> StoredVersion | None:
        """Write a tombstone; deleting what is absent or already deleted changes nothing."""
        for _ in range(_RETRIES):
            found = versions.current_state(conn, resource_type, resource_id)
            if if_match is not None and (found is None or found[0] != if_match):
                current = "absent" if found is None else f"at version {found[0]}"
                raise errors.precondition_failed(
                    f"{resource_type}/{resource_id} is {current}, not version {if_match}"
                )
            if found is None or found[2]:
                return None
            now_us, _ = self._now_after(found.last_updated_us)
            new_version = found[0] + 1
            try:
                versions.swap_current(
                    conn,
                    resource_type,
                    resource_id,
                    found[0],
                    new_version,
                    now_us,
                    "",
                    None,
                    found.patient_key,
                    method="DELETE",
                )
            except ConcurrentWrite:
                if if_match is not None:
                    raise
                continue
            version = StoredVersion(
                resource_type, resource_id, new_version, now_us, True, None, "DELETE"
            )
            versions.clear_index(conn, resource_type, resource_id)
            self._observe(conn, version)
            return version
        raise errors.conflict(f"{resource_type}/{resource_id} is being changed by many writers")

    def put_many(self, conn: Connection, items: Iterable[PutItem]) -> dict[str, int]:
        """Bulk create-or-update; unchanged resources keep their version (idempotent import)."""
        return bulk.put_many(conn, items, self._now(), self.indexer)

    # -- history ----------------------------------------------------------------------------
    def history(
        self,
        conn: Connection,
        resource_type: str | None = None,
        resource_id: str | None = None,
        since_us: int | None = None,
        before_seq: int | None = None,
        limit: int = 50,
    ) -> list[tuple[int, StoredVersion]]:
        """Versions newest first, each with its sequence number (the paging cursor)."""
        h = resource_history.c
        query = select(
            h.seq,
            h.resource_type,
            h.id,
            h.version_id,
            h.last_updated_us,
            h.deleted,
            h.content,
            h.method,
        )
        conditions = []
        if resource_type:
            conditions.append(h.resource_type == resource_type)
        if resource_id:
            conditions.append(h.id == resource_id)
        if since_us is not None:
            conditions.append(h.last_updated_us >= since_us)
        if before_seq is not None:
            conditions.append(h.seq < before_seq)
        if conditions:
            query = query.where(and_(*conditions))
        rows = conn.execute(query.order_by(h.seq.desc()).limit(limit)).all()
        cipher = content_cipher.of(conn)
        return [(row[0], _version(row[1:], cipher)) for row in rows]

    # -- internals --------------------------------------------------------------------------
    def _now(self) -> tuple[int, str]:
        moment: datetime = self.clock()
        return epoch_us(moment), fhir_instant(moment)

    def _now_after(self, previous_us: int) -> tuple[int, str]:
        """Now, but never at or before the version it replaces: a writer whose clock is behind
        another process's must not give a new version an older lastUpdated (_since would miss
        it). The version then carries the previous time plus one microsecond."""
        now_us, instant = self._now()
        if now_us > previous_us:
            return now_us, instant
        later = previous_us + 1
        return later, fhir_instant(from_epoch_us(later))

    def _write_version(
        self,
        conn: Connection,
        resource: dict[str, Any],
        resource_id: str,
        current: versions.CurrentState,
        digest: str,
        method: str,
    ) -> StoredVersion:
        resource_type = resource["resourceType"]
        now_us, instant = self._now_after(current.last_updated_us)
        new_version = current.version + 1
        body = stamp(resource, resource_id, new_version, instant)
        index = self.indexer.rows(resource_type, resource_id, resource)
        key = patient_key(resource_type, resource_id, index)
        versions.swap_current(
            conn,
            resource_type,
            resource_id,
            current.version,
            new_version,
            now_us,
            digest,
            content_cipher.of(conn).seal(resource_type, resource_id, new_version, body),
            key,
            method=method,
            current_key=current.patient_key,
        )
        version = StoredVersion(
            resource_type, resource_id, new_version, now_us, False, body, method
        )
        versions.clear_index(conn, resource_type, resource_id)
        sql.insert_index_rows(conn, keyed(index, key))
        self._observe(conn, version)
        return version

    def _observe(self, conn: Connection, version: StoredVersion) -> None:
        if self.on_write is not None:
            self.on_write(conn, version)


_RETRIES = 5


def _version(row: Any, cipher: content_cipher.ContentCipher) -> StoredVersion:
    method = row[6] if len(row) > 6 else ""
    content = cipher.open(row[0], row[1], row[2], bytes(row[5])) if row[5] is not None else None
    return StoredVersion(row[0], row[1], row[2], row[3], bool(row[4]), content, method)
