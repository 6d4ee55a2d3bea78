"""Sealing in the background: what a serving process (or `enlace audit seal`) runs.

- `seal_pending(db, now_us)`: seal everything older than the horizon, one transaction per
  batch (audit_log.SEAL_BATCH), and log the new chain head: that log line is the anchor
  `enlace audit verify --anchor POSITION:HASH` checks later, so keep the logs somewhere the
  database's users cannot rewrite;
- `start(db)`: a daemon thread doing that every `every_s` seconds. Every worker process may run
  one: on PostgreSQL a sealer that finds another at work skips its turn (advisory lock), on
  SQLite they take turns on the write lock and the late one finds nothing left.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.store.database import Database

from .audit import DEFAULT_HORIZON_US
from .audit_log import chain_head, seal

log = logging.getLogger(__name__)

SEAL_EVERY_S = 2.0


def seal_pending(
    db: Database,
    now_us: int,
    *,
    horizon_us: int = DEFAULT_HORIZON_US,
    batch: int | None = None,
    wait: bool = True,
) -> int:
    """Seal every row recorded before `now_us - horizon_us`; returns how many were sealed."""
    total = 0
    while True:
        with db.begin() as conn:
            sealed = seal(conn, now_us, horizon_us=horizon_us, limit=batch, wait=wait)
            head = chain_head(conn) if sealed else None
        total += sealed
        if head is not None:
            log.info(
                "audit chain sealed",
                extra={"fields": {"sealed": sealed, "anchor": f"{head[0]}:{head[1]}"}},
            )
        if sealed == 0:  # a batch can be short (a late row's range) and still leave work
            return total


def start(
    db: Database,
    clock: Clock = system_clock,
    every_s: float = SEAL_EVERY_S,
    horizon_us: int = DEFAULT_HORIZON_US,
) -> Callable[[], None]:
    """Seal every `every_s` seconds on a daemon thread; returns the function that stops it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            try:
                seal_pending(db, epoch_us(clock()), horizon_us=horizon_us, wait=False)
            except Exception:
                log.warning("audit sealing failed; next attempt in %.0f s", every_s, exc_info=True)

    thread = threading.Thread(target=run, name="enlace-audit-sealer", daemon=True)
    thread.start()

    def stop_sealer() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_sealer
