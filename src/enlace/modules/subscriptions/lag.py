"""How far the subscription notifications are behind (metrics and readiness)."""

from __future__ import annotations

from sqlalchemy import func, select

from enlace.modules.subscriptions.tables import events
from enlace.store.database import Database


def outbox_lag_us(db: Database, now_us: int) -> int:
    """Age of the oldest event due and not yet delivered (0 when none waits; dead ones aside)."""
    with db.read() as conn:
        oldest = conn.execute(
            select(func.min(events.c.next_attempt_us)).where(
                events.c.status.in_(("queued", "sending")), events.c.next_attempt_us <= now_us
            )
        ).scalar()
    return max(0, now_us - int(oldest)) if oldest is not None else 0
