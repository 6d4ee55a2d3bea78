"""Ingesting on several processes behind one MQTT session (`enlace ingest mqtt --processes N`).

One subscriber process keeps the broker session and receives; each message goes to one of N
worker processes chosen by its device id (crc32 mod N), so one device's messages are ingested in
order by one process and two processes never run the rules on the same patient's readings at
once (which could open one episode twice). Workers report each message's outcome; the
subscriber acks in receipt order once everything before it is done too, so "ack only after
commit" holds exactly as with one worker. Processes, not threads: ingestion is CPU-bound Python.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import queue
import signal
import zlib
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from enlace.entrypoints.mqtt.handling import Handle, handle_with_retries

log = logging.getLogger("enlace.ingest.mqtt")

HandleFactory = Callable[[], Handle]
"""Builds a handle inside a worker process (its own database pool); must be picklable."""

Work = tuple[int, str, bytes] | None  # (sequence, device, payload); None: stop
Outcome = tuple[int, bool]  # (sequence, committed or refused for good)


class _StopOrOrphaned:
    """The pool's stop event, also set in effect once the subscriber is gone (a worker whose
    subscriber was killed can have nothing acked, so it must not keep retrying or reading)."""

    def __init__(self, stop: Event, parent: int) -> None:
        self.stop, self.parent = stop, parent

    def orphaned(self) -> bool:
        return os.getppid() != self.parent

    def is_set(self) -> bool:
        return self.stop.is_set() or self.orphaned()

    def wait(self, timeout: float | None = None) -> bool:
        return self.stop.wait(timeout) or self.orphaned()


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the subscriber dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere the worker notices within a second (_StopOrOrphaned)


PR_SET_PDEATHSIG = 1


def _work(
    factory: HandleFactory, inbox: Queue[Work], done: Queue[Outcome], stop: Event, parent: int
) -> None:
    # The parent owns the signals: it stops the workers after finishing what is in hand.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    # The subscriber's pid comes as an argument: it may have died before this process got here.
    stopping = _StopOrOrphaned(stop, parent)
    if stopping.orphaned():
        return
    handle = factory()
    while not stopping.orphaned():
        try:
            item = inbox.get(timeout=1.0)
        except queue.Empty:
            continue
        if item is None:
            return
        sequence, device, payload = item
        if stopping.is_set():
            done.put((sequence, False))  # not handled: not acked, redelivered next session
            continue
        done.put((sequence, handle_with_retries(handle, device, payload, stopping)))


class WorkerPool:
    def __init__(self, factory: HandleFactory, processes: int) -> None:
        context = multiprocessing.get_context("spawn")  # no fork under paho's running thread
        self.stopping = context.Event()
        self.done: Queue[Outcome] = context.Queue()
        self.inboxes: list[Queue[Work]] = [context.Queue() for _ in range(processes)]
        self.processes = [
            context.Process(
                target=_work,
                args=(factory, inbox, self.done, self.stopping, os.getpid()),
                name=f"enlace-ingest-worker-{n}",
                daemon=True,
            )
            for n, inbox in enumerate(self.inboxes)
        ]
        for process in self.processes:
            process.start()

    def submit(self, sequence: int, device: str, payload: bytes) -> None:
        inbox = self.inboxes[zlib.crc32(device.encode()) % len(self.inboxes)]
        inbox.put((sequence, device, payload))

    def outcome(self, timeout: float) -> Outcome | None:
        try:
            return self.done.get(timeout=timeout)
        except queue.Empty:
            return None

    def alive(self) -> bool:
        return all(process.is_alive() for process in self.processes)

    def stop(self) -> list[Outcome]:
        """Workers finish the message in hand and skip the rest; every outcome reported."""
        self.stopping.set()
        for inbox in self.inboxes:
            inbox.put(None)
        outcomes: list[Outcome] = []
        for process in self.processes:
            while process.is_alive():
                if (got := self.outcome(0.1)) is not None:
                    outcomes.append(got)
            process.join()
        while (got := self.outcome(0.05)) is not None:
            outcomes.append(got)
        return outcomes
