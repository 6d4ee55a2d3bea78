"""How far the message outbox is behind (metrics and readiness, docs/operations.md)."""

from __future__ import annotations

from sqlalchemy import func, select

from enlace.modules.messaging.tables import outbox
from enlace.store.database import Database


def outbox_lag_us(db: Database, now_us: int) -> int:
    """Age of the oldest message due and not yet sent (0 when none waits)."""
    with db.read() as conn:
        oldest = conn.execute(
            select(func.min(outbox.c.next_attempt_us)).where(
                outbox.c.status.in_(("queued", "sending")), outbox.c.next_attempt_us <= now_us
            )
        ).scalar()
    return max(0, now_us - int(oldest)) if oldest is not None else 0
