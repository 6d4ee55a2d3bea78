"""The escalation clock on both stores with a stepping clock: physician → on-call (new Task
owner) → hospital referral (ServiceRequest) for alerts whose threshold demands it; warnings stop
at on-call; acknowledged alerts never escalate; two concurrent runners take each step once;
notices go to the file channel after commit."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from enlace.interactions.context import Services
from enlace.modules.monitoring import alerts, channels, escalation
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DOCTOR,
    HOSPITAL,
    MINUTE,
    ON_CALL,
    ORG,
    alert_rows,
    care_world,
    ingest,
    now_us,
    reading,
    resource,
)


def crisis(services: Services, patient: str = "p-alert") -> str:
    p = care_world(services, patient)
    [alert_id] = ingest(services, [reading(p, d.BP_PANEL, 195, now_us(services), value2=110)])
    return alert_id


def test_physician_then_on_call_then_hospital(services: Services, tmp_path: Path) -> None:
    crisis(services)
    [row] = alert_rows(services)
    opened, repo, db = row.opened_us, services.repo, services.db
    notifier = channels.default_notifier(tmp_path)
    assert escalation.escalate_due(db, repo, opened + 14 * MINUTE, notifier) == []
    [step] = escalation.escalate_due(db, repo, opened + 15 * MINUTE, notifier)
    assert (step.level, step.action, step.target) == (1, "on-call", ON_CALL)
    [row] = alert_rows(services)
    assert row.escalation_level == 1 and row.next_escalation_us == opened + 30 * MINUTE
    task = resource(services, "Task", row.task_id)
    assert (
        task["owner"]["reference"] == ON_CALL and "escalada a guardia" in task["note"][-1]["text"]
    )
    [step] = escalation.escalate_due(db, repo, opened + 31 * MINUTE, notifier)
    assert (step.level, step.action, step.target) == (2, "referral", HOSPITAL)
    [row] = alert_rows(services)
    assert row.escalation_level == 2 and row.next_escalation_us is None
    referral = resource(services, "ServiceRequest", row.service_request_id)
    assert (referral["status"], referral["intent"], referral["priority"]) == (
        "active",
        "order",
        "asap",
    )
    assert referral["subject"]["reference"] == "Patient/p-alert"
    assert referral["performer"] == [{"reference": HOSPITAL}]
    assert referral["requester"] == {"reference": ORG}
    assert referral["reasonReference"] == [{"reference": f"Flag/{row.flag_id}"}]
    assert escalation.escalate_due(db, repo, opened + 120 * MINUTE, notifier) == []
    sent = [
        orjson.loads(line)
        for line in (tmp_path / "outbox" / "messages.jsonl").read_bytes().splitlines()
    ]
    assert [(n["event"], n["to"]) for n in sent] == [
        ("escalated-on-call", ON_CALL),
        ("referred", HOSPITAL),
    ]
    assert sent[0]["channel"] == "file" and sent[0]["text"] == row.summary


def test_acknowledged_alerts_do_not_escalate(services: Services) -> None:
    alert_id = crisis(services)
    with services.db.begin() as conn:
        alerts.acknowledge(conn, services.repo, alert_id, DOCTOR)
    later = now_us(services) + 600 * MINUTE
    assert escalation.escalate_due(services.db, services.repo, later) == []
    [row] = alert_rows(services)
    assert row.escalation_level == 0
    assert resource(services, "Task", row.task_id)["owner"]["reference"] == DOCTOR


def test_a_warning_stops_at_on_call(services: Services) -> None:
    p = care_world(services)
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 65, now_us(services))])
    [row] = alert_rows(services)
    assert row.severity == "warning" and row.next_escalation_us == row.opened_us + 60 * MINUTE
    [step] = escalation.escalate_due(services.db, services.repo, row.opened_us + 61 * MINUTE)
    assert step.action == "on-call"
    assert escalation.escalate_due(services.db, services.repo, row.opened_us + 999 * MINUTE) == []
    [row] = alert_rows(services)
    assert row.escalation_level == 1 and row.service_request_id is None


def test_two_runners_take_each_step_once(services: Services) -> None:
    for i in range(3):
        crisis(services, f"p-{i}")
    due = max(r.next_escalation_us for r in alert_rows(services))
    barrier = threading.Barrier(2)
    taken: list[escalation.Step] = []

    def runner() -> None:
        barrier.wait()
        taken.extend(escalation.escalate_due(services.db, services.repo, due))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s.alert for s in taken) == sorted(r.id for r in alert_rows(services))
    assert all(r.escalation_level == 1 for r in alert_rows(services))
    for row in alert_rows(services):
        task = resource(services, "Task", row.task_id)
        assert sum("guardia" in n["text"] for n in task.get("note", [])) == 1


def test_the_background_loop_escalates(services: Services, tmp_path: Path) -> None:
    crisis(services)
    [row] = alert_rows(services)
    late = datetime.fromtimestamp((row.opened_us + 16 * MINUTE) / 1e6, UTC)
    notifier = channels.default_notifier(tmp_path)
    stop = escalation.start(services.db, services.repo, 0.05, notifier, clock=lambda: late)
    try:
        deadline = time.monotonic() + 10
        while alert_rows(services)[0].escalation_level == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert alert_rows(services)[0].escalation_level == 1
    assert "escalated-on-call" in (tmp_path / "outbox" / "messages.jsonl").read_text()
