"""The conflict review page (/sync/review) on both stores: Spanish first, each field's values,
a choice per field saved as a new Patient version; for staff who may update a Patient."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from tests.integration.screening.sync_support import (
    batch,
    edit,
    local,
    person,
    post,
    registration,
    versions,
)
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]

PHONE_A = [{"system": "phone", "value": "5511111111"}]
PHONE_B = [{"system": "phone", "value": "5522222222"}]


def conflicted(client: TestClient, services: Services) -> tuple[str, str]:
    """A patient both devices edited from version 1: its id and the conflict's."""
    patient_id = local(post(client, batch(registration(person()))).json()["items"][0]["patient"])
    base: dict[str, Any] = versions(services, patient_id)[0]
    post(client, batch(edit(patient_id, 1, {**base, "telecom": PHONE_A}), device="a"))
    answer = post(client, batch(edit(patient_id, 1, {**base, "telecom": PHONE_B}), device="b"))
    return patient_id, answer.json()["items"][0]["conflict"]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_reviewer_sees_the_values_and_chooses_the_device(
    client: TestClient, services: Services
) -> None:
    patient_id, conflict_id = conflicted(client, services)
    sign_in_as(services, client, "chw.lopez", "chw")
    page = client.get("/sync/review")
    assert page.status_code == 200, page.text
    assert '<html lang="es-MX">' in page.text and "Conflictos de captura" in page.text
    assert f'id="conflict-{conflict_id}"' in page.text
    assert "5511111111" in page.text and "5522222222" in page.text
    english = client.get("/sync/review", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in english and "Offline capture conflicts" in english
    form = {"csrf": csrf(page.text), "choice.telecom": "device"}
    done = client.post(f"/sync/review/{conflict_id}", data=form, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/sync/review")
    assert versions(services, patient_id)[-1]["telecom"] == PHONE_B
    assert "No hay conflictos abiertos." in client.get("/sync/review").text


def test_bad_choices_and_roles_are_refused_without_writing(
    client: TestClient, services: Services
) -> None:
    patient_id, conflict_id = conflicted(client, services)
    sign_in_as(services, client, "enf.ruiz", "nurse")
    assert client.get("/sync/review").status_code == 403
    sign_in_as(services, client, "dr.soto", "physician")
    token = csrf(client.get("/sync/review").text)
    missing = client.post(f"/sync/review/{conflict_id}", data={"csrf": token})
    assert missing.status_code == 400
    wrong = {"csrf": token, "choice.telecom": "both"}
    assert client.post(f"/sync/review/{conflict_id}", data=wrong).status_code == 400
    expired = {"csrf": "x", "choice.telecom": "device"}
    assert client.post(f"/sync/review/{conflict_id}", data=expired).status_code == 400
    unknown = {"csrf": token, "choice.telecom": "device"}
    assert client.post("/sync/review/nope", data=unknown).status_code == 404
    assert len(versions(services, patient_id)) == 4  # nothing written
