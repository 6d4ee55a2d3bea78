"""POST /sync/batches on both stores: registrations written once whatever the client retries,
refusals item by item, a reused batch id refused (docs/sync.md)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.screening.tables import sync_items
from tests.integration.screening.sync_support import (
    batch,
    count,
    local,
    new_id,
    patients,
    person,
    post,
    registration,
    sync_rows,
)


class DroppedConnection(Exception):
    """The answer was lost on the way back: the server had committed."""


class FlakyTransport:
    """Delivers each request, then loses the first `drops` answers, as a phone losing signal."""

    def __init__(self, client: TestClient, drops: int) -> None:
        self.client, self.drops, self.sent = client, drops, 0

    def send(self, body: bytes) -> Any:
        answer = post(self.client, body)
        self.sent += 1
        if self.drops > 0:
            self.drops -= 1
            raise DroppedConnection
        return answer


def send_until_answered(transport: FlakyTransport, body: bytes) -> Any:
    """The device's loop: the same batch again until an answer arrives."""
    for _ in range(10):
        try:
            return transport.send(body)
        except DroppedConnection:
            continue
    raise AssertionError("never answered")


def test_a_registration_batch_writes_once_however_often_it_is_sent(
    client: TestClient, services: Services
) -> None:
    body = batch(registration(), registration(person("López")))
    first = post(client, body)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["counts"] == {"created": 2, "duplicate": 0, "conflict": 0, "refused": 0}
    assert [i["status"] for i in answer["items"]] == ["created", "created"]
    again = post(client, body)
    assert again.json() == answer
    looked_up = client.get(f"/sync/batches/{answer['batchId']}")
    assert looked_up.json() == answer
    assert patients(services) == 2
    assert sync_rows(services) == (1, 2, 0)


def test_answers_lost_after_commit_are_retried_and_counted_once(
    client: TestClient, services: Services
) -> None:
    items = [registration(person(f"Familia{i}")) for i in range(5)]
    body = batch(*items)
    transport = FlakyTransport(client, drops=3)
    answer = send_until_answered(transport, body)
    assert transport.sent == 4
    assert answer.status_code == 200
    assert answer.json()["counts"]["created"] == 5
    assert patients(services) == 5
    assert sync_rows(services) == (1, 5, 0)


def test_the_registration_keeps_the_client_id_and_gets_a_server_id(
    client: TestClient, services: Services
) -> None:
    item = registration()
    created = post(client, batch(item)).json()["items"][0]
    patient_id = local(created["patient"])
    assert patient_id != item["clientId"]
    stored = client.get(f"/fhir/Patient/{patient_id}").json()
    assert {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{item['clientId']}"} in stored[
        "identifier"
    ]


def test_an_item_in_two_batches_writes_once_and_answers_duplicate(
    client: TestClient, services: Services
) -> None:
    item = registration()
    first = post(client, batch(item)).json()
    second = post(client, batch(item, registration(person("Soto")))).json()
    repeated = second["items"][0]
    assert repeated["status"] == "duplicate"
    assert repeated["patient"] == first["items"][0]["patient"]
    assert repeated["firstBatch"] == first["batchId"]
    assert second["items"][1]["status"] == "created"
    assert patients(services) == 2


def test_a_client_id_reused_for_other_content_is_refused(
    client: TestClient, services: Services
) -> None:
    item = registration()
    post(client, batch(item))
    changed = {**item, "payload": person("Otro")}
    refused = post(client, batch(changed)).json()["items"][0]
    assert refused["status"] == "refused"
    assert refused["outcome"]["issue"][0]["expression"] == ["items[0].clientId"]
    assert patients(services) == 1


def test_a_batch_id_reused_with_other_content_is_409_naming_it(
    client: TestClient, services: Services
) -> None:
    batch_id = new_id()
    post(client, batch(registration(), batch_id=batch_id))
    reused = post(client, batch(registration(), batch_id=batch_id))
    assert reused.status_code == 409
    assert reused.json()["issue"][0]["expression"] == ["batchId"]
    assert patients(services) == 1


def test_a_refused_item_does_not_block_the_others(client: TestClient, services: Services) -> None:
    bad = registration(person(gender="sometimes"))
    answer = post(client, batch(registration(), bad, registration())).json()
    assert [i["status"] for i in answer["items"]] == ["created", "refused", "created"]
    issue = answer["items"][1]["outcome"]["issue"][0]
    assert issue["expression"][0].startswith("items[1].payload")
    assert patients(services) == 2
    assert count(services, sync_items) == 2  # the refused item left no row: it can be sent again


def test_a_registration_with_an_id_is_refused(client: TestClient, services: Services) -> None:
    answer = post(client, batch(registration(person(id="chosen")))).json()
    assert answer["items"][0]["outcome"]["issue"][0]["expression"] == ["items[0].payload.id"]
    assert patients(services) == 0


def test_malformed_batches_are_400_naming_the_location_and_write_nothing(
    client: TestClient, services: Services
) -> None:
    cases = {
        batch(registration(clientId="1234")): "items[0].clientId",
        batch(registration(kind="visit")): "items[0].kind",
        batch(registration(capturedAt="2026-03-01T09:30")): "items[0].capturedAt",
        batch(*[registration() for _ in range(201)]): "items",
        orjson.dumps({"batchId": new_id(), "items": [registration()]}): "device",
        b"not json": "$",
    }
    for body, where in cases.items():
        answer = post(client, body)
        assert answer.status_code == 400, (where, answer.text)
        outcome = answer.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert where in [e for i in outcome["issue"] for e in i.get("expression", [])]
    assert patients(services) == 0
    assert sync_rows(services) == (0, 0, 0)


def test_an_unknown_batch_is_404(client: TestClient) -> None:
    answer = client.get(f"/sync/batches/{new_id()}")
    assert answer.status_code == 404
    assert answer.json()["resourceType"] == "OperationOutcome"
