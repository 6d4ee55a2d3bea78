"""The simulator's seeded association (sim/actors/vigilance.py) through the real capture path:
a short scenario where enalapril causes cough 8 times as often as background; detection over
the stored cases flags enalapril-cough by PRR, ROR and IC."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules import vigilance
from enlace.modules.catalog import load_catalogs
from enlace.sim.actors.vigilance import Seed, VigilanceActor
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate


def test_simulated_seeded_signal_is_detected(services: Services) -> None:
    load_catalogs(services)
    load_population(services, generate(200, 11, ["CMX"]))
    actor = VigilanceActor(Seed("enalapril", "10011224", 8.0), daily_rate=0.05)
    run_scenario(services, 30, actors=[actor])
    assert actor.reports > 200  # about 200 people x 30 days x 0.05
    with services.db.begin() as conn:
        found = {(s.drug, s.event): s for s in vigilance.detect(conn, 0)}
    assert found[("enalapril", "10011224")].methods == ("PRR", "ROR", "IC")
    assert [k for k, s in found.items() if len(s.methods) == 3] == [("enalapril", "10011224")]
