"""Requisitions on the live ledger, SQLite and PostgreSQL: order quantities computed by hand from
the supply_kpis fixture ledger, SupplyRequests stored through the FHIR store, a transfer of
surplus near expiry, and a rerun of the day replacing its suggestions.

Day D = 2026-03-04, HERE delivered every 60 days (R = 2 months), L = 0.25 month: cover 2.25.
- HERE metformin (essential, z 1.644854): N = 80 -> mu 26.6667/month, sigma sqrt(mu) 5.16398;
  S = 26.6667 x 2.25 + 1.644854 x 5.16398 x 1.5 = 60 + 12.7409 = 72.74, 0 on hand -> order 73,
  stocked-out.
- HERE abacavir/lamivudine/dolutegravir (ARV, z 2.326348): mu 9, sigma 3;
  S = 20.25 + 2.326348 x 3 x 1.5 = 30.7186, 9 on hand -> order 22.
- THERE metformin (weekly, no demand): S 0 -> no order. With 40 more of lot L2 expiring in
  30 days and no demand there, the 40 are surplus: transferred to HERE (0 days of stock), whose
  order falls to 73 - 40 = 33.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.ids import seeded_ids
from enlace.modules import catalog
from enlace.modules.inventory import Item, StockEvent, StockLedger
from enlace.modules.supply import requisition_reads, requisitions
from enlace.modules.supply.tables import SUPPLY_TABLES, suggestions
from enlace.store.database import Database
from tests.integration.inventory.conftest import empty_inventory_tables
from tests.integration.supply_kpis.conftest import (
    ABC,
    EXPIRY,
    HERE,
    MET,
    THERE,
    D,
    empty_kpi_tables,
    hand_computed_ledger,
)
from tests.support.emptying import empty_tables

FACILITIES = [f for f in catalog.facilities() if f.slug in (HERE, THERE)]
PRODUCTS = [MET, ABC]


@pytest.fixture
def db(services: Services) -> Iterator[Database]:
    empty_inventory_tables(services.db)
    empty_kpi_tables(services.db)
    if services.db.dialect == "postgresql":
        with services.db.begin() as conn:
            empty_tables(conn, SUPPLY_TABLES)
    yield services.db


@pytest.fixture
def ledger() -> StockLedger:
    return StockLedger(clock=lambda: datetime(2026, 3, 6, tzinfo=UTC), ids=seeded_ids(5))


def _run(services: Services) -> list[requisitions.Suggestion]:
    with services.db.read() as conn:
        found = requisitions.plan(conn, D, facilities=FACILITIES, products=PRODUCTS)
    with services.db.begin() as conn:
        requisitions.write(conn, services.repo, D, found, 1)
    return found


def test_orders_match_the_hand_computed_levels(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    hand_computed_ledger(db, ledger)
    found = {(s.facility, s.product): s for s in _run(services) if s.kind == "order"}
    assert set(found) == {(HERE, MET), (HERE, ABC)}
    met, abc = found[(HERE, MET)], found[(HERE, ABC)]
    assert (met.quantity, met.reason, met.on_hand) == (73, "stocked-out", 0)
    assert met.order_up_to == pytest.approx(72.7409, abs=1e-3)
    assert (abc.quantity, abc.reason, abc.on_hand) == (22, "below-order-up-to", 9)
    with db.read() as conn:
        rows = requisitions.read_day(conn, D, HERE)
        stored = services.repo.read(conn, "SupplyRequest", rows[0]["request_id"]).resource()
    assert stored["status"] == "active"
    assert stored["quantity"]["value"] == rows[0]["quantity"]
    assert stored["deliverFrom"]["reference"].startswith("Organization/org-distribution-center")
    assert stored["deliverTo"]["reference"] == f"Organization/org-{HERE}"
    assert stored["itemReference"]["reference"] == f"Medication/med-{rows[0]['product']}"


def test_surplus_near_expiry_is_transferred_and_a_rerun_replaces_the_day(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    hand_computed_ledger(db, ledger)
    soon = D + timedelta(days=30)
    with db.begin() as conn:
        item = Item(MET, "L2", 40, soon)
        when = datetime(2026, 3, 3, 10, tzinfo=UTC)
        ledger.record(conn, StockEvent("receipt", THERE, (item,), when))
    first = _run(services)
    transfers = [s for s in first if s.kind == "transfer"]
    assert [(t.source, t.facility, t.product, t.quantity) for t in transfers] == [
        (THERE, HERE, MET, 40)
    ]
    # the 40 transferred are not ordered again: 73 - 40 = 33 from the distribution center
    assert [s.quantity for s in first if s.kind == "order" and s.product == MET] == [33]
    with db.read() as conn:
        old_ids = {r["request_id"] for r in requisitions.read_day(conn, D) if r["request_id"]}
    _run(services)
    with db.read() as conn:
        count = conn.execute(select(func.count()).select_from(suggestions)).scalar()
        new_ids = {r["request_id"] for r in requisitions.read_day(conn, D) if r["request_id"]}
        gone = [services.repo.current(conn, "SupplyRequest", i) for i in old_ids]
    assert count == 3 and len(new_ids) == 2 and not new_ids & old_ids
    assert all(g is None or g.deleted for g in gone)


def test_quarantined_units_are_not_usable_stock(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    """A cold-chain hold (coldchain books it as an adjustment, reason quarantine) takes units
    out of stock on hand: the 9 abacavir combination tablets held on D-1 leave 0 usable, and
    D-1 and D count as days out too (82 instead of 80): N = ceil(3 x 90 / 8) = 34, mu 11.3333,
    S = 11.3333 x 2.25 + 2.326348 x sqrt(11.3333) x 1.5 = 25.5 + 11.7472 = 37.25 -> order 38."""
    hand_computed_ledger(db, ledger)
    with db.begin() as conn:
        held = Item(ABC, "L1", 9, EXPIRY)
        when = datetime(2026, 3, 3, 12, tzinfo=UTC)
        ledger.record(conn, StockEvent("adjustment", HERE, (held,), when, reason="quarantine"))
    found = {(s.facility, s.product): s for s in _run(services) if s.kind == "order"}
    assert (found[(HERE, ABC)].on_hand, found[(HERE, ABC)].quantity) == (0, 38)
    assert found[(HERE, ABC)].reason == "stocked-out"


def test_budget_cuts_the_essential_line_before_the_arv(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    """Metformin 73 x $45.00 = $3,285 and the ARV 22 x $5,600 = $123,200: $126,485 in all.
    Budget $124,500: $1,985 over, cut from metformin: floor(73 x (1 - 1,985 / 3,285)) = 28.
    Budget $120,000: metformin to 0, the ARV cut by 3,200 / 123,200: floor(22 x 0.974) = 21."""
    hand_computed_ledger(db, ledger)

    def orders(budget: int) -> dict[str, int]:
        with db.read() as conn:
            found = requisitions.plan(
                conn, D, facilities=FACILITIES, products=PRODUCTS, budget_centavos=budget
            )
        return {s.product: s.quantity for s in found if s.kind == "order"}

    assert orders(12_450_000) == {MET: 28, ABC: 22}
    assert orders(12_000_000) == {ABC: 21}


def test_forecast_mean_and_spread_set_the_level(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    """With a forecast of 40 a month, spread 10, for HERE metformin (cover 2.25 months):
    S = 40 x 2.25 + 1.644854 x 10 x 1.5 = 90 + 24.6728 = 114.67 -> order 115 (0 on hand).
    A spread below Poisson is raised to it: mean 16, spread 1 -> sigma 4 for the ARV:
    S = 36 + 2.326348 x 4 x 1.5 = 49.958 -> order 50 - 9 = 41."""
    hand_computed_ledger(db, ledger)
    forecasts = {(HERE, MET): (40.0, 10.0), (HERE, ABC): (16.0, 1.0)}
    with db.read() as conn:
        found = requisitions.plan(
            conn, D, facilities=FACILITIES, products=PRODUCTS, forecasts=forecasts
        )
    orders = {s.product: s.quantity for s in found if s.kind == "order" and s.facility == HERE}
    assert orders == {MET: 115, ABC: 41}


def test_run_with_the_demand_forecast_end_to_end(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    """Through supply.demand and supply.forecast (two facilities, two products): HERE, out of
    metformin,
    gets an urgent SupplyRequest; a rerun keeps one request per line."""
    hand_computed_ledger(db, ledger)
    found = requisitions.run(
        db, services.repo, D, 1, services=services, facilities=FACILITIES, products=PRODUCTS
    )
    here = [s for s in found if s.kind == "order" and (s.facility, s.product) == (HERE, MET)]
    assert len(here) == 1 and here[0].quantity > 0 and here[0].reason == "stocked-out"
    requisitions.run(
        db, services.repo, D, 2, services=services, facilities=FACILITIES, products=PRODUCTS
    )
    with db.read() as conn:
        rows = requisitions.read_day(conn, D)
    assert len(rows) == len(found) and all(r["request_id"] for r in rows if r["kind"] == "order")


def test_forecast_accuracy_of_a_past_run(
    services: Services, db: Database, ledger: StockLedger
) -> None:
    """A run 30 days before D expected 20 metformin a month at HERE; in the 30 days after it
    HERE issued 10 (D-20) + 20 (D-5) = 30: WAPE |20 - 30| / 30 = 33.3 %, bias -33.3 %."""
    hand_computed_ledger(db, ledger)
    past = D - timedelta(days=30)
    line = requisitions.Suggestion(
        "order",
        HERE,
        requisitions.distribution_center(),
        MET,
        40,
        0,
        20.0,
        40.0,
        0.0,
        "stocked-out",
    )
    with db.begin() as conn:
        requisitions.write(conn, services.repo, past, [line], 1)
    with db.read() as conn:
        day, rows = requisition_reads.forecast_accuracy(conn, D)
        early, none = requisition_reads.forecast_accuracy(conn, D - timedelta(days=1))
    assert day == past and (early, none) == (None, [])
    assert [(r.product, r.pairs, r.forecast, r.actual) for r in rows] == [(MET, 1, 20.0, 30)]
    assert rows[0].wape == pytest.approx(0.333, abs=1e-3)
    assert rows[0].bias == pytest.approx(-0.333, abs=1e-3)
