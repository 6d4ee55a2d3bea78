"""Delivery adapters: where a committed message goes (an SMS gateway, WhatsApp, a voice robot).

An adapter is anything with `name` and `send(message)`; `send` raises on failure and the outbox
retries with backoff. The message id travels with every hand-over so a gateway can drop a
repeat: the outbox sends at least once and marks delivered after the adapter returned, so a
deliverer that dies between the two resends after its lease — exactly once *in effect* for a
gateway that keys on `id` (real gateways take a client reference for this).

The working default (`FileAdapter`) appends one JSON line per message to
`$ENLACE_VAR_DIR/outbox.ndjson`: {id, to, channel, template, text, patient, reason, queued_at,
sent_at}. `ConsoleAdapter` prints the same line. Issue 16's SMS and WhatsApp adapters plug in
with the same two members (cf. monitoring.channels for alert notices: same shape).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: str
    to: str  # the address on the channel (a phone number)
    channel: str  # sms | whatsapp | voice
    template: str  # for WhatsApp: the approved template name
    text: str
    patient: str  # Patient/<id>
    reason: dict[str, Any]
    queued_at: str  # FHIR instants
    sent_at: str

    def line(self) -> bytes:
        return orjson.dumps(asdict(self)) + b"\n"


class Adapter(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> None: ...


class FileAdapter:
    """One JSON line per message, appended under a lock (threads of one process share it)."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        line = message.line()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as out:
                out.write(line)


class ConsoleAdapter:
    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: OutgoingMessage) -> None:
        print(message.line().decode().rstrip("\n"), file=self.stream or sys.stdout)


def default_adapter(var_dir: Path) -> FileAdapter:
    return FileAdapter(var_dir / "outbox.ndjson")
