"""The log entry of an EPCIS event: small, canonical, and enough for an auditor to match it.

    epcis-event/1\\n<event hash>\\n<record time, UTC ms>\\n<event id>

Four lines of ASCII-safe UTF-8, no trailing newline: the GS1 event hash
(`ni:///sha-256;<hex>?ver=CBV2.0`), when the repository accepted it, and the eventID it was
captured under (≤ 1,024 characters, so an entry stays far below the 65,535-byte bundle limit).
An auditor rehashes the stored event (`epcis_hash.event_hash`) and compares it with line 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from enlace.modules.trace.errors import TraceError

MAGIC = "epcis-event/1"


@dataclass(frozen=True, slots=True)
class LeafEvent:
    event_hash: str
    record_time: str
    event_id: str


def record_time_text(record_us: int) -> str:
    moment = datetime.fromtimestamp(record_us // 1_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{record_us % 1_000_000 // 1000:03d}Z"


def leaf_entry(event_hash: str, event_id: str, record_us: int) -> bytes:
    return "\n".join((MAGIC, event_hash, record_time_text(record_us), event_id)).encode()


def parse_leaf_entry(entry: bytes) -> LeafEvent:
    """The fields of an EPCIS leaf entry; TraceError if it is not one."""
    try:
        magic, event_hash, record_time, event_id = entry.decode().split("\n")
    except (UnicodeDecodeError, ValueError):
        raise TraceError("not-epcis-leaf", "a log entry that is not an EPCIS event") from None
    if magic != MAGIC or not event_hash.startswith("ni:///sha-256;"):
        raise TraceError("not-epcis-leaf", f"a log entry of kind {magic[:40]!r}")
    return LeafEvent(event_hash, record_time, event_id)
