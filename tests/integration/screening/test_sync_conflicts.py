"""A patient edited on two devices from the same version, on both stores: merged when the edits
touch different elements, else both versions kept in history and the conflict listed for review,
then resolved per element (docs/sync.md, Conflicts)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.screening.tables import sync_conflicts
from tests.integration.screening.sync_support import (
    batch,
    count,
    edit,
    local,
    person,
    post,
    registration,
    versions,
)

PHONE_A = "+52 55 1111 1111"
PHONE_B = "+52 55 2222 2222"


def registered(client: TestClient) -> tuple[str, dict[str, Any]]:
    item = registration(person(gender="female"))
    created = post(client, batch(item)).json()["items"][0]
    patient_id = local(created["patient"])
    return patient_id, client.get(f"/fhir/Patient/{patient_id}").json()


def telecom(number: str) -> list[dict[str, str]]:
    return [{"system": "phone", "value": number}]


def sent(client: TestClient, item: dict[str, Any], device: str) -> dict[str, Any]:
    answer = post(client, batch(item, device=device))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["items"][0]
    return result


def test_an_edit_from_the_current_version_is_the_next_version(client: TestClient) -> None:
    patient_id, base = registered(client)
    result = sent(client, edit(patient_id, 1, {**base, "birthDate": "1970-01-02"}), "a")
    assert (result["status"], result["version"]) == ("created", 2)
    assert client.get(f"/fhir/Patient/{patient_id}").json()["birthDate"] == "1970-01-02"


def test_edits_of_different_elements_merge_without_a_conflict(
    client: TestClient, services: Services
) -> None:
    patient_id, base = registered(client)
    sent(client, edit(patient_id, 1, {**base, "telecom": telecom(PHONE_A)}), "a")
    merged = sent(client, edit(patient_id, 1, {**base, "birthDate": "1970-01-02"}), "b")
    assert (merged["status"], merged["version"], merged["merged"]) == ("created", 3, ["birthDate"])
    current = client.get(f"/fhir/Patient/{patient_id}").json()
    assert (current["telecom"], current["birthDate"]) == (telecom(PHONE_A), "1970-01-02")
    assert count(services, sync_conflicts) == 0


def test_overlapping_edits_keep_both_versions_and_list_one_conflict(
    client: TestClient, services: Services
) -> None:
    patient_id, base = registered(client)
    first = sent(client, edit(patient_id, 1, {**base, "telecom": telecom(PHONE_A)}), "a")
    second_edit = {**base, "telecom": telecom(PHONE_B), "birthDate": "1970-01-02"}
    second = sent(client, edit(patient_id, 1, second_edit), "b")
    assert first["version"] == 2
    assert second["status"] == "conflict"
    assert (second["deviceVersion"], second["version"]) == (3, 4)
    assert (second["fields"], second["merged"]) == (["telecom"], ["birthDate"])
    history = versions(services, patient_id)
    assert [v.get("telecom") for v in history] == [
        None,
        telecom(PHONE_A),
        telecom(PHONE_B),  # the device's edit, as sent: nothing lost
        telecom(PHONE_A),  # the server's value kept until a reviewer chooses
    ]
    assert history[-1]["birthDate"] == "1970-01-02"
    listed = client.get("/sync/conflicts").json()["conflicts"]
    assert len(listed) == 1
    conflict = listed[0]
    assert conflict["patient"] == f"Patient/{patient_id}" and conflict["device"] == "b"
    assert conflict["fields"] == [
        {"path": "telecom", "base": None, "server": telecom(PHONE_A), "device": telecom(PHONE_B)}
    ]
    assert (conflict["serverVersion"], conflict["deviceVersion"]) == (2, 3)


def test_a_reviewer_chooses_per_element_and_that_is_a_new_version(
    client: TestClient, services: Services
) -> None:
    patient_id, base = registered(client)
    sent(client, edit(patient_id, 1, {**base, "telecom": telecom(PHONE_A)}), "a")
    conflict_id = sent(client, edit(patient_id, 1, {**base, "telecom": telecom(PHONE_B)}), "b")[
        "conflict"
    ]
    resolve = f"/sync/conflicts/{conflict_id}/resolve"
    unknown = client.post(resolve, json={"choices": {"telecom": "device", "gender": "server"}})
    assert unknown.status_code == 400
    assert ["choices.gender"] in [i.get("expression") for i in unknown.json()["issue"]]
    missing = client.post(resolve, json={"choices": {"telecom": "mine"}})
    assert missing.status_code == 400
    assert missing.json()["issue"][0]["expression"] == ["choices.telecom"]
    assert client.post(resolve, content=b"{").status_code == 400
    done = client.post(resolve, json={"choices": {"telecom": "device"}})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["resolvedVersion"]) == ("resolved", 5)
    assert client.get(f"/fhir/Patient/{patient_id}").json()["telecom"] == telecom(PHONE_B)
    assert client.post(resolve, json={"choices": {"telecom": "server"}}).status_code == 409
    assert client.get("/sync/conflicts").json()["conflicts"] == []
    assert len(client.get("/sync/conflicts?status=resolved").json()["conflicts"]) == 1
    assert client.get("/sync/conflicts?status=maybe").status_code == 400
    assert client.get("/sync/conflicts/nope").status_code == 404
    assert len(versions(services, patient_id)) == 5


def test_an_edit_names_a_patient_registered_earlier_by_its_client_id(
    client: TestClient, services: Services
) -> None:
    item = registration(person(gender="female"))
    patient_id = local(post(client, batch(item)).json()["items"][0]["patient"])
    base = client.get(f"/fhir/Patient/{patient_id}").json()
    changed = edit(f"urn:uuid:{item['clientId']}", 1, {**base, "birthDate": "1980-05-06"})
    result = sent(client, changed, "a")
    assert (result["patient"], result["version"]) == (f"Patient/{patient_id}", 2)


def test_edits_that_cannot_apply_are_refused_with_their_location(
    client: TestClient, services: Services
) -> None:
    patient_id, base = registered(client)
    cases = [
        (edit("nobody", 1, base), "items[0].patient"),
        (edit("urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", 1, base), "items[0].patient"),
        (edit(patient_id, 7, base), "items[0].baseVersion"),
        (edit(patient_id, 1, {**base, "id": "other"}), "items[0].payload.id"),
        (edit(patient_id, 1, {**base, "gender": 3}), None),
    ]
    for item, where in cases:
        result = sent(client, item, "a")
        assert result["status"] == "refused", result
        expressions = [e for i in result["outcome"]["issue"] for e in i.get("expression", [])]
        assert where in expressions if where else expressions[0].startswith("items[0].payload")
    assert len(versions(services, patient_id)) == 1
