"""Readings through the rules into alert episodes on both stores: Flag + Task to the family
doctor, evidence, one episode per (patient, rule) with hysteresis, Goal overrides, HF and COPD
rules only for patients with those diagnoses, NEWS2 over the window."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from enlace.interactions.context import Services
from enlace.modules.monitoring import alerting, storage
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DAY,
    DOCTOR,
    MINUTE,
    alert_rows,
    care_world,
    evidence,
    goal,
    ingest,
    now_us,
    reading,
    resource,
)


def test_bp_crisis_opens_flag_and_task_for_the_family_doctor(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    assert ingest(services, [reading(p, d.BP_PANEL, 150, t - MINUTE, value2=90)]) == []
    ids = ingest(services, [reading(p, d.BP_PANEL, 185, t, value2=100, received=t + 5)])
    [row] = alert_rows(services, p)
    assert ids == [row.id] and row.rule == "bp-crisis" and row.severity == "urgent"
    assert row.status == "open" and row.received_us == t + 5
    assert 0 <= row.opened_us - row.received_us < 1_000_000
    assert row.summary == "Crisis hipertensiva: 185/100 mmHg (umbral >180/>120)"
    found = evidence(row)
    assert found["readings"][0]["value"] == 185 and found["readings"][0]["value2"] == 100
    assert found["readings"][0]["unit"] == "mm[Hg]" and found["readings"][0]["device"] == f"dev-{p}"
    assert found["figures"]["systolic_limit"] == 180 and found["owner"] == DOCTOR
    flag = resource(services, "Flag", row.flag_id)
    assert flag["status"] == "active" and flag["subject"]["reference"] == f"Patient/{p}"
    assert flag["category"][0]["coding"][0]["code"] == "clinical"
    assert flag["code"]["coding"][0]["code"] == "bp-crisis" and "start" in flag["period"]
    task = resource(services, "Task", row.task_id)
    assert (task["status"], task["intent"], task["priority"]) == ("requested", "order", "asap")
    assert task["focus"]["reference"] == f"Flag/{row.flag_id}"
    assert task["owner"]["reference"] == DOCTOR and task["for"]["reference"] == f"Patient/{p}"
    assert "185" in task["description"]
    # the next reading under 170/110 ends the episode: Flag inactive, Task cancelled
    ingest(services, [reading(p, d.BP_PANEL, 175, t + MINUTE, value2=100)])
    assert alert_rows(services, p)[0].status == "open"
    ingest(services, [reading(p, d.BP_PANEL, 165, t + 2 * MINUTE, value2=100)])
    [row] = alert_rows(services, p)
    assert row.status == "resolved" and row.next_escalation_us is None
    assert resource(services, "Flag", row.flag_id)["status"] == "inactive"
    assert resource(services, "Task", row.task_id)["status"] == "cancelled"


def cgm(p: str, start: int, values: Sequence[float]) -> list[d.Reading]:
    return [reading(p, d.CGM_GLUCOSE, v, start + i * 5 * MINUTE) for i, v in enumerate(values)]


def test_a_long_hypo_run_is_one_alert(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    run = cgm(p, t, [100, 65, 62, 60, 58, 60, 61, 63, 64, 66, 60, 58, 57, 59, 62, 64])
    for i in range(0, len(run), 3):  # batches of three, as a CGM uploader sends them
        ingest(services, run[i : i + 3])
    [row] = alert_rows(services, p)
    assert row.rule == "glucose-low" and row.severity == "warning" and row.status == "open"
    assert row.last_evidence_us == run[-1].effective_us
    assert len(evidence(row)["readings"]) >= 10


def test_flapping_around_the_threshold_is_one_alert(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    low, flapping, recovering = [65] * 4, [72, 66, 75, 68, 74, 67, 78, 66, 71, 69], [85, 88, 90]
    values = [*low, *flapping, *recovering]
    ingest(services, cgm(p, t, values))
    rows = alert_rows(services, p)
    assert len(rows) == 1 and rows[0].status == "open"  # 80 not yet held for 15 minutes
    ingest(services, cgm(p, t + len(values) * 5 * MINUTE, [95]))
    [row] = alert_rows(services, p)
    assert row.status == "resolved"


def test_severity_only_rises_within_an_episode(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 65, t)])
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 50, t + MINUTE)])
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 66, t + 2 * MINUTE)])
    [row] = alert_rows(services, p)
    assert row.severity == "urgent" and "nivel 2" in row.summary
    assert resource(services, "Task", row.task_id)["priority"] == "asap"
    assert [r["value"] for r in evidence(row)["readings"]] == [65, 50, 66]


def test_a_goal_replaces_the_default_thresholds(services: Services) -> None:
    p = care_world(services)
    goal(services, p, d.CAPILLARY_GLUCOSE, 90, 180)
    t = now_us(services)
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 85, t)])
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 190, t + DAY)])
    assert [r.rule for r in alert_rows(services, p)] == ["glucose-low"]  # one high is not enough
    ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 195, t + DAY + 4 * 60 * MINUTE)])
    rules = sorted(r.rule for r in alert_rows(services, p))
    assert rules == ["glucose-high", "glucose-low"]
    other = care_world(services, "p-default")
    ingest(
        services,
        [
            reading(other, d.CAPILLARY_GLUCOSE, 85, t),
            reading(other, d.CAPILLARY_GLUCOSE, 190, t + DAY),
            reading(other, d.CAPILLARY_GLUCOSE, 195, t + DAY + 4 * 60 * MINUTE),
        ],
    )
    assert alert_rows(services, other) == []


@pytest.mark.parametrize(("conditions", "alerts"), [(["I50.9"], 1), ([], 0)])
def test_weight_gain_only_for_heart_failure(
    services: Services, conditions: list[str], alerts: int
) -> None:
    p = care_world(services, conditions=conditions)
    t = now_us(services)
    ingest(
        services, [reading(p, d.WEIGHT, w, t + i * DAY) for i, w in enumerate([70.0, 70.8, 71.5])]
    )
    assert alert_rows(services, p) == []
    ingest(services, [reading(p, d.WEIGHT, 72.1, t + 3 * DAY)])
    assert len(alert_rows(services, p)) == alerts


def test_copd_spo2_and_news2_scale2(services: Services) -> None:
    copd = care_world(services, "p-copd", ["J44.9"])
    plain = care_world(services, "p-plain")
    t = now_us(services)
    for p in (copd, plain):
        ingest(services, [reading(p, d.SPO2, 90, t), reading(p, d.HEART_RATE, 80, t)])
    assert [r.rule for r in alert_rows(services, copd)] == ["copd-spo2"]  # scale 2: 0 points
    [row] = alert_rows(services, plain)  # scale 1: SpO2 90 is a single 3
    assert row.rule == "news2" and row.severity == "urgent"
    assert evidence(row)["figures"]["parts"] == {"spo2": 3, "pulse": 0}


def test_news2_takes_the_latest_vitals_of_the_hour(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    ingest(services, [reading(p, d.RESPIRATORY_RATE, 22, t - 90 * MINUTE)])  # outside the hour
    ingest(services, [reading(p, d.HEART_RATE, 135, t), reading(p, d.SPO2, 93, t)])
    [row] = alert_rows(services, p)
    assert row.severity == "urgent" and evidence(row)["figures"]["total"] == 5
    ingest(services, [reading(p, d.RESPIRATORY_RATE, 22, t + MINUTE)])
    [row] = alert_rows(services, p)
    assert row.severity == "emergency" and evidence(row)["figures"]["total"] == 7
    assert row.summary.startswith("NEWS2 7")
    ingest(
        services,
        [
            reading(p, d.HEART_RATE, 70, t + 2 * MINUTE),
            reading(p, d.SPO2, 97, t + 2 * MINUTE),
            reading(p, d.RESPIRATORY_RATE, 16, t + 2 * MINUTE),
        ],
    )
    assert alert_rows(services, p)[0].status == "resolved"


def test_in_range_readings_open_nothing(services: Services) -> None:
    p = care_world(services, conditions=["I50.9", "J44.9"])
    t = now_us(services)
    batch = [reading(p, d.CGM_GLUCOSE, 110 + i % 7, t + i * 5 * MINUTE) for i in range(50)]
    batch += [
        reading(p, d.HEART_RATE, 72, t),
        reading(p, d.SPO2, 96, t),
        reading(p, d.WEIGHT, 70, t),
    ]
    assert ingest(services, batch) == [] and alert_rows(services) == []
    assert ingest(services, []) == []


def test_two_devices_reporting_at_once_make_one_alert(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    first_in = threading.Event()
    errors: list[BaseException] = []

    def slow_first() -> None:  # opens the alert and holds its transaction a while
        try:
            with services.db.begin() as conn:
                new = storage.store_readings(conn, [reading(p, d.BP_PANEL, 190, t, value2=100)])
                alerting.on_readings(conn, services.repo, new)
                first_in.set()
                time.sleep(0.5)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            first_in.set()

    thread = threading.Thread(target=slow_first)
    thread.start()
    first_in.wait(10)
    ingest(services, [reading(p, d.BP_PANEL, 200, t + 1, value2=100, device="cuff-2")])
    thread.join()
    assert not errors
    [row] = alert_rows(services, p)
    assert sorted(r["value"] for r in evidence(row)["readings"]) == [190, 200]


def test_cgm_hyperglycemia_pages_only_when_it_persists(services: Services) -> None:
    p = care_world(services)
    t = now_us(services)
    meal = cgm(p, t, [180, 230, 270, 300, 310, 290, 270, 255, 240, 220])  # a meal's excursion
    ingest(services, meal)
    assert alert_rows(services, p) == []
    start = t + 12 * 60 * MINUTE
    persistent = cgm(p, start, [280] * 49)  # 4 hours above 250, sent an hour at a time
    for i in range(0, len(persistent), 12):
        ingest(services, persistent[i : i + 12])
    [row] = alert_rows(services, p)
    assert row.rule == "glucose-high" and "sostenida 4 h" in row.summary
    assert row.last_evidence_us == persistent[-1].effective_us


def test_weight_window_reaches_the_weigh_in_three_mornings_ago(services: Services) -> None:
    p = care_world(services, conditions=["I50.9"])
    t = now_us(services)
    four_days_ago = reading(p, d.WEIGHT, 69.0, t - 4 * DAY + 30 * MINUTE)  # outside the 3 days
    three_mornings = reading(p, d.WEIGHT, 70.0, t - 3 * DAY - 20 * MINUTE)
    ingest(services, [four_days_ago, three_mornings])
    ingest(services, [reading(p, d.WEIGHT, 70.5, t - DAY)])
    assert alert_rows(services, p) == []
    ingest(services, [reading(p, d.WEIGHT, 72.1, t)])
    [row] = alert_rows(services, p)
    assert evidence(row)["figures"]["baseline_kg"] == 70.0
