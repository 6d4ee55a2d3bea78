"""The read-audit buffer: flushes by size, by time and on close; retries; never drops silently."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DataError, OperationalError

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.security import audit_buffer
from enlace.security.audit import AuditEntry
from enlace.security.audit_buffer import AuditBuffer
from enlace.security.tables import audit_log
from enlace.store.database import open_database

T0 = 1_767_225_600_000_000


def read(n: int, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "action": "R",
        "interaction": "read",
        "outcome": 200,
        "actor": "u1",
        "recorded_us": T0 + n,
        "resource_type": "Patient",
        "resource_id": f"p{n}",
        "patient_id": f"p{n}",
    }
    values.update(fields)
    return AuditEntry(**values)


def stored(services: Services) -> list[str]:
    with services.db.read() as conn:
        rows = conn.execute(select(audit_log.c.resource_id).order_by(audit_log.c.seq))
        return [r[0] for r in rows]


def eventually(check: Callable[[], bool], within_s: float = 5.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within_s:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.fixture
def buffers() -> Iterator[list[AuditBuffer]]:
    made: list[AuditBuffer] = []
    yield made
    for buffer in made:
        buffer.close()


def test_flushes_by_size(services: Services, buffers: list[AuditBuffer]) -> None:
    buffer = AuditBuffer(services.db, interval_s=60, batch=10)
    buffers.append(buffer)
    for n in range(9):
        buffer.add(read(n))
    time.sleep(0.2)
    assert stored(services) == [] and buffer.pending == 9  # below the batch, inside the interval
    buffer.add(read(9))
    eventually(lambda: len(stored(services)) == 10)
    assert stored(services) == [f"p{n}" for n in range(10)]


def test_flushes_by_time(services: Services, buffers: list[AuditBuffer]) -> None:
    buffer = AuditBuffer(services.db, interval_s=0.1, batch=500)
    buffers.append(buffer)
    buffer.extend([read(1), read(2)])
    waited = eventually(lambda: stored(services) == ["p1", "p2"])
    assert waited < 2.0 and buffer.written == 2


def test_flushes_on_close_and_writes_directly_after(services: Services) -> None:
    buffer = AuditBuffer(services.db, interval_s=60, batch=500)
    buffer.extend([read(n) for n in range(3)])
    assert stored(services) == []
    buffer.close()
    assert stored(services) == ["p0", "p1", "p2"]
    buffer.add(read(3))  # a late read during shutdown is written at once, not lost
    assert stored(services)[-1] == "p3"


class FlakyDatabase:
    """The real database, except that the first `failures` transactions cannot connect."""

    def __init__(self, services: Services, failures: int) -> None:
        self.db = services.db
        self.failures = failures

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("BEGIN", {}, Exception("connection refused"))
        with self.db.begin() as conn:
            yield conn


def test_a_failed_flush_is_retried_with_the_same_entries(
    services: Services, buffers: list[AuditBuffer], caplog: pytest.LogCaptureFixture
) -> None:
    buffer = AuditBuffer(FlakyDatabase(services, 2), interval_s=0.05)  # type: ignore[arg-type]
    buffers.append(buffer)
    buffer.extend([read(1), read(2)])
    eventually(lambda: len(stored(services)) == 2)
    buffer.add(read(3))
    eventually(lambda: len(stored(services)) == 3)
    assert stored(services) == ["p1", "p2", "p3"] and buffer.failures == 2
    assert "audit flush failed; retrying" in caplog.text


def test_a_full_buffer_blocks_then_refuses_the_read(services: Services) -> None:
    buffer = AuditBuffer(services.db, capacity=5, block_s=0.1, start=False)
    buffer.extend([read(n) for n in range(5)])
    started = time.monotonic()
    with pytest.raises(FhirError) as refused:
        buffer.add(read(5))
    assert refused.value.status == 503 and time.monotonic() - started >= 0.1
    assert buffer.pending == 5  # nothing dropped, nothing squeezed in
    assert buffer.flush() == 5 and len(stored(services)) == 5
    buffer.add(read(5))  # room again
    assert buffer.pending == 1


def test_a_blocked_caller_goes_on_once_the_writer_catches_up(
    services: Services, buffers: list[AuditBuffer]
) -> None:
    buffer = AuditBuffer(services.db, interval_s=0.05, batch=1000, capacity=50, block_s=5)
    buffers.append(buffer)
    for n in range(200):  # four times the capacity: callers wait, none is refused
        buffer.add(read(n))
    eventually(lambda: len(stored(services)) == 200)
    assert stored(services) == [f"p{n}" for n in range(200)]


def test_an_entry_the_database_refuses_is_logged_in_full_and_the_rest_written(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = audit_buffer.insert_values

    def refuse_poison(conn: Connection, rows: Any) -> None:
        if any("poison" in row for row in rows):
            raise DataError("INSERT", {}, Exception("invalid byte sequence"))
        real(conn, rows)

    monkeypatch.setattr(audit_buffer, "insert_values", refuse_poison)
    buffer = AuditBuffer(services.db, start=False)
    buffer.extend([read(1), read(2, actor="poison"), read(3)])
    with caplog.at_level(logging.ERROR):
        assert buffer.flush() == 3
    assert stored(services) == ["p1", "p3"] and buffer.pending == 0
    lost = [r for r in caplog.records if "audit entry not stored" in r.getMessage()]
    assert len(lost) == 1 and lost[0].fields["audit"]["actor"] == "poison"  # type: ignore[attr-defined]


def test_entries_in_the_buffer_are_not_counted_as_stored(services: Services) -> None:
    buffer = AuditBuffer(services.db, start=False)
    buffer.add(read(1))
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 0
    buffer.close()
    assert stored(services) == ["p1"]


def _serve_and_exit(url: str) -> None:
    """A worker process's life in brief: reads buffered, then a normal exit (no close call)."""
    buffer = AuditBuffer(open_database(url), interval_s=60)
    buffer.extend([read(n) for n in range(3)])


def test_a_process_that_exits_normally_writes_its_buffer(services: Services) -> None:
    """uvicorn's workers are spawned processes: their normal exit runs atexit, which closes
    the buffer; nothing waits out the 60 s interval."""
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_and_exit, args=(services.settings.resolved_database_url,)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert stored(services) == ["p0", "p1", "p2"]
