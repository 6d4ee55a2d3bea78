"""The cold chain end to end on both stores: a fridge logger's readings through the real
ingestion route open an excursion, the insulin lot is quarantined in the ledger and in trace,
the pharmacist is asked, and a release or a destruction is carried out once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import catalog, coldchain, inventory
from tests.integration.coldchain.support import (
    FACILITY,
    INSULIN,
    LOT,
    METFORMIN,
    add_fridge,
    body,
    dispositions,
    heat_series,
    on_hand,
    pack_states,
    stock_clinic,
    temp,
)

JSON = {"Content-Type": "application/json"}


def post_readings(client: TestClient, device: str, key: str, payload: bytes) -> Any:
    headers = {"Authorization": f"Device {key}", **JSON}
    return client.post(f"/devices/{device}/readings", content=payload, headers=headers)


def decide(client: TestClient, excursion: str, decision: str, reason: str = "MKT ok") -> Any:
    body = {"decision": decision, "reason": reason}
    return client.post(f"/coldchain/excursions/{excursion}/decision", json=body)


def issue_one(services: Services) -> None:
    event = inventory.StockEvent(
        kind=inventory.ISSUE,
        facility=FACILITY,
        items=(inventory.Item(INSULIN, LOT, 1),),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with services.db.begin() as conn:
        inventory.StockLedger(clock=services.repo.clock).record(conn, event)


def open_excursion(client: TestClient, services: Services) -> tuple[str, list[str]]:
    packs = stock_clinic(services)
    device, key = add_fridge(services)
    answer = post_readings(client, device, key, heat_series())
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 13 and answer.json()["rejected"] == []
    (excursion,) = answer.json()["alerts"]
    return excursion, packs


def test_excursion_quarantines_then_release_makes_the_lot_dispensable(
    client: TestClient, services: Services
) -> None:
    excursion, packs = open_excursion(client, services)
    listed = client.get("/coldchain/excursions").json()["excursions"]
    assert [(e["id"], e["kind"], e["status"]) for e in listed] == [(excursion, "heat", "open")]
    # 01:00 to 12:00 at -06:00: 11 hours above 8 °C, peak 9.5.
    assert (listed[0]["start"], listed[0]["end"], listed[0]["peakCelsius"]) == (
        "2025-12-31T07:00:00.000Z",
        "2025-12-31T18:00:00.000Z",
        9.5,
    )
    held = client.get(f"/coldchain/quarantine?facility={FACILITY}").json()["quarantine"]
    insulin = catalog.medicine_by_slug(INSULIN)
    assert insulin is not None
    assert [(h["product"], h["lot"], h["units"]) for h in held] == [(INSULIN, LOT, 10)]
    with services.db.read() as conn:
        assert coldchain.quarantined_lots(conn, FACILITY) == {(insulin.gtin, LOT)}
    assert on_hand(services, INSULIN, LOT) == 0 and on_hand(services, METFORMIN, "MET-1") == 50
    with pytest.raises(errors.FhirError) as refused:
        issue_one(services)
    assert refused.value.status == 409
    assert "0 units of insulin-nph-100-vial lot INS-A1 on hand" in refused.value.message
    assert refused.value.message.endswith(
        f"the lot is in quarantine (coldchain excursion {excursion})"
    )
    assert dispositions(services) == [("holding", "non_sellable_other")]
    task = client.get(f"/fhir/{listed[0]['task']}").json()
    assert (task["status"], task["owner"]["reference"]) == (
        "requested",
        f"Organization/org-{FACILITY}",
    )

    answer = decide(client, excursion, "release", "MKT 6.1 °C, within the label's allowance")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "released" and answer.json()["decidedBy"] == "system"
    assert on_hand(services, INSULIN, LOT) == 10
    issue_one(services)  # dispensable again
    assert on_hand(services, INSULIN, LOT) == 9
    assert dispositions(services)[-1] == ("inspecting", "sellable_accessible")
    assert pack_states(services, packs) == {"at_location"}
    assert client.get(f"/fhir/{listed[0]['task']}").json()["status"] == "completed"
    with services.db.read() as conn:
        assert coldchain.quarantined_lots(conn, FACILITY) == set()

    again = decide(client, excursion, "destroy")
    assert again.status_code == 409
    assert again.json()["resourceType"] == "OperationOutcome"
    assert "already decided (released)" in again.json()["issue"][0]["diagnostics"]


def test_destroy_writes_the_lot_off_and_destroys_the_packs(
    client: TestClient, services: Services
) -> None:
    excursion, packs = open_excursion(client, services)
    answer = decide(client, excursion, "destroy", "Congelado: la insulina no se usa")
    assert answer.status_code == 200, answer.text
    assert on_hand(services, INSULIN, LOT) == 0
    with services.db.read() as conn:
        card = inventory.stock_card(conn, FACILITY, INSULIN, LOT)
    assert [(line.kind, line.reason, line.quantity) for line in card.lines] == [
        ("receipt", None, 10),
        ("adjustment", "quarantine", -10),
        ("adjustment", "quarantine-release", 10),
        ("adjustment", "cold-chain-failure", -10),
    ]
    assert dispositions(services)[-1] == ("destroying", "destroyed")
    assert pack_states(services, packs) == {"destroyed"}
    assert decide(client, excursion, "release").status_code == 409


def test_the_same_readings_sent_again_open_nothing_twice(
    client: TestClient, services: Services
) -> None:
    stock_clinic(services)
    device, key = add_fridge(services)
    first = post_readings(client, device, key, heat_series()).json()
    second = post_readings(client, device, key, heat_series()).json()
    assert (second["accepted"], second["duplicates"], second["alerts"]) == (0, 13, [])
    assert len(first["alerts"]) == 1
    assert len(client.get("/coldchain/excursions").json()["excursions"]) == 1
    assert on_hand(services, INSULIN, LOT) == 0  # quarantined once, not twice (10 - 10)


def test_a_freeze_alarm_opens_after_an_hour_at_or_below_minus_half(
    client: TestClient, services: Services
) -> None:
    stock_clinic(services)
    device, key = add_fridge(services)
    # 4 °C, then -1 °C from 03:00 until 4 °C at 03:55 (55 min: no alarm), and from 05:00 until
    # 06:15 (75 min: the freeze alarm). Each reading holds until the next one.
    short = [temp(3, -1.0, m) for m in (0, 15, 30, 45)] + [temp(3, 4.0, 55)]
    long = [temp(5, -1.0, m) for m in (0, 15, 30, 45)] + [temp(6, -1.2), temp(6, 4.0, 15)]
    answer = post_readings(client, device, key, body(temp(2, 4.0), *short, *long))
    assert answer.status_code == 200 and len(answer.json()["alerts"]) == 1
    (found,) = client.get("/coldchain/excursions").json()["excursions"]
    assert (found["kind"], found["start"], found["end"], found["peakCelsius"]) == (
        "freeze",
        "2025-12-31T11:00:00.000Z",
        "2025-12-31T12:15:00.000Z",
        -1.2,
    )
    assert on_hand(services, INSULIN, LOT) == 0
