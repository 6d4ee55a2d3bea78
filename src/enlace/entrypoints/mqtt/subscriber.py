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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.exc import DBAPIError

from enlace.kernel import errors
from enlace.modules.monitoring.mqtt_topics import SUBSCRIPTION, device_from_topic

log = logging.getLogger("enlace.ingest.mqtt")

Handle = Callable[[str, bytes], object]
"""Ingest one message (device id from the topic, the raw payload) and commit it."""

RETRY_FIRST = 0.1  # seconds; the delay doubles up to RETRY_MAX while the database is unavailable
RETRY_MAX = 5.0
BUG_ATTEMPTS = 5  # an unexpected error is retried this often, then the message is logged and acked


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

    def __init__(self, options: BrokerOptions, handle: Handle) -> None:
        self.options = options
        self.handle = handle
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
        self.client.connect_async(self.options.host, self.options.port, self.options.keepalive)
        self.client.loop_start()
        try:
            while not self._stopping.is_set():
                try:
                    received = self._inbox.get(timeout=0.2)
                except queue.Empty:
                    continue
                self._process(received)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            log.info("stopped after %d messages", self.handled)

    def stop(self) -> None:
        """Finish the message in hand, then disconnect; queued ones are redelivered later."""
        self._stopping.set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _process(self, received: _Received) -> None:
        if not self._handled(received):
            return  # stopping while the database was away: not acked, the broker redelivers
        if received.qos > 0 and received.connection == self._connection:
            self.client.ack(received.mid, received.qos)
        self.handled += 1

    def _handled(self, received: _Received) -> bool:
        """Handle one message; True once it is committed or refused for good."""
        device = device_from_topic(received.topic)
        if device is None:
            log.warning("message on %r refused: not a device readings topic", received.topic)
            return True
        delay, bug_attempts = RETRY_FIRST, 0
        while True:
            try:
                self.handle(device, received.payload)
                return True
            except errors.FhirError as exc:
                # Refused input: ingestion stored it in monitoring_rejects; retrying cannot help.
                log.warning("message from device %s refused: %s", device, _issues(exc))
                return True
            except DBAPIError as exc:
                log.warning(
                    "database unavailable (%s); retrying in %.1f s", _first_line(exc), delay
                )
            except Exception:
                bug_attempts += 1
                if bug_attempts >= BUG_ATTEMPTS:
                    log.exception(
                        "message from device %s failed %d times; acked and dropped: %r",
                        device,
                        bug_attempts,
                        received.payload[:2000],
                    )
                    return True
                log.exception("message from device %s failed; retrying", device)
            if self._stopping.wait(delay):
                return False
            delay = min(delay * 2, RETRY_MAX)


def _issues(exc: errors.FhirError) -> str:
    return "; ".join(
        f"{issue.diagnostics}" + (f" at {issue.expression}" if issue.expression else "")
        for issue in exc.issues[:5]
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
