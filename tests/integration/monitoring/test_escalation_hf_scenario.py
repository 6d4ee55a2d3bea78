"""Done-when (issue 9): a heart-failure patient's weight creeps up over days; the alert opens
with its evidence within a second of the reading's receipt; nobody acknowledges it; the clock
moves it to the on-call doctor and then to a referral to the public hospital. Both stores."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import escalation
from tests.integration.monitoring.alert_support import (
    DAY,
    DOCTOR,
    HOSPITAL,
    MINUTE,
    ON_CALL,
    alert_rows,
    care_world,
    evidence,
    ingest,
    now_us,
    reading,
    resource,
)

CREEP = [70.0, 70.1, 69.9, 70.0, 70.6, 71.3, 72.1]  # kg, one weigh-in a morning


def test_hf_weight_creep_alerts_and_escalates(services: Services) -> None:
    p = care_world(services, "p-hf", ["I50.9"])
    start = now_us(services) - len(CREEP) * DAY
    opened: list[str] = []
    for day, kg in enumerate(CREEP):
        received = now_us(services)  # the moment the scale's message arrived
        opened += ingest(services, [reading(p, d.WEIGHT, kg, start + day * DAY, received)])
    [row] = alert_rows(services, p)
    assert opened == [row.id]  # only the last weigh-in: 72.1 against 70.0 three days before
    assert row.rule == "hf-weight-gain" and row.severity == "urgent"
    assert row.opened_us - row.received_us < 1_000_000  # latency from receipt
    figures = evidence(row)["figures"]
    assert (figures["baseline_kg"], figures["weight_kg"], figures["gain_kg"]) == (70.0, 72.1, 2.1)
    assert [r["value"] for r in evidence(row)["readings"]] == [70.0, 72.1]
    assert "Aumento de peso de 2.1 kg en 72 h" in row.summary
    assert resource(services, "Task", row.task_id)["owner"]["reference"] == DOCTOR

    # nobody acknowledges: 15 minutes later the on-call doctor owns it, 15 more and it is referred
    db, repo = services.db, services.repo
    [first] = escalation.escalate_due(db, repo, row.opened_us + 15 * MINUTE)
    assert (first.action, first.target) == ("on-call", ON_CALL)
    [second] = escalation.escalate_due(db, repo, row.opened_us + 30 * MINUTE)
    assert (second.action, second.target) == ("referral", HOSPITAL)
    [row] = alert_rows(services, p)
    assert row.status == "open" and row.escalation_level == 2
    referral = resource(services, "ServiceRequest", row.service_request_id)
    assert referral["subject"]["reference"] == f"Patient/{p}"
    assert "Aumento de peso" in referral["note"][0]["text"]
