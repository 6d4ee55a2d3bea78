"""Keys that lead with the patient (migration 0037, docs/scale.md §1) on both stores: a dedupe key
is per patient (two patients, two rows; one patient twice, one row) and the writers fill the
patient column of the tables that had none."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import messaging
from enlace.modules.messaging.tables import attempts, outbox
from enlace.modules.monitoring import storage
from enlace.modules.monitoring.domain import CGM_GLUCOSE, Reading
from enlace.modules.monitoring.tables import readings
from tests.support.messages import REMINDER_PARAMS

NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City
PARAMS = REMINDER_PARAMS


def _request(patient: str, key: str) -> messaging.MessageRequest:
    return messaging.MessageRequest(patient, "refill-reminder", PARAMS, key, {"rule": "R1"})


def test_outbox_dedupe_key_is_per_patient(services: Services) -> None:
    with services.db.begin() as conn:
        first, other, repeated = messaging.enqueue_many(
            conn, [_request("p1", "k"), _request("p2", "k"), _request("p1", "k")], NOON
        )
    with services.db.begin() as conn:  # a second run of the same job writes nothing
        again = messaging.enqueue_many(conn, [_request("p2", "k"), _request("p1", "k")], NOON + 1)
    assert first.new and other.new and first.id != other.id
    assert repeated.id == first.id  # the same request twice in one batch: one message
    assert [(q.id, q.new) for q in again] == [(other.id, False), (first.id, False)]
    with services.db.read() as conn:
        rows = conn.execute(select(outbox.c.patient, outbox.c.id).where(outbox.c.dedupe_key == "k"))
        assert sorted(r.patient for r in rows) == ["p1", "p2"]


def test_delivery_attempts_carry_the_message_patient(services: Services) -> None:
    with services.db.begin() as conn:
        messaging.set_preference(conn, "p7", "sms", "+525512345678", NOON - 1)
        messaging.grant(conn, "p7", "sms", "Clínica Enlace", "formato firmado", NOON - 1)
        queued = messaging.enqueue(conn, _request("p7", "attempted"), NOON)
    report = messaging.deliver_due(services.db, services.repo, NOON, services.settings.var_dir)
    assert report.delivered == 1
    with services.db.read() as conn:
        rows = conn.execute(select(attempts.c.patient, attempts.c.message)).all()
    assert [(r.patient, r.message) for r in rows] == [("p7", queued.id)]


def _reading(patient: str, value: float) -> Reading:
    at = NOON - 3600 * 1_000_000
    return Reading(patient, "cgm-1", CGM_GLUCOSE, value, at, NOON)


def test_reading_key_is_per_patient(services: Services) -> None:
    """A device re-bound to another patient keeps the two patients' readings apart; the same
    reading re-sent for one patient is stored once."""
    with services.db.begin() as conn:
        stored = storage.store_readings(conn, [_reading("p1", 101.0), _reading("p2", 102.0)])
        assert [r.patient for r in stored] == ["p1", "p2"]
        assert storage.store_readings(conn, [_reading("p1", 101.0)]) == []
        in_one_batch = storage.store_readings(conn, [_reading("p3", 1.0), _reading("p3", 2.0)])
        assert [r.value for r in in_one_batch] == [1.0]
    with services.db.read() as conn:
        count = conn.execute(select(func.count()).select_from(readings)).scalar()
        by_patient = dict(conn.execute(select(readings.c.patient, readings.c.value)).all())
    assert count == 3 and by_patient == {"p1": 101.0, "p2": 102.0, "p3": 1.0}
