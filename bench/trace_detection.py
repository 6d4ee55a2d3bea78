"""The supply chain in the scenario driver: its cost per simulated day and how well trace detects
the seeded fraud.

.venv/bin/python bench/trace_detection.py [--patients 5000] [--days 90] [--db sqlite|postgres]
    [--states CMX,JAL,NLE] [--counterfeit 0.01] [--diverted 0.005] [--baseline]

Loads a population, runs `--days` of the scenario with every actor (care, screening, coverage,
manufacturer, distributor, pharmacy), then scores the alerts trace raised against the ground
truth (`var/sim/trace-s{seed}.jsonl`): recall on the counterfeit and diverted packs, false alarms
on the legitimate ones. Times each actor's days, and capture itself (events through
`trace.capture`, all in the days' transactions). `--baseline` also runs the same days without
the supply actors on a second database, for the difference they make. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text

from common import database, emit
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules import catalog, trace
from enlace.sim.actor import Actor, Day
from enlace.sim.actors import discover, ordered
from enlace.sim.actors.pharmacy import PharmacyActor
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from enlace.sim.supply_chain import SUPPLY_ACTORS
from enlace.sim.supply_fraud import FraudRates
from enlace.sim.supply_truth import read_truth, score, truth_path

SEED = 42


class Timed:
    """An actor whose days are timed (seconds per actor name)."""

    def __init__(self, actor: Actor, spent: Counter[str]) -> None:
        self.actor, self.spent = actor, spent
        self.name, self.after = actor.name, actor.after

    def begin(self, world: Any, first_day: int, last_day: int) -> None:
        started = time.perf_counter()
        self.actor.begin(world, first_day, last_day)
        self.spent[f"{self.name}_begin"] += time.perf_counter() - started

    def day(self, today: Day) -> None:
        started = time.perf_counter()
        self.actor.day(today)
        self.spent[self.name] += time.perf_counter() - started


class CaptureMeter:
    """Wraps `trace.capture` (the supply actors call it through the module) to count and time."""

    def __init__(self) -> None:
        self.events = 0
        self.seconds = 0.0
        self.original = trace.capture

    def __call__(self, conn: Any, document: Any, now: Any) -> trace.CaptureReport:
        started = time.perf_counter()
        report = self.original(conn, document, now)
        self.seconds += time.perf_counter() - started
        self.events += report.accepted
        return report


def actors(rates: FraudRates, with_supply: bool) -> list[Actor]:
    chosen = [a for a in discover() if a.name != "pharmacy"]
    if not with_supply:
        return [a for a in chosen if a.name not in SUPPLY_ACTORS]
    return ordered([*chosen, PharmacyActor(rates)])


def prepared(url: str, workdir: Path, patients: int, states: list[str]) -> Services:
    services = build(Settings.from_env(database_url=url, var_dir=workdir, log_requests=False))
    catalog.load_catalogs(services)
    load_population(services, generate(patients, SEED, states))
    return services


def packs_and_states(services: Services) -> dict[str, int]:
    with services.db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT state, count(*) FROM trace_epcis_objects WHERE epc LIKE '%/21/%' GROUP BY state"
            )
        ).all()
    return {state: count for state, count in rows}


def run(args: argparse.Namespace) -> dict[str, Any]:
    states = args.states.split(",")
    rates = FraudRates(args.counterfeit, args.diverted)
    out: dict[str, Any] = {"bench": "trace_detection", "db": args.db, "patients": args.patients}
    out |= {"days": args.days, "counterfeit_rate": args.counterfeit, "diverted_rate": args.diverted}
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        started = time.perf_counter()
        services = prepared(url, Path(tmp), args.patients, states)
        out["load_s"] = round(time.perf_counter() - started, 1)
        spent: Counter[str] = Counter()
        meter = CaptureMeter()
        trace.capture = meter  # type: ignore[assignment]  # the actors look it up per call
        try:
            started = time.perf_counter()
            report = run_scenario(
                services, args.days, actors=[Timed(a, spent) for a in actors(rates, True)]
            )
            elapsed = time.perf_counter() - started
        finally:
            trace.capture = meter.original  # type: ignore[assignment]
        with services.db.read() as conn:
            alerts = trace.alert_kinds_by_epc(conn)
        truth = read_truth(truth_path(tmp, SEED))
        out |= {
            "run_s": round(elapsed, 1),
            "resources": report.resources,
            "packs_by_state": packs_and_states(services),
            "events": meter.events,
            "capture_s": round(meter.seconds, 1),
            "capture_events_per_s": round(meter.events / max(meter.seconds, 1e-9)),
            "actor_s": {name: round(s, 1) for name, s in sorted(spent.items())},
            **score(truth, alerts).summary(),
        }
        services.db.dispose()
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
            services = prepared(url, Path(tmp), args.patients, states)
            started = time.perf_counter()
            run_scenario(services, args.days, actors=actors(rates, False))
            out["run_without_supply_s"] = round(time.perf_counter() - started, 1)
            services.db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--states", default="CMX,JAL,NLE")
    parser.add_argument("--counterfeit", type=float, default=FraudRates.counterfeit)
    parser.add_argument("--diverted", type=float, default=FraudRates.diverted)
    parser.add_argument("--baseline", action="store_true")
    emit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
