"""An SMS "TOMÉ" answering a dose reminder that names a prescription and a dose time shows in
the patient app's dose records (engagement.doses_for); without such a reminder it stays only in
messaging_doses (SQLite and PostgreSQL through the `services` fixture)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules import engagement, messaging
from enlace.modules.messaging.inbound_tables import doses
from tests.integration.engagement.support import LOSARTAN, METFORMIN, PATIENT, world
from tests.integration.messaging.inbound_support import HOUR, NOON, count, enrol, text

TODAY = date(2026, 3, 10)  # NOON's local day
PARAMS = {"sender": "Red Enlace", "name": "Rosa", "medicine": "metformina"}


class Kept:
    name = "kept"

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, message: Any) -> None:
        self.sent.append(message)


@pytest.fixture
def ready(services: Services) -> Services:
    world(services)
    enrol(services, PATIENT)
    return services


def remind(services: Services, key: str, reason: dict[str, Any], at: int) -> None:
    with services.db.begin() as conn:
        request = messaging.MessageRequest(PATIENT, "dose-reminder", PARAMS, key, reason)
        assert messaging.enqueue(conn, request, at).status == "queued"
    assert messaging.deliver(services.db, services.repo, Kept(), at).delivered == 1


def slot(services: Services, request: str, at: str) -> engagement.DoseSlot:
    shown = engagement.doses_for(services.db, services.repo, PATIENT, TODAY)
    return next(s for s in shown if s.request == request and s.slot == at)


def test_taken_answering_a_named_dose_is_checked_off_in_the_app(ready: Services) -> None:
    remind(ready, "r-met-20", {"prescription": METFORMIN, "slot": "20:00"}, NOON - 2 * HOUR)
    got = text(ready, "TOMÉ", at=NOON)
    assert got.intent == "taken" and "app dose rx-met 20:00: created" in got.outcome
    checked = slot(ready, METFORMIN, "20:00")
    assert (checked.status, checked.source) == ("taken", "sms")
    assert slot(ready, METFORMIN, "08:00").status is None  # only the reminded dose
    assert count(ready, doses) == 1  # the SMS record is kept as well


def test_taken_without_a_named_reminder_stays_in_messaging_only(ready: Services) -> None:
    remind(ready, "r-plain", {"rule": "R1-reminder"}, NOON - 2 * HOUR)
    got = text(ready, "TOMÉ", at=NOON)
    assert got.outcome == "dose taken recorded"
    assert count(ready, doses) == 1
    assert all(s.status is None for s in engagement.doses_for(
        ready.db, ready.repo, PATIENT, TODAY))  # fmt: skip


def test_a_reminder_older_than_a_day_is_not_matched(ready: Services) -> None:
    remind(ready, "r-old", {"prescription": LOSARTAN, "slot": "08:00"}, NOON - 23 * HOUR)
    got = text(ready, "TOMÉ", at=NOON + 2 * HOUR)  # 25 hours later
    assert got.outcome == "dose taken recorded"
    assert slot(ready, LOSARTAN, "08:00").status is None


def test_a_reminder_naming_a_dose_that_does_not_exist_keeps_the_sms_record(
    ready: Services,
) -> None:
    remind(ready, "r-bad", {"prescription": LOSARTAN, "slot": "13:00"}, NOON - 2 * HOUR)
    got = text(ready, "TOMÉ", at=NOON)
    assert got.intent == "taken" and "app dose not linked" in got.outcome
    assert count(ready, doses) == 1
    assert slot(ready, LOSARTAN, "08:00").status is None
