"""The supply chain in the scenario driver, on both stores: a small world (300 people, 60 days)
whose manufacturer, distributor and pharmacies capture through trace; a run in pieces captures
what one run captures; every seeded counterfeit and diverted pack raises an alert and no
legitimate pack does; dispensed packs are dispensed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules import trace
from enlace.modules.catalog import facilities, load_catalogs
from enlace.modules.trace.epcis_ids import canonical_epc
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim.actors import discover, ordered
from enlace.sim.actors.pharmacy import PharmacyActor
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from enlace.sim.supply_chain import SUPPLY_ACTORS
from enlace.sim.supply_fraud import COUNTERFEIT_KINDS, DIVERTED_KINDS, FraudRates
from enlace.sim.supply_truth import Truth, read_truth, score, truth_path
from tests.integration.trace_epcis_support import reset

SEED, PEOPLE, DAYS = 5, 300, 60
# Far above the defaults so that a small world shows every kind of fraud.
RATES = FraudRates(counterfeit=0.12, diverted=0.08)


def _actors() -> list[Any]:
    others = [a for a in discover() if a.name != "pharmacy"]
    return ordered([*others, PharmacyActor(RATES)])


def _prepare(services: Services) -> Services:
    reset(services)
    load_catalogs(services)
    load_population(services, generate(PEOPLE, SEED, ["JAL", "NLE", "CMX"]))
    return services


def _run(services: Services, pieces: list[int]) -> None:
    for days in pieces:
        run_scenario(services, days, actors=_actors())


def _captured(services: Services) -> list[bytes]:
    """Every captured event in log order, with its leaf index and record time."""
    out: list[bytes] = []
    after: int | None = None
    with services.db.read() as conn:
        while True:
            page = trace.query_events(conn, trace.EventQuery(after=after, limit=1000))
            out.extend(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in page.events)
            if page.next_after is None:
                return out
            after = page.next_after


def _truth(services: Services) -> list[Truth]:
    return read_truth(truth_path(services.settings.var_dir, SEED))


@pytest.fixture
def whole(services: Services) -> Services:
    _run(_prepare(services), [DAYS])
    return services


def test_a_run_in_pieces_captures_what_one_run_captures(whole: Services, tmp_path: Path) -> None:
    pieces = build(
        Settings.from_env(
            database_url=f"sqlite:///{tmp_path / 'pieces.db'}",
            var_dir=tmp_path / "pieces",
            log_requests=False,
        )
    )
    try:
        _run(_prepare(pieces), [25, 20, 15])
        assert _captured(pieces) == _captured(whole)
        assert _truth(pieces) == _truth(whole)
    finally:
        pieces.db.dispose()


def test_every_fraudulent_pack_is_detected_and_no_legitimate_one(whole: Services) -> None:
    truth = _truth(whole)
    assert {t.kind for t in truth} == {*COUNTERFEIT_KINDS, *DIVERTED_KINDS}
    with whole.db.read() as conn:
        alerts = trace.alert_kinds_by_epc(conn)
    result = score(truth, alerts)
    assert result.missed == [] and result.recall == 1.0
    assert result.false_alarm_epcs == 0 and result.alerts_without_epc == 0
    for kind, row in result.by_kind.items():
        assert row["expected_alert"] == row["packs"], kind


def test_dispensed_packs_are_dispensed_and_shelf_packs_authentic(whole: Services) -> None:
    fraudulent = {t.epc for t in _truth(whole)}
    today = date(2026, 3, 2)
    pharmacies = [facility_location_id(f.slug) for f in facilities(kind="pharmacy")]
    with whole.db.read() as conn:
        page = trace.query_events(conn, trace.EventQuery(biz_step="dispensing", limit=1000))
        scans = [scan for e in page.events for scan in e["epcList"]]
        legitimate = [scan for scan in scans if canonical_epc(scan) not in fraudulent]
        dispensed = {trace.verify_pack(conn, scan, today).status for scan in legitimate}
        shelf = trace.packs_at(conn, pharmacies)
        on_shelf = {trace.verify_pack(conn, p.epc, today).status for p in shelf[:200]}
    assert len(legitimate) > 50 and dispensed == {"already_dispensed"}
    assert shelf and on_shelf == {"authentic"}


def test_the_supply_actors_run_after_care_in_chain_order() -> None:
    names = [a.name for a in discover()]
    positions = [names.index(n) for n in ("care", *SUPPLY_ACTORS)]
    assert positions == sorted(positions)


def test_the_ledger_and_the_dispenses_tell_the_trace_story(whole: Services) -> None:
    """Every pack the pharmacies issued in the stock ledger is a pack of a MedicationDispense,
    every MedicationDispense's packs are dispensed in the transparency log, and the ledger's
    stock on hand never went below zero (the database refuses it)."""
    from datetime import UTC, datetime

    from enlace.modules import inventory

    since, until = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    with whole.db.read() as conn:
        dispensed = [v.resource() for v in _all(whole, conn, "MedicationDispense")]
        issued = sum(
            inventory.consumption(conn, slug, product, since, until)
            for slug in {d["performer"][0]["actor"]["reference"][17:] for d in dispensed}
            for product in {d["medicationReference"]["reference"][15:] for d in dispensed}
        )
        packs = [e["valueString"] for d in dispensed for e in d["extension"]]
        verdicts = {trace.verify_pack(conn, p, date(2100, 1, 1)).status for p in packs[:200]}
    assert dispensed and issued == len(packs)
    assert verdicts <= {"already_dispensed", "expired"}, verdicts
    assert all(whole.validate(d) == [] for d in dispensed[:50])


def _all(services: Services, conn: Any, kind: str) -> list[Any]:
    found, after = [], None
    while page := services.repo.scan(conn, kind, after, 1000):
        found += page
        after = page[-1].id
    return found
