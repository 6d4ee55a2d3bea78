"""The MQTT ingestion subscriber behind `enlace ingest mqtt` (issue 9, docs/monitoring.md MQTT).

Delivery guarantee, QoS 1 end to end: the subscriber keeps a persistent session (fixed client id,
clean_session False), so the broker queues what devices publish while it is down, and it
acknowledges a message (PUBACK, paho's manual_ack) only after the handler has committed it. A
crash between receipt and commit therefore means redelivery, and the readings' primary key
(device, code, effective time) makes the redelivered copy write nothing: no acknowledged reading
is lost or counted twice.

Threads: paho's network thread only queues messages; one worker thread handles them in order and
acks them in that order (MQTT wants PUBACKs in the order the PUBLISHes came). A message that
arrived on a connection that has since dropped is still handled (harmless: the broker redelivers
it and the duplicate writes nothing) but not acked, because its packet id may by then name another
message of the new connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from enlace.entrypoints.mqtt.handling import Handle, handle_with_retries
from enlace.entrypoints.mqtt.workers import HandleFactory, WorkerPool
from enlace.modules.monitoring.mqtt_topics import SUBSCRIPTION, device_from_topic

log = logging.getLogger("enlace.ingest.mqtt")

__all__ = ["BrokerOptions", "Handle", "Subscriber"]


@dataclass(frozen=True)
class BrokerOptions:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    client_id: str = "enlace-ingest"
    topic: str = SUBSCRIPTION
    keepalive: int = 30


@dataclass(frozen=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int  # which connection it arrived on (see the module docstring)


class Subscriber:
    """Subscribe, hand each message to `handle`, ack after commit; `run` until `stop()`."""

    def __init__(
        self,
        options: BrokerOptions,
        handle: Handle,
        *,
        processes: int = 1,
        factory: HandleFactory | None = None,
    ) -> None:
        """`processes` > 1: ingest on that many worker processes, each with a handle from
        `factory` (workers.py); otherwise `handle` runs on this process's worker thread."""
        self.options = options
        self.handle = handle
        self.processes, self.factory = processes, factory
        if processes > 1 and factory is None:
            raise ValueError("worker processes need a handle factory")
        self.handled = 0  # messages handled (committed or refused) and acked, for tests and logs
        self._stopping = threading.Event()
        self._inbox: queue.Queue[_Received] = queue.Queue()
        self._connection = 0
        self._connected = threading.Event()  # connected and subscribed
        self._session_present = False
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.options.username is not None:
            client.username_pw_set(self.options.username, self.options.password)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    # paho's network thread ---------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s (retrying)", reason)
            return
        self._connection += 1
        self._session_present = bool(flags.session_present)
        client.subscribe(self.options.topic, qos=1)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _m: int, reasons: Any, _p: Any) -> None:
        if any(reason.is_failure for reason in reasons):
            log.error("broker refused the subscription to %s", self.options.topic)
            return
        # Only now can nothing published be missed: a new session subscribes here.
        self._connected.set()
        log.info(
            "subscribed to %s on %s:%s (session %s)",
            self.options.topic,
            self.options.host,
            self.options.port,
            "resumed" if self._session_present else "new",
        )

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connection += 1  # messages still queued from that connection are no longer ackable
        self._connected.clear()
        if not self._stopping.is_set():
            log.warning("disconnected from the broker (%s); reconnecting", reason)

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        received = _Received(
            message.topic, message.payload, message.mid, message.qos, self._connection
        )
        self._inbox.put(received)

    # the worker ----------------------------------------------------------------------------

    def run(self) -> None:
        """Connect (retrying until the broker answers) and work until `stop()`."""
        pool = (
            WorkerPool(self.factory, self.processes)
            if self.factory and self.processes > 1
            else None
        )
        self.client.connect_async(self.options.host, self.options.port, self.options.keepalive)
        self.client.loop_start()
        try:
            if pool is None:
                self._work_here()
            else:
                self._work_on(pool)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            log.info("stopped after %d messages", self.handled)

    def _work_here(self) -> None:
        while not self._stopping.is_set():
            try:
                received = self._inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            self._process(received)

    def _work_on(self, pool: WorkerPool) -> None:
        """Dispatch to the worker processes; ack in receipt order as outcomes come back."""
        pending: dict[int, _Received] = {}
        outcomes: dict[int, bool] = {}
        next_sequence = next_release = 0
        while not self._stopping.is_set():
            if not pool.alive():
                log.error("an ingestion worker process died; stopping (unacked: redelivered)")
                break
            try:
                received = self._inbox.get(timeout=0.005 if pending else 0.2)
                device = device_from_topic(received.topic)
                pending[next_sequence] = received
                if device is None:
                    log.warning("message on %r refused: not a readings topic", received.topic)
                    outcomes[next_sequence] = True
                else:
                    pool.submit(next_sequence, device, received.payload)
                next_sequence += 1
            except queue.Empty:
                pass
            while (outcome := pool.outcome(0)) is not None:
                outcomes[outcome[0]] = outcome[1]
            next_release = self._release(pending, outcomes, next_release)
        for sequence, done in pool.stop():
            outcomes[sequence] = done
        self._release(pending, outcomes, next_release)

    def _release(self, pending: dict[int, _Received], outcomes: dict[int, bool], first: int) -> int:
        """Ack, in receipt order, every message whose outcome and predecessors' are known."""
        while first in outcomes:
            received = pending.pop(first)
            if outcomes.pop(first):
                self._ack(received)
            first += 1
        return first

    def stop(self) -> None:
        """Finish the message in hand, then disconnect; queued ones are redelivered later."""
        self._stopping.set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _process(self, received: _Received) -> None:
        if self._handled(received):
            self._ack(received)
        # else: stopping while the database was away; not acked, the broker redelivers it

    def _ack(self, received: _Received) -> None:
        if received.qos > 0 and received.connection == self._connection:
            self.client.ack(received.mid, received.qos)
        self.handled += 1

    def _handled(self, received: _Received) -> bool:
        """Handle one message; True once it is committed or refused for good."""
        device = device_from_topic(received.topic)
        if device is None:
            log.warning("message on %r refused: not a device readings topic", received.topic)
            return True
        return handle_with_retries(self.handle, device, received.payload, self._stopping)
