"""The cold-chain pages on both stores: the pharmacist sees the excursion and its quarantined
lot and releases it with a reason (once); the regulator's dashboard shows loggers, excursions,
quarantine and MKT; other roles are refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from tests.integration.coldchain.support import (
    FACILITY,
    INSULIN,
    add_fridge,
    heat_series,
    on_hand,
    stock_clinic,
)
from tests.integration.coldchain.test_flow import post_readings
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def excursion(client: TestClient, services: Services) -> str:
    stock_clinic(services)
    device, key = add_fridge(services)
    (found,) = post_readings(client, device, key, heat_series()).json()["alerts"]
    return str(found)


def test_pharmacist_releases_from_the_page(
    client: TestClient, services: Services, excursion: str
) -> None:
    sign_in_as(services, client, "farm.1", "pharmacist", organization=f"org-{FACILITY}")
    page = client.get("/pharmacy/coldchain")
    assert page.status_code == 200
    assert "Excursiones de temperatura" in page.text and "INS-A1" in page.text
    assert 'value="release"' in page.text and 'value="destroy"' in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    url = f"/pharmacy/coldchain/{excursion}"
    no_reason = client.post(url, data={"csrf": token.group(1), "decision": "release", "reason": ""})
    assert no_reason.status_code == 400
    form = {"csrf": token.group(1), "decision": "release", "reason": "TCM 6.2 °C"}
    done = client.post(url, data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert on_hand(services, INSULIN, "INS-A1") == 10
    after = client.get("/pharmacy/coldchain")
    assert "Liberado" in after.text and "TCM 6.2 °C" in after.text
    assert 'value="release"' not in after.text
    assert client.post(url, data=form).status_code == 400  # decided once only


def test_regulator_dashboard_and_refused_roles(
    client: TestClient, services: Services, excursion: str
) -> None:
    sign_in_as(services, client, "reg.1", "regulator")
    page = client.get("/coldchain")
    assert page.status_code == 200
    assert "Refrigerador 1" in page.text and "Excursión abierta" in page.text
    assert FACILITY in page.text and "INS-A1" in page.text and "Calor" in page.text
    sign_in_as(services, client, "dr.1", "physician")
    assert client.get("/coldchain").status_code == 403
    assert client.get("/pharmacy/coldchain").status_code == 403


def test_pages_with_nothing_to_show(client: TestClient, services: Services) -> None:
    sign_in_as(services, client, "farm.2", "pharmacist", organization=f"org-{FACILITY}")
    assert "No hay excursiones en esta farmacia." in client.get("/pharmacy/coldchain").text
    sign_in_as(services, client, "reg.2", "regulator")
    empty = client.get("/coldchain", headers={"Accept-Language": "en"})
    assert empty.status_code == 200
    assert "No loggers." in empty.text or "No hay registradores." in empty.text
