"""The simulation's fridge (sim/actors/coldchain.py) on both stores: its logger reports through
ingestion every day, the door left ajar on the 30th day (here the 8th) opens one heat excursion that quarantines the
pharmacy's insulin, the simulated pharmacist releases it the next morning before the pharmacy's
day, and the supply chain keeps running."""

from __future__ import annotations

import pytest

from enlace.interactions.context import Services
from enlace.modules import coldchain
from enlace.modules.catalog import load_catalogs
from enlace.modules.coldchain import views
from enlace.sim.actors import coldchain as sim_coldchain
from enlace.sim.actors import discover
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate

SUPPLY = (
    "care",
    "coverage",
    "manufacturer",
    "distributor",
    "pharmacy",
    "coldchain",
    "coldchain-pharmacist",
)


def test_the_simulated_fridge_has_one_excursion_released_next_morning(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim_coldchain, "EXCURSION_EVERY", 8)  # day 7 instead of 29: faster
    load_catalogs(services)
    load_population(services, generate(120, 3, ["CMX", "JAL"]))
    actors = [a for a in discover() if a.name in SUPPLY]
    run_scenario(services, 8, actors=actors)  # days 0-7: the excursion on the last one
    with services.db.read() as conn:
        (fridge,) = coldchain.loggers.list_loggers(conn)
        (open_one,) = views.list_excursions(conn)
        held = coldchain.quarantined_stock(conn)
    assert (open_one.kind, open_one.status, fridge.place_kind) == ("heat", "open", "fridge")
    # 11 h at 9.4-9.9 °C from 08:00 local.
    assert open_one.end_us is not None and open_one.end_us - open_one.start_us == 11 * 3_600_000_000
    assert 9.4 <= open_one.peak_c <= 9.9
    assert {h.facility for h in held} <= {fridge.facility}  # its cold-chain lots, if any yet
    run_scenario(services, 1, actors=actors)  # day 8: released before the pharmacy's day
    with services.db.read() as conn:
        (released,) = views.list_excursions(conn)
        assert released.status == "released" and coldchain.quarantined_stock(conn) == []
