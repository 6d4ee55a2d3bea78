"""No-data alarms on both stores: a CGM silent for 30 minutes (urgent) and a scale silent for
3 days (warning) open one alert for their patient listing both; another pass updates it rather
than opening a second; a reading from a listed device ends it; returned or revoked devices and
devices within their interval never alarm."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import escalation
from enlace.modules.monitoring.tables import devices
from tests.integration.monitoring.alert_support import (
    DAY,
    MINUTE,
    alert_rows,
    care_world,
    evidence,
    ingest,
    now_us,
    reading,
)


def device(
    services: Services, did: str, patient: str | None, kind: str, seen: int, status: str = "active"
) -> None:
    with services.db.begin() as conn:
        conn.execute(
            devices.insert().values(
                id=did,
                patient=patient,
                kind=kind,
                status=status,
                key_hash="0" * 64,
                created_us=seen - DAY,
                bound_us=seen - DAY,
                last_seen_us=seen,
            )
        )


def test_silent_devices_alarm_once_and_clear(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    device(services, "cgm-1", p, "cgm", t - 31 * MINUTE)
    device(services, "scale-1", p, "scale", t - 4 * DAY)
    device(services, "cuff-1", p, "bp-cuff", t - 2 * DAY)  # within its 3 days
    device(services, "cgm-old", None, "cgm", t - 9 * DAY)  # returned
    device(services, "cgm-bad", p, "cgm", t - 9 * DAY, status="revoked")
    report = escalation.check_stale_devices(services.db, services.repo, t)
    [row] = alert_rows(services, p)
    assert report.opened == [row.id] and report.updated == [] and report.resolved == []
    assert row.rule == "no-data" and row.severity == "urgent"
    listed = evidence(row)["figures"]["devices"]
    assert [(x["device"], x["kind"]) for x in listed] == [("cgm-1", "cgm"), ("scale-1", "scale")]
    assert listed[0]["silent_minutes"] == 31 and "Sin datos" in row.summary
    again = escalation.check_stale_devices(services.db, services.repo, t + MINUTE)
    assert again.opened == [] and again.updated == [row.id]
    assert len(alert_rows(services, p)) == 1
    # the CGM speaks again: its reading ends the alarm in the ingest transaction
    assert ingest(services, [reading(p, d.CGM_GLUCOSE, 120, t, device="cgm-1")]) == [row.id]
    assert alert_rows(services, p)[0].status == "resolved"


def test_a_pass_resolves_alarms_whose_devices_came_back(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    device(services, "scale-1", p, "scale", t - 4 * DAY)
    [opened] = escalation.check_stale_devices(services.db, services.repo, t).opened
    with services.db.begin() as conn:
        conn.execute(devices.update().where(devices.c.id == "scale-1").values(last_seen_us=t))
    report = escalation.check_stale_devices(services.db, services.repo, t + MINUTE)
    assert report.resolved == [opened] and report.opened == []
    assert alert_rows(services, p)[0].status == "resolved"


def test_a_no_data_alarm_stays_with_on_call(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    device(services, "scale-1", p, "scale", t - 4 * DAY)
    escalation.check_stale_devices(services.db, services.repo, t)
    [step] = escalation.escalate_due(services.db, services.repo, t + 61 * MINUTE)
    assert step.action == "on-call"
    # a CGM goes silent too: the alarm becomes urgent, its clock runs again, but it never refers
    device(services, "cgm-1", p, "cgm", t)
    escalation.check_stale_devices(services.db, services.repo, t + 62 * MINUTE)
    [row] = alert_rows(services, p)
    assert row.severity == "urgent" and row.next_escalation_us is not None
    [stop] = escalation.escalate_due(services.db, services.repo, t + 120 * MINUTE)
    assert stop.action == "stop"
    [row] = alert_rows(services, p)
    assert row.escalation_level == 1 and row.next_escalation_us is None
    assert row.service_request_id is None
