"""Done-when (issue 9): a heart-failure patient's scale sends a weight each morning through
monitoring ingestion and the weight creeps up; the alert opens with its evidence within a second
of the message's receipt and is in the physician's inbox; nobody acknowledges it; the clock moves
it to the on-call doctor and then to a referral to the public hospital. Both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.monitoring import escalation, ingest, registry
from tests.integration.monitoring.alert_support import (
    DAY,
    DOCTOR,
    HOSPITAL,
    MINUTE,
    ON_CALL,
    alert_rows,
    care_world,
    evidence,
    now_us,
    resource,
)
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
CREEP = [70.0, 70.1, 69.9, 70.0, 70.6, 71.3, 72.1]  # kg, one weigh-in a morning


def weigh_in(kg: float, at_us: int) -> bytes:
    time = datetime.fromtimestamp(at_us / 1e6, UTC).isoformat()
    return orjson.dumps(
        {"readings": [{"code": "29463-7", "value": kg, "unit": "kg", "time": time}]}
    )


def test_hf_weight_creep_alerts_and_escalates(services: Services) -> None:
    p = care_world(services, "p-hf", ["I50.9"])
    with services.db.begin() as conn:
        scale, key = registry.add_device(conn, services.repo, kind="scale", patient=p)
    start = now_us(services) - len(CREEP) * DAY
    opened: list[str] = []
    for day, kg in enumerate(CREEP):
        result = ingest.ingest(
            services.db, services.repo, scale, weigh_in(kg, start + day * DAY), key=key
        )
        assert result.accepted == 1
        opened += result.alerts
    [row] = alert_rows(services, p)
    assert opened == [row.id]  # only the last weigh-in: 72.1 against 70.0 three days before
    assert row.rule == "hf-weight-gain" and row.severity == "urgent"
    assert 0 <= row.opened_us - row.received_us < 1_000_000  # latency from receipt
    figures = evidence(row)["figures"]
    assert (figures["baseline_kg"], figures["weight_kg"], figures["gain_kg"]) == (70.0, 72.1, 2.1)
    assert [(r["value"], r["device"]) for r in evidence(row)["readings"]] == [
        (70.0, scale),
        (72.1, scale),
    ]
    assert "Aumento de peso de 2.1 kg en 3 días" in row.summary
    assert resource(services, "Task", row.task_id)["owner"]["reference"] == DOCTOR

    # the physician's inbox shows it with its readings
    with TestClient(create_app(services), base_url="http://testserver") as web:
        sign_in_as(
            services,
            web,
            "dr.hf",
            "physician",
            organization="org-clinic-l1-imss-09015",
            fhir_user=DOCTOR,
        )
        inbox = web.get("/alerts").text
    assert (
        f'id="alert-{row.id}"' in inbox
        and "<td>72.1 kg</td>" in inbox
        and "<td>70 kg</td>" in inbox
    )

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
