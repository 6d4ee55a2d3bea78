"""The stock-out dashboard /supply through the HTTP app on both stores: what each role sees,
the pharmacist's own facility, filters, and bad input as a 4xx page (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import catalog, supply_kpis
from enlace.modules.inventory import StockLedger
from enlace.store.database import Database
from tests.integration.supply_kpis.conftest import ABC, HERE, MET, THERE, D, hand_computed_ledger
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def snapshotted(db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    places = [f for f in catalog.facilities() if f.slug in (HERE, THERE)]
    with db.begin() as conn:
        supply_kpis.take_snapshot(conn, D, 1, facilities=places, products=frozenset({MET, ABC}))


def test_analyst_sees_the_network(web: TestClient, services: Services, snapshotted: None) -> None:
    sign_in_as(services, web, "analista", "analyst")
    page = web.get("/supply")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<html lang="es-MX">' in text and 'href="/supply" aria-current="page"' in text
    assert "Foto del 2026-03-04" in text
    assert "1 de 3 productos esperados en cero (33.3 %)" in text
    assert 'id="chart-stock-out"' in text and "AbastoNET" in text
    worst = text[
        text.index('id="worst-facilities"') : text.index(
            "</table>", text.index('id="worst-facilities"')
        )
    ]
    assert worst.index(HERE) < worst.index(THERE)  # 1 of 2 at zero before 0 of 1
    assert 'id="alerts"' in text and "2026-04-30 (57)" in text
    assert "<script" not in text and "style=" not in text
    english = web.get("/supply", params={"lang": "en", "state": "09", "institution": "imss"})
    assert english.status_code == 200 and "1 of 3 expected products at zero" in english.text


def test_pharmacist_sees_only_their_facility(
    web: TestClient, services: Services, snapshotted: None
) -> None:
    sign_in_as(services, web, "farma", "pharmacist", organization=f"org-{THERE}")
    page = web.get("/supply")
    assert page.status_code == 200, page.text
    assert "0 de 1 productos esperados en cero" in page.text and HERE not in page.text
    assert web.get("/supply", params={"facility": HERE}).status_code == 403
    assert web.get("/supply", params={"facility": THERE}).status_code == 200


def test_no_snapshot_yet(web: TestClient, services: Services, db: Database) -> None:
    sign_in_as(services, web, "regulador", "regulator")
    page = web.get("/supply")
    assert page.status_code == 200 and 'id="no-snapshots"' in page.text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"state": "99"}, 404),
        ({"institution": "acme"}, 404),
        ({"facility": "clinic-nowhere"}, 404),
        ({"date": "2026-02-30"}, 400),
        ({"date": "mañana"}, 400),
        ({"date": "2999-01-01"}, 400),
        ({"date": "2025-12-31"}, 404),  # no snapshot that day (today is 2026-01-01)
        ({"colour": "red"}, 400),
    ],
)
def test_bad_input_is_a_4xx_page(
    web: TestClient, services: Services, snapshotted: None, params: dict[str, str], status: int
) -> None:
    sign_in_as(services, web, "admin", "administrator")
    page = web.get("/supply", params=params)
    assert page.status_code == status, page.text


@pytest.mark.parametrize("role", ["patient", "physician", "payer"])
def test_other_roles_are_refused(
    web: TestClient, services: Services, db: Database, role: str
) -> None:
    extra = {"patients": ("p1",)} if role == "patient" else {}
    sign_in_as(services, web, f"u-{role}", role, **extra)
    assert web.get("/supply").status_code == 403
