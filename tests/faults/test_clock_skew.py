"""Clock skew between processes, through the clocks the code takes by injection: one process
runs ahead of another. Version ids and history order do not depend on clocks; a lease is
never taken from a live holder by a process ahead by less than the lease; a finished job
occurrence never runs twice. The limit (docs/operations.md): skew must stay below the shortest
lease (60 s, reindex jobs) — keep the hosts on NTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import messaging
from enlace.modules.messaging.adapters import OutgoingMessage
from enlace.modules.messaging.domain import LEASE_US
from enlace.store import job_leases
from tests.faults.counts import report

AHEAD = timedelta(minutes=3)  # less than the outbox lease (5 min), the scheduler's (30 min)


class Fixed:
    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def ahead(services: Services) -> Iterator[Services]:
    """A second process on the same database whose clock runs AHEAD of the first's."""
    other = build(services.settings, clock=Fixed(services.repo.clock() + AHEAD))
    yield other
    other.db.dispose()


def test_versions_and_history_ignore_the_clocks(services: Services, ahead: Services) -> None:
    patient = {"resourceType": "Patient", "gender": "female"}
    with ahead.db.begin() as conn:
        first = ahead.repo.create(conn, dict(patient))
    with services.db.begin() as conn:  # the process behind updates what the one ahead wrote
        second = services.repo.update(conn, {**patient, "gender": "male"}, first.id).version
    with pytest.raises(FhirError) as stale, ahead.db.begin() as conn:
        ahead.repo.update(conn, {**patient, "gender": "other"}, first.id, if_match=1)
    with services.db.read() as conn:
        history = services.repo.history(conn, "Patient", first.id)
    assert (first.version_id, second.version_id) == (1, 2)
    assert stale.value.status == 412
    assert [version.version_id for _, version in history] == [2, 1]  # newest first, by sequence
    report(
        f"clock skew: versions [{services.db.dialect}]",
        skew_s=AHEAD.total_seconds(),
        versions=[v.version_id for _, v in history],
        stale_if_match=stale.value.status,
        last_updated_went_back=second.last_updated_us < first.last_updated_us,
    )


def test_last_updated_never_goes_back_across_versions(services: Services, ahead: Services) -> None:
    with ahead.db.begin() as conn:
        first = ahead.repo.create(conn, {"resourceType": "Patient"})
    with services.db.begin() as conn:
        second = services.repo.update(conn, {"resourceType": "Patient", "active": True}, first.id)
    assert second.version.last_updated_us > first.last_updated_us
    with services.db.begin() as conn:
        tombstone = services.repo.delete(conn, "Patient", first.id)
    assert tombstone is not None and tombstone.last_updated_us > second.version.last_updated_us


def test_an_outbox_deliverer_ahead_does_not_take_a_live_claim(
    services: Services, ahead: Services
) -> None:
    now = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # noon in Mexico City
    with services.db.begin() as conn:
        for n in range(5):
            messaging.set_preference(conn, f"p{n}", "sms", f"+52550000000{n}", now - 10**11)
            messaging.grant(conn, f"p{n}", "sms", "Clínica", "formato", now - 10**11)
            request = messaging.MessageRequest(f"p{n}", "refill-reminder", _params(), f"k{n}", {})
            messaging.enqueue(conn, request, now)
    taken_by_other = []

    class Gateway:
        name = "gateway"

        def __init__(self) -> None:
            self.ids: list[str] = []

        def send(self, message: OutgoingMessage) -> None:
            self.ids.append(message.id)
            if len(self.ids) == 1:  # mid-batch, a deliverer ahead by AHEAD looks for work
                skewed = now + int(AHEAD.total_seconds() * 1_000_000)
                taken_by_other.append(
                    messaging.deliver(ahead.db, ahead.repo, self, skewed).delivered
                )

    gateway = Gateway()
    delivered = messaging.deliver(services.db, services.repo, gateway, now).delivered
    assert taken_by_other == [0] and delivered == 5
    assert sorted(gateway.ids) == sorted(set(gateway.ids))  # nothing sent twice
    assert AHEAD.total_seconds() * 1_000_000 < LEASE_US
    report(
        f"clock skew: outbox lease [{services.db.dialect}]",
        skew_s=AHEAD.total_seconds(),
        lease_s=LEASE_US // 1_000_000,
        taken_by_process_ahead=taken_by_other[0],
        delivered=delivered,
        sent_twice=len(gateway.ids) - len(set(gateway.ids)),
    )


def test_job_leases_hold_against_a_process_ahead(services: Services) -> None:
    lease = 30 * 60 * 1_000_000
    now = epoch_us(services.repo.clock())
    skew = int(AHEAD.total_seconds() * 1_000_000)
    held = job_leases.claim(services.db, "kpis", "2026-01-01T02:00Z", "behind", now, lease)
    stolen = job_leases.claim(services.db, "kpis", "2026-01-01T02:00Z", "ahead", now + skew, lease)
    job_leases.finish(services.db, "kpis", "2026-01-01T02:00Z", "behind", now + 1)
    # once finished, no clock however far ahead runs the occurrence again
    again = job_leases.claim(
        services.db, "kpis", "2026-01-01T02:00Z", "ahead", now + 10 * lease, lease
    )
    assert (held, stolen, again) == (1, 0, 0)
    report(
        f"clock skew: job leases [{services.db.dialect}]",
        skew_s=AHEAD.total_seconds(),
        claimed_by_process_behind=held,
        taken_by_process_ahead=stolen,
        rerun_after_finish=again,
    )


def _params() -> dict[str, str]:
    return {
        "sender": "Clínica Enlace",
        "name": "Ana",
        "medicine": "metformina",
        "due": "12/03",
        "pharmacy": "Farmacia Centro",
    }
