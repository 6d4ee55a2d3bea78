"""The pharmacy counter pages through the HTTP app on both stores: the queue of prescriptions
routed to the pharmacy, the FEFO pick list, scan-to-dispense, a refused scan changing nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import inventory
from tests.integration.claims.claims_support import PHARMACY
from tests.integration.pharmacy.dispense_support import pharmacy_world, prescribed, stock
from tests.integration.test_web_shell import cheap_hasher, sign_in_as
from tests.support.prescriptions import metformin_rx

__all__ = ["cheap_hasher"]


@pytest.fixture
def world(services: Services) -> Services:
    return pharmacy_world(services)


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def as_pharmacist(world: Services, web: TestClient, org: str | None = f"org-{PHARMACY}") -> None:
    fields = {"organization": org} if org else {}
    sign_in_as(world, web, f"farm.{org}", "pharmacist", **fields)


def routed(world: Services) -> str:
    request = metformin_rx()["dispenseRequest"]
    request["performer"] = {"reference": f"Organization/org-{PHARMACY}"}
    return prescribed(world, dispenseRequest=request)


def on_hand(world: Services) -> int:
    with world.db.read() as conn:
        return sum(lv.on_hand for lv in inventory.stock_on_hand(conn, PHARMACY))


def test_queue_pick_list_and_dispense(world: Services, web: TestClient) -> None:
    packs = stock(world, 3)
    rx = routed(world)
    as_pharmacist(world, web)
    queue = web.get("/pharmacy/dispense")
    assert queue.status_code == 200 and f'href="/pharmacy/dispense/{rx}"' in queue.text
    assert 'href="/pharmacy/dispense"' in queue.text  # the navigation link
    walk_in = web.get("/pharmacy/dispense?patient=p-imss")
    assert f"/pharmacy/dispense/{rx}" in walk_in.text
    scan = web.get(f"/pharmacy/dispense/{rx}")
    assert scan.status_code == 200 and 'id="picks"' in scan.text
    assert re.search(r"<th scope=\"row\">L1</th><td>2027-12-31</td><td>2</td>", scan.text)
    token = re.search(r'name="csrf" value="([^"]+)"', scan.text)
    assert token
    done = web.post(
        f"/pharmacy/dispense/{rx}", data={"csrf": token.group(1), "packs": "\n".join(packs[:2])}
    )
    assert done.status_code == 200, done.text
    assert 'id="done"' in done.text and 'id="patient-pays">$0.00' in done.text
    assert on_hand(world) == 1
    sign_in_as(world, web, "dr.fills", "physician")  # the fill status on the patient page
    record = web.get("/patients/p-imss")
    assert record.status_code == 200 and "1 de 3 surtidos · próximo" in record.text


def test_a_refused_scan_says_why_and_changes_nothing(world: Services, web: TestClient) -> None:
    packs = stock(world, 2)
    rx = routed(world)
    as_pharmacist(world, web)
    scan = web.get(f"/pharmacy/dispense/{rx}")
    token = re.search(r'name="csrf" value="([^"]+)"', scan.text)
    assert token
    twice = "\n".join([packs[0], packs[0]])
    refused = web.post(f"/pharmacy/dispense/{rx}", data={"csrf": token.group(1), "packs": twice})
    assert refused.status_code == 400 and 'id="refused"' in refused.text
    assert "scanned twice" in refused.text and packs[0] in refused.text  # the box keeps the scans
    assert on_hand(world) == 2


def test_who_uses_the_counter(world: Services, web: TestClient) -> None:
    rx = routed(world)
    as_pharmacist(world, web)
    assert web.post(f"/pharmacy/dispense/{rx}", data={"packs": "x"}).status_code == 400  # no CSRF
    assert web.get("/pharmacy/dispense/nobody").status_code == 404
    assert web.get("/pharmacy/dispense?patient=bad id").status_code == 400
    sign_in_as(world, web, "enf.2", "nurse")
    assert web.get("/pharmacy/dispense").status_code == 403
    as_pharmacist(world, web, org=None)
    assert web.get("/pharmacy/dispense").status_code == 400


def test_stock_and_expiries(world: Services, web: TestClient) -> None:
    stock(world, 3)
    as_pharmacist(world, web)
    page = web.get("/pharmacy/stock")
    assert page.status_code == 200 and 'id="on-hand"' in page.text
    assert "L1 (2027-12-31: 3)" in page.text and 'id="expired-none"' in page.text
    assert 'id="soon-none"' in page.text  # 2027-12-31 is not within 60 days of 2026-01-01
    short_dated = inventory.StockEvent(
        inventory.RECEIPT,
        PHARMACY,
        (inventory.Item("metformin-850-tab", "L0", 2, date(2026, 2, 15)),),
        datetime(2026, 1, 1, 9, tzinfo=UTC),
        counterpart="distribution-center",
    )
    with world.db.begin() as conn:
        inventory.StockLedger(clock=world.repo.clock).record(conn, short_dated)
    soon = web.get("/pharmacy/stock?days=90")
    assert soon.status_code == 200 and 'id="soon"' in soon.text and "2026-02-15" in soon.text
    assert web.get("/pharmacy/stock?days=0").status_code == 400
    assert web.get("/pharmacy/stock?days=many").status_code == 400
    sign_in_as(world, web, "enf.3", "nurse")
    assert web.get("/pharmacy/stock").status_code == 403


def test_charging_a_patient_without_a_wallet_is_refused(world: Services, web: TestClient) -> None:
    packs = stock(world, 2)
    request = metformin_rx()["dispenseRequest"]
    request["performer"] = {"reference": f"Organization/org-{PHARMACY}"}
    rx = prescribed(world, subject={"reference": "Patient/p-none"}, dispenseRequest=request)
    as_pharmacist(world, web)
    scan = web.get(f"/pharmacy/dispense/{rx}")
    token = re.search(r'name="csrf" value="([^"]+)"', scan.text)
    assert token and 'id="wallet"' in scan.text
    form = {"csrf": token.group(1), "packs": "\n".join(packs), "wallet": "1"}
    refused = web.post(f"/pharmacy/dispense/{rx}", data=form)
    assert refused.status_code == 422 and "no family wallet" in refused.text
    assert on_hand(world) == 2
