"""PostgreSQL monthly partitions of monitoring_readings under concurrency: two workers making the
same month, and a transaction that already wrote readings needing a new month."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import partitions, storage
from enlace.modules.monitoring.domain import WEIGHT, Reading


def weight(device: str, moment: datetime) -> Reading:
    return Reading("pat-1", device, WEIGHT, 70.0, epoch_us(moment), epoch_us(moment))


def drop(services: Services, *names: str) -> None:
    with services.db.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    partitions.forget()


@pytest.fixture
def postgres(services: Services) -> Services:
    if services.db.dialect != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    return services


def test_two_workers_make_the_same_month_once(postgres: Services) -> None:
    drop(postgres, "monitoring_readings_202504")
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def worker(device: str) -> None:
        try:
            with postgres.db.begin() as conn:
                start.wait()
                stored = storage.store_readings(
                    conn, [weight(device, datetime(2025, 4, 9, tzinfo=UTC))]
                )
            outcomes.append(len(stored))
        except Exception as exc:  # the test reports it
            outcomes.append(exc)

    threads = [threading.Thread(target=worker, args=(f"dev-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == [1, 1]
    with postgres.db.read() as conn:
        assert partitions.existing(conn).count("monitoring_readings_202504") == 1
        rows = conn.exec_driver_sql("SELECT count(*) FROM monitoring_readings_202504").scalar()
    assert rows == 2


def test_a_transaction_that_wrote_can_still_add_a_month(postgres: Services) -> None:
    drop(postgres, "monitoring_readings_202505", "monitoring_readings_202506")
    with postgres.db.begin() as conn:
        first = storage.store_readings(
            conn, [weight("dev-1", datetime(2025, 5, 31, 23, tzinfo=UTC))]
        )
        # The partition is attached from another connection while this one holds its locks on
        # the parent: no wait, and the next statement here sees it.
        second = storage.store_readings(conn, [weight("dev-1", datetime(2025, 6, 1, tzinfo=UTC))])
    assert (len(first), len(second)) == (1, 1)
    with postgres.db.read() as conn:
        names = partitions.existing(conn)
    assert {"monitoring_readings_202505", "monitoring_readings_202506"} <= set(names)


def test_month_bounds_are_utc_months() -> None:
    low, high = partitions.bounds(2025, 12)
    assert low == epoch_us(datetime(2025, 12, 1, tzinfo=UTC))
    assert high == epoch_us(datetime(2026, 1, 1, tzinfo=UTC))
    assert partitions.month_of(high - 1) == (2025, 12) and partitions.month_of(high) == (2026, 1)
    assert partitions.name_of(2026, 1) == "monitoring_readings_202601"


def test_a_batch_mixing_int_and_float_values_is_stored(services: Services) -> None:
    moment = datetime(2025, 12, 20, tzinfo=UTC)
    batch = [
        Reading("pat-1", "dev-9", WEIGHT, 70, epoch_us(moment), epoch_us(moment)),
        Reading("pat-1", "dev-9", "85354-9", 120.5, epoch_us(moment), epoch_us(moment), 80),
    ]
    with services.db.begin() as conn:
        assert storage.store_readings(conn, batch) == batch
        assert storage.store_readings(conn, batch) == []


def test_truncating_the_parent_empties_the_partitions_and_keeps_them(postgres: Services) -> None:
    moment = datetime(2025, 7, 15, tzinfo=UTC)
    with postgres.db.begin() as conn:
        storage.store_readings(conn, [weight("dev-t", moment)])
    with postgres.db.begin() as conn:
        conn.exec_driver_sql("TRUNCATE monitoring_readings")
    with postgres.db.begin() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM monitoring_readings").scalar() == 0
        assert "monitoring_readings_202507" in partitions.existing(conn)
        assert (
            len(storage.store_readings(conn, [weight("dev-t", moment)])) == 1
        )  # cache still right
