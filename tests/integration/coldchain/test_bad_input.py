"""Bad input to the cold chain, on both stores: loggers with no place, impossible temperatures,
faulty loggers (stuck sensor, clock jump, gap: faults, not excursions), malformed decisions,
and a decision by a role that may not take it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules import coldchain, monitoring
from enlace.modules.coldchain import views
from enlace.modules.monitoring import mqtt_credentials
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.coldchain.support import (
    FACILITY,
    INSULIN,
    add_fridge,
    body,
    heat_series,
    on_hand,
    stock_clinic,
    temp,
)
from tests.integration.coldchain.test_flow import decide, post_readings


def expressions(answer: Any) -> list[str]:
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def test_a_logger_bound_to_no_place_is_refused(client: TestClient, services: Services) -> None:
    with services.db.begin() as conn:
        device, key = monitoring.registry.add_device(conn, services.repo, kind="temperature-logger")
    answer = post_readings(client, device, key, body(temp(1, 5.0)))
    assert answer.status_code == 403
    assert "not bound to a place" in answer.json()["issue"][0]["diagnostics"]
    fridge, fridge_key = add_fridge(services)
    with services.db.read() as conn:  # the broker's password file: the bound logger only
        assert mqtt_credentials.active_devices(conn) == [fridge]
    with services.db.begin() as conn:
        coldchain.retire(conn, services.repo, fridge)
        assert mqtt_credentials.active_devices(conn) == []
    assert post_readings(client, fridge, fridge_key, body(temp(1, 5.0))).status_code == 403
    assert post_readings(client, fridge, "wrong-key", body(temp(1, 5.0))).status_code == 401
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as wrong:
        monitoring.registry.add_device(conn, services.repo, kind="temperature-logger", patient="p1")
    assert wrong.value.status == 400


def test_impossible_temperatures_are_refused_one_by_one(
    client: TestClient, services: Services
) -> None:
    device, key = add_fridge(services)
    alone = post_readings(client, device, key, body(temp(1, 150.0)))
    assert alone.status_code == 422 and expressions(alone) == ["readings[0].value"]
    mixed = post_readings(client, device, key, body(temp(1, 5.0), temp(2, -80.0)))
    assert mixed.status_code == 200
    assert [(r["index"], r["reason"]) for r in mixed.json()["rejected"]] == [(1, "implausible")]
    wrong_unit = post_readings(client, device, key, body({**temp(3, 5.0), "unit": "C"}))
    assert wrong_unit.status_code == 422 and expressions(wrong_unit) == ["readings[0].unit"]
    # 41 °F is 5 °C: accepted and converted.
    fahrenheit = post_readings(client, device, key, body({**temp(4, 41.0), "unit": "[degF]"}))
    assert fahrenheit.status_code == 200 and fahrenheit.json()["accepted"] == 1


def test_stuck_sensor_clock_jump_and_gap_are_faults_not_excursions(
    client: TestClient, services: Services
) -> None:
    stock_clinic(services)
    device, key = add_fridge(services)
    # 9.0 °C exactly every 30 min from 00:00 to 12:00: a stuck sensor, not 12 h of heat.
    stuck = body(*[temp(n // 2, 9.0, 30 * (n % 2)) for n in range(25)])
    assert post_readings(client, device, key, stuck).json()["alerts"] == []
    # Later: 16:00, 17:00, then 16:30 (the clock went back), after a 4-hour silence.
    jumped = body(temp(16, 4.0), temp(17, 4.2), temp(16, 4.1, 30))
    assert post_readings(client, device, key, jumped).json()["alerts"] == []
    with services.db.read() as conn:
        kinds = [(f.kind, f.detail) for f in views.list_faults(conn, device)]
        assert views.list_excursions(conn) == []
    assert ("stuck-sensor", "25 readings of exactly 9 °C") in kinds
    assert ("clock-jump", "time went back 30 min") in kinds
    assert ("gap", "no reading for 4.0 h") in kinds
    assert on_hand(services, INSULIN, "INS-A1") == 10  # nothing quarantined


def test_malformed_decisions(client: TestClient, services: Services) -> None:
    stock_clinic(services)
    device, key = add_fridge(services)
    # Still above 8 °C at the last reading: ongoing, so it cannot be released yet.
    ongoing = body(*[temp(h, 9.5) for h in range(0, 12)])
    (excursion,) = post_readings(client, device, key, ongoing).json()["alerts"]
    url = f"/coldchain/excursions/{excursion}/decision"
    bad = client.post(url, json={"decision": "keep", "reason": " "})
    assert bad.status_code == 400 and expressions(bad) == ["decision", "reason"]
    assert expressions(client.post(url, json={"decision": "release"})) == ["reason"]
    assert expressions(client.post(url, json={**_ok(), "extra": 1})) == ["extra"]
    assert (
        client.post(url, content=b"{", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert decide(client, "nope", "release").status_code == 404
    early = decide(client, excursion, "release")
    assert early.status_code == 409 and "still outside" in early.json()["issue"][0]["diagnostics"]
    assert decide(client, excursion, "destroy").status_code == 200
    assert client.get("/coldchain/excursions?status=maybe").status_code == 400


def test_add_logger_refusals(services: Services) -> None:
    cases = [
        ({"facility": "nowhere", "place_kind": "fridge", "label": "F"}, 404, ["facility"]),
        ({"facility": FACILITY, "place_kind": "freezer", "label": ""}, 400, ["place", "label"]),
        ({"facility": FACILITY, "place_kind": "delivery-box", "label": "Caja"}, 400, ["lots"]),
        (
            {
                "facility": FACILITY,
                "place_kind": "delivery-box",
                "label": "Caja",
                "lots": [("no-such-medicine", "L1")],
            },
            400,
            ["lots[0].product"],
        ),
    ]
    for fields, status, where in cases:
        with services.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
            coldchain.add_logger(conn, services.repo, **fields)  # type: ignore[arg-type]
        assert refused.value.status == status
        assert [i.expression for i in refused.value.issues] == where


def _ok() -> dict[str, str]:
    return {"decision": "release", "reason": "ok"}


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client, services
    services.db.dispose()


def bearer(services: Services, role: str, organization: str | None = None) -> dict[str, str]:
    grant = Grant(
        "u1",
        "app",
        parse_scopes("user/*.rs"),
        role=role,
        organization=organization,
        fhir_user="Practitioner/ph1",
    )
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_only_a_pharmacist_decides(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    stock_clinic(services)
    device, key = add_fridge(services)
    (excursion,) = post_readings(client, device, key, heat_series()).json()["alerts"]
    url = f"/coldchain/excursions/{excursion}/decision"
    assert client.post(url, json=_ok()).status_code == 401
    physician = client.post(url, json=_ok(), headers=bearer(services, "physician"))
    assert physician.status_code == 403 and expressions(physician) == ["decision"]
    patient_view = client.get("/coldchain/excursions", headers=bearer(services, "patient"))
    assert patient_view.status_code == 403
    regulator = client.get("/coldchain/excursions", headers=bearer(services, "regulator"))
    assert regulator.status_code == 200 and len(regulator.json()["excursions"]) == 1
    elsewhere = bearer(services, "pharmacist", "org-pharmacy-imss-09003")
    other = client.post(url, json=_ok(), headers=elsewhere)
    assert other.status_code == 403 and "another facility" in other.text
    mine = bearer(services, "pharmacist", f"org-{FACILITY}")
    done = client.post(url, json=_ok(), headers=mine)
    assert done.status_code == 200 and done.json()["decidedBy"] == "Practitioner/ph1"
