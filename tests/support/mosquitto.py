"""A throwaway Mosquitto broker for tests and benches: its own port, config, password file, ACL
and persistence directory, so it can be stopped and restarted mid-stream without touching the
shared broker on localhost:1883.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

BINARY = shutil.which("mosquitto") or next(
    (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_mosquitto() -> str:
    """The broker binary, or the test is skipped with one visible reason."""
    if BINARY is None:
        pytest.skip("MQTT tests skipped: no mosquitto binary (apt-get install mosquitto)")
    return BINARY


@dataclass
class Broker:
    directory: Path
    port: int
    password_file: Path | None = None
    acl_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def conf(self) -> Path:
        return self.directory / "mosquitto.conf"

    def write_conf(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"allow_anonymous {'false' if self.password_file else 'true'}",
            # Queued messages survive a graceful restart (saved on SIGTERM) and, saved once a
            # second, most of a crash; a persistent session's queue has no length cap, so an
            # acknowledged reading is never dropped for a subscriber that is down a while.
            "persistence true",
            f"persistence_location {self.directory}/",
            "autosave_interval 1",
            "max_queued_messages 0",
            f"log_dest file {self.directory / 'mosquitto.log'}",
            "log_type all",
            # Started as root, mosquitto would drop to its own user and lose access to this dir.
            "user root" if os.geteuid() == 0 else "",
        ]
        if self.password_file:
            lines.append(f"password_file {self.password_file}")
        if self.acl_file:
            lines.append(f"acl_file {self.acl_file}")
        self.conf.write_text("\n".join(line for line in lines if line) + "\n")

    def start(self) -> None:
        binary = require_mosquitto()
        self.write_conf()
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {stderr}{self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {self.log()[-2000:]}")

    def stop(self, graceful: bool = True) -> None:
        """SIGTERM saves the persistence file; SIGKILL is a crash."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
        self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()

    def restart(self, graceful: bool = True, down_for: float = 0.5) -> None:
        self.stop(graceful)
        time.sleep(down_for)
        self.start()

    def reload(self) -> None:
        """SIGHUP: re-read the password file and ACL."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def log(self) -> str:
        path = self.directory / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def mosquitto(
    directory: Path, password_file: Path | None = None, acl_file: Path | None = None
) -> Iterator[Broker]:
    """A broker on a free port, anonymous unless a password file is given; stopped at exit."""
    directory.mkdir(parents=True, exist_ok=True)
    broker = Broker(directory, free_port(), password_file, acl_file)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class Refused(Exception):
    """The broker answered CONNECT with a failure (bad user name or password, not authorized)."""


@dataclass
class Device:
    """A paho client connected as a device (or the test's own subscriber), its loop running."""

    client: mqtt.Client
    received: list[tuple[str, bytes]] = field(default_factory=list)
    acked: set[int] = field(default_factory=set)  # mids whose PUBACK arrived (on_publish)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, topic: str, payload: bytes) -> int:
        """Publish QoS 1 without waiting (queued by paho while disconnected); the message id."""
        return self.client.publish(topic, payload, qos=1).mid

    def publish(self, topic: str, payload: bytes, timeout: float = 10) -> bool:
        """QoS 1; True when the broker's PUBACK arrived within `timeout`."""
        mid = self.send(topic, payload)
        return self.wait_acked([mid], timeout)

    def wait_acked(self, mids: list[int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.acked.issuperset(mids):
                    return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(
    port: int,
    client_id: str,
    username: str | None = None,
    password: str | None = None,
    clean_session: bool = True,
    timeout: float = 5,
    max_inflight: int = 20,
) -> Device:
    """Connect and wait for CONNACK; Refused if the broker says no."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session
    )
    device = Device(client)
    answered = threading.Event()
    outcome: list[Any] = []

    def on_connect(_c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        outcome.append(reason)
        answered.set()

    def on_message(_c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        device.received.append((message.topic, message.payload))

    def on_publish(_c: mqtt.Client, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        with device.lock:
            device.acked.add(mid)

    client.on_connect = on_connect
    client.on_message = on_message
    client.on_publish = on_publish
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    client.max_inflight_messages_set(max_inflight)
    if username is not None:
        client.username_pw_set(username, password)
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    if not answered.wait(timeout) or outcome[0].is_failure:
        client.loop_stop()
        raise Refused(str(outcome[0]) if outcome else "no CONNACK")
    return device
