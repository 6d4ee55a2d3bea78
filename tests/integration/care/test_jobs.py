"""The care background pass on both stores: a breached clock is escalated and a reminder queued
in one pass, nothing the second time."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules import care
from tests.integration.care.care_support import (
    DAY,
    HOSPITAL,
    HOUR,
    now_us,
    patient,
    referral,
    slots,
)


def test_run_once(services: Services) -> None:
    pid = patient(services)
    referral(services, pid, urgency="asap")  # 24 h
    with services.db.read() as conn:
        [item] = care.worklist(conn, HOSPITAL, "receiving")
    later = item.requested_us + DAY + HOUR
    [slot] = slots(services, [later + 10 * HOUR])
    with services.db.begin() as conn:
        care.book(conn, services.repo, slot, pid, now_us(services))
    assert care.jobs.run_once(services.db, services.repo, later) == (1, 1)
    assert care.jobs.run_once(services.db, services.repo, later + HOUR) == (0, 0)
