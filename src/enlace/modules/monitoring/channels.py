"""Where alert notices go besides the web inbox (which is the alert rows and Tasks themselves:
always there, nothing to deliver).

A `Channel` is anything with `name` and `send(notice)`: an SMS, WhatsApp or push adapter plugs
in with the same two members. The default is `FileChannel`, one JSON line per notice in
var/outbox/messages.jsonl, which a real gateway (or a person reading the demo) can tail.

Delivery happens after the transaction that opened or escalated the alert has committed —
`announce(db, notifier, alert_ids)` reads the committed rows — never inside the ingest
transaction, so a slow gateway cannot hold readings' locks and a rolled-back batch sends nothing.
A channel that fails is logged and the others still run: the inbox remains the record. New
alerts are announced by `deliver_opened`, which the escalation loop runs each pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import select, update

from enlace.modules.monitoring.tables import alerts as table
from enlace.store.database import Database

log = logging.getLogger(__name__)

LEVEL_EVENT = {0: "opened", 1: "escalated-on-call", 2: "referred"}


@dataclass(frozen=True, slots=True)
class Notice:
    alert: str
    event: str  # opened | escalated-on-call | referred | resolved
    to: str | None  # FHIR reference of the person or organization told
    patient: str
    severity: str
    text: str  # the alert's Spanish one-line summary


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None: ...


class FileChannel:
    """One JSON line per notice, appended under a lock (threads of one process share it)."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        line = orjson.dumps({"channel": self.name, **asdict(notice)}) + b"\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as out:
                out.write(line)


class Notifier:
    def __init__(self, channels: Sequence[Channel]) -> None:
        self.channels = tuple(channels)

    def deliver(self, notices: Iterable[Notice]) -> int:
        """Send each notice on every channel; returns how many notices went out."""
        sent = 0
        for notice in notices:
            for channel in self.channels:
                try:
                    channel.send(notice)
                except Exception:
                    log.warning("alert notice not sent on %s", channel.name, exc_info=True)
            sent += 1
        return sent


def default_notifier(var_dir: Path) -> Notifier:
    return Notifier([FileChannel(var_dir / "outbox" / "messages.jsonl")])


def announce(
    db: Database, notifier: Notifier, alert_ids: Iterable[str], event: str | None = None
) -> int:
    """After commit: a notice per alert, to its current owner, for the event its state shows
    (opened, escalated, referred or resolved) unless `event` says which."""
    wanted = list(dict.fromkeys(alert_ids))
    if not wanted:
        return 0
    notices: list[Notice] = []
    with db.read() as conn:
        for start in range(0, len(wanted), 500):
            rows = conn.execute(select(table).where(table.c.id.in_(wanted[start : start + 500])))
            notices.extend(_notice(row, event) for row in rows)
    return notifier.deliver(notices)


def deliver_opened(
    db: Database, notifier: Notifier, now_us: int, lookback_us: int = 24 * 3600 * 1_000_000
) -> int:
    """Notices for the alerts opened in the last `lookback_us` that none was sent for yet: each
    is claimed by a conditional UPDATE that stamps `notified_us` into its evidence (of two
    runners only one matches the unchanged row), and sent after that commits. The background
    loop runs this, so ingestion's transaction never waits on a channel; a notice may go twice
    if the episode's evidence was rewritten between the claim's read and its write (at least
    once, never lost)."""
    c = table.c
    with db.begin() as conn:
        rows = conn.execute(
            select(c.id, c.evidence)
            .where(
                c.status != "resolved",
                c.opened_us >= now_us - lookback_us,
                c.evidence.not_like('%"notified_us"%'),
            )
            .order_by(c.opened_us)
            .limit(1000)
        ).all()
        claimed = []
        for row in rows:
            evidence = orjson.loads(row.evidence)
            evidence["notified_us"] = now_us
            stamped = orjson.dumps(evidence).decode()
            done = conn.execute(
                update(table)
                .where(c.id == row.id, c.evidence == row.evidence)
                .values(evidence=stamped)
            )
            if done.rowcount == 1:
                claimed.append(row.id)
    return announce(db, notifier, claimed, event="opened")


def _notice(row: Any, event: str | None) -> Notice:
    evidence = orjson.loads(row.evidence)
    status = row.status
    level = row.escalation_level
    happened = event or ("resolved" if status == "resolved" else LEVEL_EVENT.get(level, "opened"))
    to = evidence.get("on_call") if level >= 1 else evidence.get("owner")
    if happened == "referred":
        to = evidence.get("hospital") or to
    return Notice(
        row.id,
        happened,
        to,
        row.patient,
        row.severity,
        row.summary,
    )
