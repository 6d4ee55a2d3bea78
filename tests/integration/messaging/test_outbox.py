"""The outbox on both stores: consent, opt-out, quiet hours, caps, retries, exactly-once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import messaging
from enlace.modules.messaging.adapters import OutgoingMessage
from enlace.modules.messaging.tables import attempts, outbox

# Mexico City is UTC-6 all year (no daylight saving since 2022).
NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 local
NIGHT = epoch_us(datetime(2026, 3, 11, 4, 0, tzinfo=UTC))  # 22:00 local on the 10th
EIGHT_NEXT = epoch_us(datetime(2026, 3, 11, 14, 0, tzinfo=UTC))  # 08:00 local on the 11th
HOUR = 3600 * 1_000_000
DAY = 24 * HOUR
PARAMS = {
    "sender": "Clínica Enlace",
    "name": "Ana",
    "medicine": "metformina",
    "due": "12/03",
    "pharmacy": "Farmacia Centro",
}


def _opt_in(services: Services, patient: str = "p1", channel: str = "sms") -> None:
    with services.db.begin() as conn:
        messaging.set_preference(conn, patient, channel, "+525512345678", NOON - DAY)
        messaging.grant(conn, patient, channel, "Clínica Enlace", "formato firmado", NOON - DAY)


def _queue(services: Services, key: str, at: int, patient: str = "p1") -> messaging.Queued:
    request = messaging.MessageRequest(patient, "refill-reminder", PARAMS, key, {"rule": "R1"})
    with services.db.begin() as conn:
        return messaging.enqueue(conn, request, at)


def _lines(services: Services) -> list[dict[str, object]]:
    path: Path = services.settings.var_dir / "outbox.ndjson"
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _deliver(services: Services, at: int) -> messaging.DeliveryReport:
    return messaging.deliver_due(services.db, services.repo, at, services.settings.var_dir)


def test_no_consent_is_recorded_not_sent(services: Services) -> None:
    with services.db.begin() as conn:
        messaging.set_preference(conn, "p1", "sms", "+525512345678", NOON)
    queued = _queue(services, "k1", NOON)
    assert (queued.status, queued.outcome) == ("not-sent", "not sent: no consent")
    assert _deliver(services, NOON + HOUR).delivered == 0
    assert _lines(services) == []


def test_no_preference_is_not_sent(services: Services) -> None:
    assert _queue(services, "k1", NOON).outcome == "not sent: no channel preference"


def test_sent_once_with_record_and_line(services: Services) -> None:
    _opt_in(services)
    queued = _queue(services, "k1", NOON)
    assert queued.status == "queued" and queued.not_before_us == NOON
    report = _deliver(services, NOON + 1)
    assert report.delivered == 1
    assert _deliver(services, NOON + 2).delivered == 0  # nothing twice
    [line] = _lines(services)
    assert line["id"] == queued.id and line["to"] == "+525512345678"
    assert line["channel"] == "sms" and line["patient"] == "Patient/p1"
    assert str(line["text"]).startswith("Clínica Enlace: Ana, tu metformina se termina el 12/03")
    assert line["reason"] == {"rule": "R1"}
    assert set(line) == {
        "id", "to", "channel", "template", "text", "patient", "reason", "queued_at", "sent_at",
    }  # fmt: skip
    with services.db.read() as conn:
        content = services.repo.read(conn, "Communication", queued.id).content
    assert content is not None
    record = orjson.loads(content)
    assert record["status"] == "completed"
    assert record["subject"] == {"reference": "Patient/p1"}
    assert record["payload"][0]["contentString"] == line["text"]


def test_same_key_twice_is_one_message(services: Services) -> None:
    _opt_in(services)
    first, second = _queue(services, "k1", NOON), _queue(services, "k1", NOON + 5)
    assert first.id == second.id and second.new is False
    with services.db.read() as conn:
        assert len(conn.execute(select(outbox.c.id)).all()) == 1


def test_quiet_hours_wait_for_eight(services: Services) -> None:
    _opt_in(services)
    queued = _queue(services, "k1", NIGHT)
    assert queued.not_before_us == EIGHT_NEXT
    assert _deliver(services, NIGHT + HOUR).delivered == 0
    assert _deliver(services, EIGHT_NEXT).delivered == 1


def test_caps_one_a_day_three_a_week(services: Services) -> None:
    _opt_in(services)
    assert _queue(services, "d0a", NOON).status == "queued"
    assert _queue(services, "d0b", NOON + HOUR).outcome == "not sent: frequency cap"
    assert _queue(services, "d1", NOON + DAY).status == "queued"
    assert _queue(services, "d2", NOON + 2 * DAY).status == "queued"
    assert _queue(services, "d3", NOON + 3 * DAY).outcome == "not sent: frequency cap"
    assert _queue(services, "d7", NOON + 7 * DAY).status == "queued"  # d0 left the window


def test_opted_out_before_and_after_queueing(services: Services) -> None:
    _opt_in(services)
    queued = _queue(services, "k1", NOON)
    with services.db.begin() as conn:
        assert messaging.withdraw(conn, "p1", "sms", NOON + 1)
        assert not messaging.withdraw(conn, "p1", "sms", NOON + 2)
    report = _deliver(services, NOON + 10)
    assert (report.delivered, report.stopped) == (0, 1)
    assert _lines(services) == []
    assert _queue(services, "k2", NOON + DAY).outcome == "not sent: opted out"
    with services.db.read() as conn:
        status = conn.execute(select(outbox.c.status).where(outbox.c.id == queued.id)).scalar()
    assert status == "not-sent"


def test_unknown_channel_is_400(services: Services) -> None:
    with pytest.raises(FhirError) as raised, services.db.begin() as conn:
        messaging.set_preference(conn, "p1", "pigeon", "+52", NOON)
    assert raised.value.status == 400
    assert raised.value.issues[0].expression == "channel"


def test_rolled_back_cause_queues_nothing(services: Services) -> None:
    _opt_in(services)
    request = messaging.MessageRequest("p1", "refill-reminder", PARAMS, "k1")
    with pytest.raises(RuntimeError), services.db.begin() as conn:
        messaging.enqueue(conn, request, NOON)
        raise RuntimeError("the action failed")
    with services.db.read() as conn:
        assert conn.execute(select(outbox.c.id)).all() == []


class Flaky:
    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send(self, message: OutgoingMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append(message.id)


def test_adapter_failure_retries_with_backoff_no_loss_no_duplicate(services: Services) -> None:
    _opt_in(services)
    queued = _queue(services, "k1", NOON)
    adapter = Flaky(failures=2)
    first = messaging.deliver(services.db, services.repo, adapter, NOON)
    assert first.retried == 1
    # backoff: 1 minute after the first failure, 2 after the second
    assert messaging.deliver(services.db, services.repo, adapter, NOON + 30_000_000).retried == 0
    assert messaging.deliver(services.db, services.repo, adapter, NOON + 60_000_000).retried == 1
    assert messaging.deliver(services.db, services.repo, adapter, NOON + 150_000_000).retried == 0
    done = messaging.deliver(services.db, services.repo, adapter, NOON + 180_000_000)
    assert done.delivered == 1 and adapter.sent == [queued.id]
    with services.db.read() as conn:
        tried = conn.execute(select(attempts.c.attempt, attempts.c.error)).all()
    assert [(a, e is None) for a, e in sorted(tried)] == [(1, False), (2, False), (3, True)]


def test_whatsapp_goes_with_its_approved_template(services: Services) -> None:
    _opt_in(services, channel="whatsapp")
    _queue(services, "k1", NOON)
    _deliver(services, NOON)
    [line] = _lines(services)
    assert line["channel"] == "whatsapp" and line["template"] == "enlace_refill_reminder_v1"


def test_a_deliverer_that_lost_its_lease_records_nothing(services: Services) -> None:
    _opt_in(services)
    queued = _queue(services, "k1", NOON)

    class Slow:
        name = "slow"

        def send(self, message: OutgoingMessage) -> None:
            # while this deliverer "hangs", its lease runs out and another takes the message
            later = NOON + 10 * 60 * 1_000_000
            report = messaging.deliver(services.db, services.repo, Flaky(0), later)
            assert report.delivered == 1

    first = messaging.deliver(services.db, services.repo, Slow(), NOON)
    assert first.delivered == 0  # the other deliverer's record stands
    with services.db.read() as conn:
        tried = conn.execute(select(attempts.c.adapter)).scalars().all()
        status = conn.execute(select(outbox.c.status).where(outbox.c.id == queued.id)).scalar()
    assert tried == ["flaky"] and status == "delivered"


def test_a_batch_counts_its_own_messages_against_the_caps(services: Services) -> None:
    _opt_in(services, "p1")
    _opt_in(services, "p2")
    requests = [
        messaging.MessageRequest(p, "refill-reminder", PARAMS, key)
        for p, key in (("p1", "a"), ("p1", "b"), ("p2", "c"), ("p1", "a"))
    ]
    with services.db.begin() as conn:
        answers = messaging.enqueue_many(conn, requests, NOON)
    assert [(a.status, a.outcome) for a in answers] == [
        ("queued", None),
        ("not-sent", "not sent: frequency cap"),  # p1's second of the day
        ("queued", None),
        ("queued", None),  # the same key again: the same message
    ]
    assert answers[0].id == answers[3].id
    with services.db.read() as conn:
        assert len(conn.execute(select(outbox.c.id)).all()) == 3


def test_the_background_deliverer_sends_what_is_due(services: Services) -> None:
    import time

    _opt_in(services)
    queued = _queue(services, "k1", NOON)
    stop = messaging.start_deliverer(
        services.db, services.repo, services.settings.var_dir, 0.02, clock=lambda: datetime(
            2026, 3, 10, 18, 5, tzinfo=UTC
        ),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not _lines(services) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert [line["id"] for line in _lines(services)] == [queued.id]
