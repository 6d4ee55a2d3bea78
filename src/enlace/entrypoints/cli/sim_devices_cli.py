"""`enlace sim alert-quality` and `enlace sim run --devices-share`: the simulated home devices
(sim/devices) and how well the alert rules find their true episodes (sim/alert_quality.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import typer

from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.sim.actor import Actor
from enlace.sim.actors import discover
from enlace.sim.actors.devices import NAME, DevicesActor
from enlace.sim.alert_quality import Quality, patient_months, score, stored_alerts
from enlace.sim.devices.common import local_midnight_us
from enlace.sim.devices.enrollment import DeviceSettings
from enlace.sim.devices.truth import TruthFileError, read_truth, truth_path
from enlace.sim.driver import CatalogMissing, ScenarioMissing, scenario_world, simulated_days

SHARE_HELP = "Share (0-1) of the eligible patients given home devices (default 0.1)."


def devices_actors(actors: list[Actor] | None, share: str) -> list[Actor] | None:
    """`actors` (None: all) with the devices actor enrolling `share` of the eligible patients;
    ValueError naming --devices-share when it is not a number from 0 to 1."""
    if not share:
        return actors
    try:
        settings = DeviceSettings(share=float(share))
    except ValueError:
        raise ValueError(f"--devices-share must be a number from 0 to 1, not {share!r}") from None
    chosen = discover() if actors is None else actors
    return [DevicesActor(settings) if a.name == NAME else a for a in chosen]


def measure(services: Services) -> dict[str, Any]:
    """Score the stored scenario's alerts against its truth file (ScenarioMissing,
    TruthFileError when there is nothing to score)."""
    world = scenario_world(services)
    days = simulated_days(services)
    if days == 0:
        raise ScenarioMissing("the scenario has not run yet: `enlace sim run --days N`")
    end_us = local_midnight_us(world.scenario.start, days)
    episodes = read_truth(truth_path(services.settings.var_dir, world.seed))
    with services.db.read() as conn:
        alerts = stored_alerts(conn, services.repo)
        patients, months = patient_months(conn, end_us)
    quality = score(episodes, alerts, months, end_us)
    return summary(quality, patients, days)


def summary(quality: Quality, patients: int, days: int) -> dict[str, Any]:
    def kind_row(k: Any) -> dict[str, Any]:
        return {
            "episodes": k.episodes,
            "detected": k.detected,
            "sensitivity": _round(k.sensitivity),
            "observed": k.observed,
            "observed_detected": k.observed_detected,
            "observed_sensitivity": _round(k.observed_sensitivity),
            "median_lead_h": _round(k.median_lead_hours, 1),
        }

    return {
        "days": days,
        "monitored_patients": patients,
        "patient_months": round(quality.patient_months, 1),
        "kinds": {k.kind: kind_row(k) for k in [*quality.kinds, quality.total()]},
        "alerts": quality.alerts,
        "non_actionable": quality.non_actionable,
        "late": quality.late,
        "non_actionable_per_patient_month": _round(quality.non_actionable_per_patient_month),
        "by_rule": {r: {"alerts": a, "non_actionable": n} for r, (a, n) in quality.by_rule.items()},
        "pending_episodes": quality.pending_episodes,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_table(result: dict[str, Any], echo: Callable[[str], Any] = typer.echo) -> None:
    echo(
        f"{result['days']} days, {result['monitored_patients']} monitored patients, "
        f"{result['patient_months']} patient-months"
    )
    echo(f"{'episode kind':<20}{'episodes':>9}{'found':>7}{'sens.':>8}"
         f"{'observed':>10}{'found':>7}{'sens.':>8}{'median lead h':>15}")  # fmt: skip
    for kind, k in result["kinds"].items():
        lead = "-" if k["median_lead_h"] is None else f"{k['median_lead_h']:.1f}"
        echo(
            f"{kind:<20}{k['episodes']:>9}{k['detected']:>7}{_pct(k['sensitivity']):>8}"
            f"{k['observed']:>10}{k['observed_detected']:>7}"
            f"{_pct(k['observed_sensitivity']):>8}{lead:>15}"
        )
    rate = result["non_actionable_per_patient_month"]
    echo(
        f"alerts {result['alerts']}, late {result['late']}, "
        f"non-actionable {result['non_actionable']} "
        f"({'-' if rate is None else f'{rate:.2f}'} per patient-month); "
        f"episodes still under way, not scored: {result['pending_episodes']}"
    )
    for rule, counts in result["by_rule"].items():
        echo(
            f"  {rule:<16}{counts['alerts']:>7} alerts{counts['non_actionable']:>7} non-actionable"
        )


def add_device_commands(sim_app: typer.Typer) -> None:
    @sim_app.command("alert-quality")
    def alert_quality_command(
        as_json: bool = typer.Option(False, "--json", help="One JSON object instead of a table."),
    ) -> None:
        """Score the alerts of the simulated devices against the ground truth: sensitivity per
        episode kind, median lead time, non-actionable alerts per patient-month."""
        services = build(Settings.from_env())
        try:
            result = measure(services)
        except (ScenarioMissing, CatalogMissing, TruthFileError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        finally:
            services.db.dispose()
        if as_json:
            typer.echo(orjson.dumps(result).decode())
        else:
            print_table(result)
