"""The care module's background pass (docs/care.md): escalate breached referral clocks and queue
appointment reminders, every `every_s` seconds on a daemon thread. Several processes may each run
one: breaches are claimed row by row, reminders are deduplicated per appointment."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.modules.care import reminders, sla
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

log = logging.getLogger(__name__)
EVERY_S = 300.0  # the shortest clock is 4 h: five minutes late is within its tolerance


def run_once(db: Database, repo: FhirRepository, now_us: int) -> tuple[int, int]:
    """(referrals escalated, reminders queued)."""
    breaches = sla.escalate_breached(db, repo, now_us)
    for breach in breaches:
        log.warning(
            "referral ServiceRequest/%s to %s breached its %s clock by %.1f h",
            breach.referral,
            breach.to_org,
            breach.urgency,
            breach.late_hours,
        )
    return len(breaches), reminders.queue_due(db, repo, now_us)


def start(
    db: Database, repo: FhirRepository, every_s: float = EVERY_S, clock: Clock = system_clock
) -> Callable[[], None]:
    """Run `run_once` every `every_s` seconds; returns the stop function."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            try:
                run_once(db, repo, epoch_us(clock()))
            except Exception:
                log.warning("care jobs failed; next attempt in %.0f s", every_s, exc_info=True)

    thread = threading.Thread(target=run, name="enlace-care-jobs", daemon=True)
    thread.start()

    def stop_jobs() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_jobs
