"""`enlace sim`: the synthetic network (docs/simulation.md). `enlace sim population` generates and
loads a seeded population; bad input exits with status 2 before anything is written."""

from __future__ import annotations

import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.sim.loader import ScenarioConflict, load_population
from enlace.sim.population import MAX_SEED, check_states, generate

sim_app = typer.Typer(help="Synthetic network: population and scenarios.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@sim_app.command("population")
def population_command(
    patients: str = typer.Option(..., "--patients", help="How many people (a positive integer)."),
    seed: str = typer.Option(..., "--seed", help="Scenario seed (a non-negative integer)."),
    states: str = typer.Option(
        "", "--states", help="Comma-separated ISO 3166-2:MX codes (JAL,NLE,CMX...); default all."
    ),
) -> None:
    """Generate a seeded population and load it; the same seed gives the same resources."""
    try:
        size = int(patients)
    except ValueError:
        raise _fail(f"--patients must be a positive integer, not {patients!r}") from None
    if size < 1:
        raise _fail(f"--patients must be a positive integer, not {size}")
    # no sign, no decimals, no words: the seed names the scenario (and its resource ids)
    if not (seed.isascii() and seed.isdigit()) or int(seed) >= MAX_SEED:
        raise _fail(f"--seed must be a non-negative integer below 2^63, not {seed!r}")
    try:
        chosen = check_states(states.split(",") if states else None)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    population = generate(size, int(seed), chosen)
    services = build(Settings.from_env())
    columns = (TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, transient=not sys.stderr.isatty()) as progress:
            task = progress.add_task("population", total=size)
            report = load_population(
                services, population, progress=lambda n: progress.advance(task, n)
            )
    except ScenarioConflict as exc:
        raise _fail(str(exc)) from None
    finally:
        services.db.dispose()
    typer.echo(
        f"{report.people} people, {report.resources} resources: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged; "
        f"ground truth in {report.ground_truth}"
    )
