"""What the demo steps of the care, home-care, vigilance and registry commands share: the
services, the stored scenario's world and the days it has run; a clear error (exit 2) when the
population or the run is missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.sim.actor import World
from enlace.sim.driver import CatalogMissing, ScenarioMissing, scenario_world, simulated_days

T = TypeVar("T")


def run_on_world(work: Callable[[Services, World, int], T]) -> T:
    """Run `work(services, world, days_run)`; refused before `enlace sim run`."""
    services = build(Settings.from_env())
    try:
        world = scenario_world(services)
        days = simulated_days(services)
        if days == 0:
            typer.echo("error: the scenario has not run yet: `enlace sim run --until N`", err=True)
            raise typer.Exit(2)
        return work(services, world, days)
    except (ScenarioMissing, CatalogMissing) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
