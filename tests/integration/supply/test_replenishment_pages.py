"""The replenishment pages through the HTTP app on both stores: a pharmacist's suggested order
(Spanish by default, English on request, the forecast chart), the network's expected
stock-outs, role checks, and bad input as a 4xx page (never a 500). Quantities: see
test_requisitions (HERE metformin 73 stocked-out, abacavir combination 22)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.inventory import StockLedger
from enlace.store.database import Database
from tests.integration.supply import test_requisitions as base
from tests.integration.supply_kpis.conftest import ABC, HERE, MET, THERE, hand_computed_ledger
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
db = base.db
ledger = base.ledger


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def planned(services: Services, db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    base._run(services)


def test_pharmacist_sees_their_suggested_order(
    web: TestClient, services: Services, planned: None
) -> None:
    sign_in_as(services, web, "farma", "pharmacist", organization=f"org-{HERE}")
    page = web.get("/supply/orders")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<html lang="es-MX">' in text and "Pedido del 2026-03-04" in text
    lines = text[text.index('id="order-lines"') : text.index("</table>")]
    assert MET in lines and ABC in lines
    assert "<td>73</td>" in lines and "<td>22</td>" in lines
    # metformin: on hand 0, 26.7 a month, order-up-to 72.74 shown rounded, order 73
    assert "<td>0</td><td>26.7</td><td>73</td><td>73</td><td>En cero: pedido urgente</td>" in lines
    assert 'id="chart-forecast"' in text and "Pronóstico" in text
    assert "<script" not in text and "style=" not in text
    english = web.get("/supply/orders", params={"lang": "en", "product": ABC})
    assert english.status_code == 200 and "Suggested order" in english.text
    assert "Stock below the order-up-to level" in english.text
    assert web.get("/supply/orders", params={"facility": THERE}).status_code == 403
    assert web.get("/supply/outlook").status_code == 403


def test_network_sees_expected_stockouts(
    web: TestClient, services: Services, planned: None
) -> None:
    sign_in_as(services, web, "analista", "analyst")
    page = web.get("/supply/outlook")
    assert page.status_code == 200, page.text
    table = page.text[page.text.index('id="expected-stockouts"') :]
    # HERE metformin: 0 days of stock; the ARV: 9 / (9 / 30) = 30 days, not under 30
    assert "1 pares unidad-producto se quedarían sin existencia en 30 días." in page.text
    assert MET in table and ABC not in table.split("</table>")[0]
    # no run 30 or more days before the test clock's today to score yet
    assert 'id="no-accuracy"' in page.text and "Exactitud del pronóstico" in page.text
    assert web.get("/supply/outlook", params={"state": "14"}).status_code == 200
    assert 'id="no-stockouts"' in web.get("/supply/outlook", params={"state": "14"}).text
    chosen = web.get("/supply/orders", params={"facility": HERE})
    assert chosen.status_code == 200 and "<td>73</td>" in chosen.text
    assert 'id="pick-facility"' in web.get("/supply/orders").text


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/supply/outlook", {"date": "2026-13-01"}, 400),
        ("/supply/outlook", {"date": "2030-01-01"}, 400),
        ("/supply/outlook", {"date": "2025-12-31"}, 404),
        ("/supply/outlook", {"state": "99"}, 404),
        ("/supply/outlook", {"nope": "1"}, 400),
        ("/supply/orders", {"facility": HERE, "product": "no-such-medicine"}, 404),
    ],
)
def test_bad_input_is_a_4xx_page(
    web: TestClient,
    services: Services,
    planned: None,
    path: str,
    params: dict[str, str],
    status: int,
) -> None:
    sign_in_as(services, web, "regulador", "regulator")
    assert web.get(path, params=params).status_code == status
