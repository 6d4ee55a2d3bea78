"""The physician's actions on an alert on both stores: acknowledge (Task accepted, escalation
stopped, idempotent) and resolve with a note (Task completed, Flag inactive); unknown alerts,
resolving twice and an empty note are refused with the problem named, nothing changed."""

from __future__ import annotations

import pytest

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.monitoring import alerts
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DOCTOR,
    alert_rows,
    care_world,
    ingest,
    now_us,
    reading,
    resource,
)


def crisis(services: Services) -> str:
    p = care_world(services)
    [alert_id] = ingest(services, [reading(p, d.BP_PANEL, 200, now_us(services), value2=125)])
    return alert_id


def test_acknowledge_then_resolve(services: Services) -> None:
    alert_id = crisis(services)
    with services.db.begin() as conn:
        assert alerts.acknowledge(conn, services.repo, alert_id, DOCTOR) == "acknowledged"
    with services.db.begin() as conn:  # again: nothing more happens
        assert alerts.acknowledge(conn, services.repo, alert_id, DOCTOR) == "acknowledged"
    [row] = alert_rows(services)
    assert row.status == "acknowledged" and row.acknowledged_by == DOCTOR
    assert row.next_escalation_us is None and row.acknowledged_us >= row.opened_us
    task = resource(services, "Task", row.task_id)
    assert task["status"] == "accepted" and len(task["note"]) == 1
    with services.db.begin() as conn:
        alerts.resolve(conn, services.repo, alert_id, DOCTOR, "  Ajuste de antihipertensivo  ")
    [row] = alert_rows(services)
    assert row.status == "resolved" and row.resolved_us is not None
    task = resource(services, "Task", row.task_id)
    assert (
        task["status"] == "completed" and task["note"][-1]["text"] == "Ajuste de antihipertensivo"
    )
    assert task["note"][-1]["authorReference"]["reference"] == DOCTOR
    flag = resource(services, "Flag", row.flag_id)
    assert flag["status"] == "inactive" and "end" in flag["period"]


def test_resolving_an_open_alert_counts_as_seen(services: Services) -> None:
    alert_id = crisis(services)
    with services.db.begin() as conn:
        alerts.resolve(conn, services.repo, alert_id, DOCTOR, "Llamada al paciente")
    [row] = alert_rows(services)
    assert row.status == "resolved" and row.acknowledged_by == DOCTOR


@pytest.mark.parametrize(
    ("action", "status", "where"),
    [
        ("unknown", 404, None),
        ("empty-note", 400, "note"),
        ("long-note", 400, "note"),
        ("twice", 409, None),
        ("ack-resolved", 409, None),
    ],
)
def test_bad_actions_are_refused(
    services: Services, action: str, status: int, where: str | None
) -> None:
    alert_id = crisis(services)
    if action in ("twice", "ack-resolved"):
        with services.db.begin() as conn:
            alerts.resolve(conn, services.repo, alert_id, DOCTOR, "hecho")
    before = [tuple(r) for r in alert_rows(services)]
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        if action == "unknown":
            alerts.acknowledge(conn, services.repo, "no-such-alert", DOCTOR)
        elif action == "empty-note":
            alerts.resolve(conn, services.repo, alert_id, DOCTOR, "   ")
        elif action == "long-note":
            alerts.resolve(conn, services.repo, alert_id, DOCTOR, "x" * 2001)
        elif action == "twice":
            alerts.resolve(conn, services.repo, alert_id, DOCTOR, "otra vez")
        else:
            alerts.acknowledge(conn, services.repo, alert_id, DOCTOR)
    assert caught.value.status == status
    assert caught.value.issues[0].expression == where
    assert [tuple(r) for r in alert_rows(services)] == before
