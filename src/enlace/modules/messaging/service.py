"""Messaging use cases other modules, the daily job and the CLI call (the module's public API
is re-exported by `enlace.modules.messaging`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, select

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from .adapters import Adapter, ConsoleAdapter, default_adapter
from .outbox import DeliveryReport, deliver
from .tables import outbox

log = logging.getLogger(__name__)
DELIVER_EVERY_S = 60.0  # a message due after quiet hours or a retry waits at most this long


def adapters_named(name: str, var_dir: Path) -> Adapter:
    """The adapter a command line or setting names: file (the default) or console."""
    if name == "file":
        return default_adapter(var_dir)
    if name == "console":
        return ConsoleAdapter()
    raise ValueError(f"unknown adapter '{name}' (file or console)")


def deliver_due(
    db: Database,
    repo: FhirRepository,
    now_us: int,
    var_dir: Path,
    adapters: Adapter | Mapping[str, Adapter] | None = None,
) -> DeliveryReport:
    """The in-process call the daily job makes after its transaction committed."""
    return deliver(db, repo, adapters or default_adapter(var_dir), now_us)


@dataclass(frozen=True, slots=True)
class Sent:
    patient: str
    template: str
    delivered_us: int
    reason: str  # JSON


def delivered_between(
    conn: Connection, start_us: int, end_us: int, patient: str | None = None
) -> list[Sent]:
    """Messages delivered in [start_us, end_us) (a patient's, or everyone's): what the
    simulator reads to make a person react to a reminder."""
    c = outbox.c
    query = select(c.patient, c.template, c.delivered_us, c.reason).where(
        c.status == "delivered", c.delivered_us >= start_us, c.delivered_us < end_us
    )
    if patient is not None:
        query = query.where(c.patient == patient)
    return [Sent(r.patient, r.template, r.delivered_us, r.reason) for r in conn.execute(query)]


def status_counts(conn: Connection) -> dict[str, int]:
    """Outbox rows by status (and by not-sent reason), for the CLI and the pages."""
    c = outbox.c
    rows = conn.execute(select(c.status, c.outcome, func.count()).group_by(c.status, c.outcome))
    counts: dict[str, int] = {}
    for status, outcome, n in rows:
        key = outcome if status == "not-sent" and outcome else status
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def start_deliverer(
    db: Database,
    repo: FhirRepository,
    var_dir: Path,
    every_s: float = DELIVER_EVERY_S,
    clock: Clock = system_clock,
    adapters: Adapter | Mapping[str, Adapter] | None = None,
) -> Callable[[], None]:
    """Deliver due messages every `every_s` seconds on a daemon thread (what a serving process
    runs); returns the stop function. Several processes may each run one: messages are claimed."""
    stop = threading.Event()
    chosen = adapters or default_adapter(var_dir)

    def run() -> None:
        while not stop.wait(every_s):
            try:
                deliver(db, repo, chosen, epoch_us(clock()))
            except Exception:
                log.warning(
                    "message delivery failed; next attempt in %.0f s", every_s, exc_info=True
                )

    thread = threading.Thread(target=run, name="enlace-message-delivery", daemon=True)
    thread.start()

    def stop_delivery() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_delivery
