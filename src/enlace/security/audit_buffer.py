"""Read and search-hit entries, collected in memory and written in batches (one per process).

Auditing a read in its own transaction would turn every read into a write (a commit, a WAL
flush on PostgreSQL, SQLite's single write lock): issue 4 allows auth and audit together 20% of
CRUD throughput. So a read's entries go to `AuditBuffer.add`, which costs a lock and an append,
and a background thread writes what has gathered every `interval_s` (200 ms) or as soon as
`batch` (500) entries are waiting, in one transaction and one multi-row insert (COPY on
PostgreSQL).

Nothing is dropped silently:
- a failed flush is logged and retried (backing off up to 5 s) with the same entries first;
- the buffer is bounded (`capacity`): when it is full, `add` blocks the caller until the writer
  catches up, and after `block_s` raises a 503 (transient): a read that cannot be audited is
  refused, not served unaudited;
- an entry the database refuses as such (not a connection problem) is written alone, and if it
  still fails it is logged in full at ERROR level, so the log stream keeps it;
- `close()` (at shutdown, also registered with atexit) writes what is left, and logs in full
  whatever it cannot write.

The window: a process that dies abruptly (SIGKILL, power loss) loses the reads of its last
`interval_s` (plus any backlog while the database was unreachable). A write's record is never in
this buffer: it commits with the write (`audit_log.record`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable

from sqlalchemy.exc import DBAPIError, OperationalError

from enlace.kernel import errors
from enlace.store.database import Database

from .audit import ENTRY_COLUMNS, AuditEntry
from .audit_log import insert_values

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0


class AuditBuffer:
    def __init__(
        self,
        db: Database,
        *,
        interval_s: float = 0.2,
        batch: int = 500,
        capacity: int = 20_000,
        block_s: float = 2.0,
        start: bool = True,
    ) -> None:
        self.db = db
        self.interval_s = interval_s
        self.batch = batch
        self.capacity = capacity
        self.block_s = block_s
        self._pending: deque[AuditEntry] = deque()
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()  # one insert at a time
        self._closed = False
        self.written = 0  # entries committed, for tests and figures
        self.failures = 0  # failed flush attempts
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(
                target=self._run, name="enlace-audit-buffer", daemon=True
            )
            self._thread.start()
            atexit.register(self.close)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, entry: AuditEntry) -> None:
        """Queue one entry: a lock and an append (the entry becomes a row in the writer)."""
        with self._cond:
            if not self._closed:
                if len(self._pending) >= self.capacity:
                    self._wait_for_room(1)
                self._pending.append(entry)
                if len(self._pending) >= self.batch:
                    self._cond.notify_all()
                return
        self._write([entry])  # closed (shutting down): write now rather than lose it

    def extend(self, entries: Iterable[AuditEntry]) -> None:
        """Queue a search's hits together."""
        batch = list(entries)
        if not batch:
            return
        with self._cond:
            if not self._closed:
                if len(self._pending) + len(batch) > self.capacity:
                    self._wait_for_room(len(batch))
                self._pending.extend(batch)
                if len(self._pending) >= self.batch:
                    self._cond.notify_all()
                return
        self._write(batch)

    def flush(self) -> int:
        """Write everything pending now, in the caller's thread; returns how many. Raises when the
        database refuses (the entries stay queued)."""
        done = 0
        while True:
            chunk = self._take(len(self._pending) or 1)
            if not chunk:
                return done
            self._write_or_requeue(chunk)
            done += len(chunk)

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop the writer and write what is left (idempotent)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True  # from now on `extend` writes synchronously
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._drain_at_exit()
        atexit.unregister(self.close)

    def _wait_for_room(self, wanted: int) -> None:
        deadline = time.monotonic() + self.block_s
        self._cond.notify_all()  # wake the writer: it may be waiting out its interval
        while len(self._pending) + wanted > self.capacity and len(self._pending) > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._cond.wait(remaining):
                log.error(
                    "audit buffer full: access refused",
                    extra={"fields": {"pending": len(self._pending)}},
                )
                raise errors.error(
                    503, "transient", "The audit log is not keeping up; try again shortly"
                )

    def _take(self, most: int) -> list[AuditEntry]:
        with self._cond:
            count = min(most, len(self._pending))
            chunk = [self._pending.popleft() for _ in range(count)]
            if chunk:
                self._cond.notify_all()  # room for blocked callers
            return chunk

    def _run(self) -> None:
        backoff = self.interval_s
        while True:
            with self._cond:
                if not self._closed and len(self._pending) < self.batch:
                    self._cond.wait(self.interval_s)
                if self._closed:
                    return  # close() drains in its own thread
            chunk = self._take(self.batch * 4)
            if not chunk:
                continue
            try:
                self._write_or_requeue(chunk)
                backoff = self.interval_s
            except Exception:
                self.failures += 1
                log.exception(
                    "audit flush failed; retrying",
                    extra={"fields": {"entries": len(chunk), "retry_in_s": backoff}},
                )
                with self._cond:
                    self._cond.wait_for(lambda: self._closed, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _write_or_requeue(self, chunk: list[AuditEntry]) -> None:
        try:
            self._write(chunk)
        except DBAPIError as exc:
            if _transient(exc):
                self._requeue(chunk)
                raise
            self._write_one_by_one(chunk)  # some entry the database refuses: isolate it
        except Exception:
            self._requeue(chunk)
            raise

    def _requeue(self, chunk: list[AuditEntry]) -> None:
        with self._cond:
            self._pending.extendleft(reversed(chunk))

    def _write(self, chunk: list[AuditEntry]) -> None:
        rows = [entry.values() for entry in chunk]
        with self._write_lock, self.db.begin() as conn:
            insert_values(conn, rows)
        self.written += len(chunk)

    def _write_one_by_one(self, chunk: list[AuditEntry]) -> None:
        for position, entry in enumerate(chunk):
            try:
                self._write([entry])
            except DBAPIError as exc:
                if _transient(exc):
                    self._requeue(chunk[position:])
                    raise
                _log_lost([entry], "refused by the database")

    def _drain_at_exit(self) -> None:
        for attempt in range(3):
            try:
                self.flush()
                return
            except Exception:
                log.warning("audit flush at close failed", exc_info=True)
                time.sleep(0.5 * (attempt + 1))
        with self._cond:
            left = list(self._pending)
            self._pending.clear()
        _log_lost(left, "database unreachable at shutdown")


def _transient(exc: DBAPIError) -> bool:
    """Connection trouble, lock timeouts: worth retrying as they are."""
    return exc.connection_invalidated or isinstance(exc, OperationalError)


def _log_lost(entries: list[AuditEntry], why: str) -> None:
    """The last resort: each entry in full in the log stream, never silently gone."""
    for entry in entries:
        log.error(
            f"audit entry not stored ({why})",
            extra={"fields": {"audit": dict(zip(ENTRY_COLUMNS, entry.values(), strict=True))}},
        )
