"""Stock events through the ledger -> the daily snapshot -> the KPIs computed by hand in
conftest.py, on SQLite and PostgreSQL; reruns replace the day; the dashboard's reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from enlace.kernel.errors import FhirError
from enlace.modules import catalog, supply_kpis
from enlace.modules.inventory import StockLedger
from enlace.modules.supply_kpis.tables import pairs
from enlace.store.database import Database
from tests.integration.supply_kpis.conftest import (
    ABC,
    HERE,
    MET,
    THERE,
    D,
    hand_computed_ledger,
    record,
)

SCOPE = supply_kpis.Scope()
FACILITIES = [f for f in catalog.facilities() if f.slug in (HERE, THERE)]


def snapshot(db: Database, day: date = D) -> supply_kpis.Snapshot:
    """Over the two facilities and three products (one never stocked) to keep it quick; the
    CLI test covers the whole catalog."""
    with db.begin() as conn:
        return supply_kpis.take_snapshot(
            conn,
            day,
            1,
            facilities=FACILITIES,
            products=frozenset({MET, ABC, "insulin-nph-100-vial"}),
        )


def test_snapshot_matches_the_hand_computed_kpis(db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    taken = snapshot(db)
    with db.read() as conn:
        rows = {
            (r.facility, r.product): r
            for r in conn.execute(select(pairs).where(pairs.c.day == D.isoformat()))
        }
    assert set(rows) == {(HERE, MET), (HERE, ABC), (THERE, MET)}
    met, abc, there = rows[(HERE, MET)], rows[(HERE, ABC)], rows[(THERE, MET)]
    assert (met.on_hand, met.issued, met.days_out, met.stocked_out) == (0, 30, 56, 1)
    assert met.amc == pytest.approx(80 / 3, abs=1e-4) and met.months_of_stock == 0
    assert met.plan == supply_kpis.UNDER
    assert (abc.on_hand, abc.issued, abc.days_out, abc.amc, abc.months_of_stock) == (9, 3, 80, 9, 1)
    assert abc.plan == supply_kpis.WITHIN and abc.days_of_stock == pytest.approx(30)
    assert (there.on_hand, there.amc, there.months_of_stock, there.plan) == (
        5,
        0,
        None,
        supply_kpis.UNKNOWN,
    )
    assert (met.reported, abc.reported, there.reported) == (1, 1, 0)
    network = next(r for r in taken.rollups if r.level == "network" and r.product == "*")
    assert (network.pairs, network.stocked_out, network.assessed, network.within_plan) == (
        3,
        1,
        2,
        1,
    )
    assert (network.facilities, network.reported) == (2, 1)
    [alert] = taken.alerts
    assert (alert.facility, alert.product, alert.on_hand, alert.days_to_delivery) == (
        HERE,
        ABC,
        9,
        57,
    )
    assert (alert.next_delivery, alert.shortfall) == (date(2026, 4, 30), 9)


def test_a_rerun_replaces_the_day(db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    snapshot(db)
    record(db, ledger, "issue", THERE, MET, 5, 1)  # THERE runs dry the day before D
    snapshot(db)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(pairs)).scalar() == 3
        [series] = supply_kpis.stock_out_series(conn, SCOPE, D, D)
    assert (series.count, series.of) == (2, 3)


def test_a_product_run_dry_stays_expected_the_next_day(db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    snapshot(db, D - timedelta(days=1))
    record(db, ledger, "issue", THERE, MET, 5, 0)  # on D: THERE is empty, no balance left
    snapshot(db)
    with db.read() as conn:
        series = supply_kpis.stock_out_series(conn, SCOPE, D - timedelta(days=7), D)
        worst = supply_kpis.worst_facilities(conn, SCOPE, D)
        products = supply_kpis.worst_products(conn, SCOPE, D)
        alone = supply_kpis.worst_products(conn, supply_kpis.Scope(facility=THERE), D)
    assert [(s.name, s.count, s.of) for s in series] == [("2026-03-03", 1, 3), ("2026-03-04", 2, 3)]
    assert [(w.name, w.count, w.of, w.extra) for w in worst] == [
        (THERE, 1, 1, 1.0),
        (HERE, 1, 2, 1.0),
    ]
    assert [(p.name, p.count, p.of) for p in products] == [(MET, 2, 2), (ABC, 0, 1)]
    assert [(p.name, p.count, p.of) for p in alone] == [(MET, 1, 1)]


def test_reads_by_state_institution_and_facility(db: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(db, ledger)
    snapshot(db)
    with db.read() as conn:
        by_state = supply_kpis.stock_out_series(conn, supply_kpis.Scope(state="09"), D, D)
        elsewhere = supply_kpis.stock_out_series(conn, supply_kpis.Scope(state="14"), D, D)
        both = supply_kpis.Scope(state="09", institution="imss", facility=THERE)
        narrow = supply_kpis.stock_out_series(conn, both, D, D)
        lowest = supply_kpis.lowest_months_of_stock(conn, SCOPE, D)
        alerts = supply_kpis.runout_alerts(conn, supply_kpis.Scope(facility=THERE), D)
    assert [(s.count, s.of) for s in by_state] == [(1, 3)]
    assert elsewhere == []
    assert [(s.count, s.of) for s in narrow] == [(0, 1)]
    assert [(r.facility, r.product, r.months_of_stock) for r in lowest] == [(HERE, ABC, 1.0)]
    assert alerts == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [("facility", "clinic-nowhere"), ("state", "99"), ("institution", "acme"), ("product", "x")],
)
def test_unknown_filters_are_404_naming_the_parameter(kind: str, value: str) -> None:
    with pytest.raises(FhirError) as caught:
        supply_kpis.check_filter(kind, value)
    assert caught.value.status == 404 and caught.value.issues[0].expression == kind


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-3-4", "2026-03-05"])
def test_bad_or_future_days_are_400(value: str) -> None:
    with pytest.raises(FhirError) as caught:
        supply_kpis.parse_day(value, D)
    assert caught.value.status == 400 and caught.value.issues[0].expression == "date"


def test_a_day_without_snapshot_is_404(db: Database) -> None:
    with db.read() as conn, pytest.raises(FhirError) as caught:
        supply_kpis.require_snapshot(conn, D)
    assert caught.value.status == 404


def test_an_empty_ledger_gives_an_empty_snapshot(db: Database) -> None:
    taken = snapshot(db)
    assert taken.ledger.size == 0 and taken.rollups == [] and taken.alerts == []
    with db.read() as conn:
        assert supply_kpis.snapshot_days(conn, D, D) == [D]
        assert supply_kpis.stock_out_series(conn, SCOPE, D, D) == []
