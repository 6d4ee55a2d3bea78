"""kill -9 of an outbox deliverer mid-batch: once its lease has passed, another deliverer takes
the batch over; every message ends delivered once, with one Communication, and the gateway
sees each message id at least once (a resend carries the same id, so it can drop it)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import func, select, text

from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from enlace.modules.messaging.domain import LEASE_US
from enlace.modules.messaging.tables import outbox
from tests.faults.counts import report
from tests.support.messages import REMINDER_PARAMS

NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City
DAY = 24 * 3600 * 1_000_000
MESSAGES = 120
PARAMS = REMINDER_PARAMS


def test_kill_9_of_a_deliverer_mid_batch(store_url: str, tmp_path: Path) -> None:
    services = build(Settings.from_env(database_url=store_url, var_dir=tmp_path))
    with services.db.begin() as conn:
        for n in range(MESSAGES):  # one patient each: the caps allow one message a day
            patient = f"p{n}"
            messaging.set_preference(conn, patient, "sms", f"+5255{n:08d}", NOON - DAY)
            messaging.grant(conn, patient, "sms", "Clínica Enlace", "formato firmado", NOON - DAY)
            request = messaging.MessageRequest(patient, "refill-reminder", PARAMS, f"k{n}", {})
            messaging.enqueue(conn, request, NOON)
    sent_file = tmp_path / "outbox.ndjson"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.outbox_worker", store_url, str(tmp_path), str(NOON)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _lines(sent_file) < MESSAGES // 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.kill()  # SIGKILL: mid-batch, its claim still held
    worker.wait(timeout=30)
    at_kill = _lines(sent_file)
    assert 0 < at_kill < MESSAGES, "the worker was not killed mid-batch"
    early = messaging.deliver_due(services.db, services.repo, NOON + 1, tmp_path)
    assert early.delivered == 0, "a live lease was taken over"
    later = messaging.deliver_due(services.db, services.repo, NOON + LEASE_US + 1, tmp_path)
    ids = Counter(orjson.loads(line)["id"] for line in sent_file.read_bytes().splitlines())
    with services.db.read() as conn:
        statuses = dict(
            conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        )
        communications = conn.execute(
            text("SELECT count(*) FROM resources WHERE resource_type = 'Communication'")
        ).scalar_one()
    services.db.dispose()
    assert statuses == {"delivered": MESSAGES}
    assert communications == MESSAGES and len(ids) == MESSAGES
    resent = sum(n - 1 for n in ids.values())
    assert resent <= at_kill  # only what the dead worker had handed over comes twice
    report(
        f"kill -9 outbox deliverer [{store_url.split(':')[0]}]",
        queued=MESSAGES,
        handed_over_before_kill=at_kill,
        delivered_by_takeover=later.delivered,
        delivered=statuses.get("delivered", 0),
        communications=communications,
        distinct_ids_at_gateway=len(ids),
        resent_same_id=resent,
    )


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0
