"""The device pulls what changed in its patients' records (docs/sync.md, Pulling changes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel.clock import epoch_us
from enlace.store.repository import FhirRepository
from enlace.store.schema import resource_history

from .tables import sync_batches, sync_items

CHANGES_PAGE = 100
SETTLE_US = 5_000_000  # see changes()


def changes(
    conn: Connection,
    repo: FhirRepository,
    actor: str,
    since: int,
    limit: int = CHANGES_PAGE,
    settle_us: int = SETTLE_US,
) -> dict[str, Any]:
    """The patients `actor` synced whose record changed after the cursor `since` (a history
    sequence number), each once with its current version, oldest change first (keyset paging).

    Only versions older than `settle_us` are listed: on PostgreSQL a sequence number is taken when
    a transaction writes, not when it commits, so a just-written lower number may still appear;
    waiting that long (far longer than a write transaction lasts) keeps the cursor from passing it."""
    h = resource_history.c
    mine = (
        select(sync_items.c.patient)
        .join(sync_batches, sync_batches.c.batch_id == sync_items.c.batch_id)
        .where(sync_batches.c.actor == actor, sync_items.c.patient.is_not(None))
    )
    settled = epoch_us(repo.clock()) - settle_us
    rows = conn.execute(
        select(h.seq, h.id)
        .where(
            h.resource_type == "Patient",
            h.seq > since,
            h.last_updated_us <= settled,
            h.id.in_(mine),
        )
        .order_by(h.seq)
        .limit(limit)
    ).all()
    latest = {row.id: row.seq for row in rows}  # a patient changed twice is listed once
    current = repo.current_many(conn, "Patient", latest)
    listed = [
        {
            "patient": f"Patient/{patient}",
            "version": current[patient].version_id,
            "deleted": current[patient].deleted,
            "resource": None if current[patient].deleted else current[patient].resource(),
        }
        for patient in sorted(latest, key=latest.__getitem__)
        if patient in current
    ]
    cursor = rows[-1].seq if rows else since
    return {"changes": listed, "next": str(cursor), "more": len(rows) == limit}
