"""`enlace sim`: the synthetic network (docs/simulation.md). `population` generates and loads a
seeded population, `run` advances the scenario's clock, `accounts` makes one demo login per role.
Bad input exits with status 2 before anything is written."""

from __future__ import annotations

import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.entrypoints.cli.sim_devices_cli import SHARE_HELP, add_device_commands, devices_actors
from enlace.entrypoints.cli.transactions import run_in_transaction
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.sim.accounts import DemoRefused, make_accounts, plan_accounts
from enlace.sim.actor import Actor
from enlace.sim.actors import discover, ordered
from enlace.sim.driver import (
    CatalogMissing,
    ScenarioMissing,
    check_days,
    run_scenario,
    scenario_world,
    simulated_days,
)
from enlace.sim.loader import ScenarioConflict, existing_scenario, load_population
from enlace.sim.population import MAX_SEED, check_states, generate

sim_app = typer.Typer(help="Synthetic network: population and scenarios.", no_args_is_help=True)
add_device_commands(sim_app)


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
    try:
        _refuse_growing_a_run_scenario(services, size)
        with _progress("loading") as progress:
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


def _refuse_growing_a_run_scenario(services: Services, size: int) -> None:
    """People added after the clock has run would have no history for the days behind it."""
    stored = existing_scenario(services)
    days = simulated_days(services)
    if stored is not None and days > 0 and size > stored.size:
        raise ScenarioConflict(
            f"the scenario has already run {days} days with {stored.size} people; "
            "people added now would have no history: use a new database to grow it"
        )


def _progress(label: str) -> Progress:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, transient=not sys.stderr.isatty())


@sim_app.command("run")
def run_command(
    days: str = typer.Option("", "--days", help="Simulated days to run (1 to 3650)."),
    until: str = typer.Option(
        "", "--until", help="Run until the clock reaches this many days (nothing if it has)."
    ),
    without: str = typer.Option(
        "",
        "--without",
        help="Actors to leave out, comma-separated (e.g. manufacturer,distributor,pharmacy).",
    ),
    devices_share: str = typer.Option("", "--devices-share", help=SHARE_HELP),
) -> None:
    """Advance the stored scenario's clock: visits, screenings, diagnoses, laboratory results
    and prescriptions, written through the store as a real network would."""
    if bool(days) == bool(until):
        raise _fail("give either --days (more days) or --until (a total), not both or neither")
    option, text = ("--days", days) if days else ("--until", until)
    try:
        value = int(text)
        count = check_days(value) if days else value
    except ValueError as exc:
        message = (
            str(exc) if "--days" in str(exc) else f"{option} must be a whole number, not {text!r}"
        )
        raise _fail(message) from None
    try:
        actors = devices_actors(_actors_without(without), devices_share)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    services = build(Settings.from_env())
    try:
        if until:
            count = value - simulated_days(services)
            if count <= 0:
                typer.echo(f"the scenario has already run {value - count} days: nothing to do")
                return
            check_days(count)
        _run_days(services, count, actors)
    except (ScenarioMissing, CatalogMissing, ValueError) as exc:
        raise _fail(str(exc).replace("--days", option)) from None
    finally:
        services.db.dispose()


def _actors_without(without: str) -> list[Actor] | None:
    """Every actor but those named (None: all); ValueError for an unknown name or for leaving
    out one that another still runs after."""
    names = {name.strip() for name in without.split(",") if name.strip()}
    if not names:
        return None
    found = discover()
    unknown = sorted(names - {a.name for a in found})
    if unknown:
        known = ", ".join(sorted(a.name for a in found))
        raise ValueError(f"--without: no actor named {', '.join(unknown)} (actors: {known})")
    return ordered(a for a in found if a.name not in names)


def _run_days(services: Services, count: int, actors: list[Actor] | None = None) -> None:
    with _progress("simulating") as progress:
        task = progress.add_task("days", total=count)
        report = run_scenario(
            services, count, progress=lambda n: progress.advance(task, n), actors=actors
        )
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.by_type.items()))
    typer.echo(
        f"days {report.first_day}-{report.last_day - 1} ({report.start} to {report.end}): "
        f"{report.resources} resources ({kinds}); {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )


@sim_app.command("status")
def status_command(
    last_day: bool = typer.Option(
        False, "--last-day", help="Print only the last simulated date (YYYY-MM-DD), for scripts."
    ),
) -> None:
    """The stored scenario: people, seed, states, start, days run and the last simulated date."""
    services = build(Settings.from_env())
    try:
        world = scenario_world(services)
    except (ScenarioMissing, CatalogMissing) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    days = simulated_days(services)
    if days == 0:
        typer.echo("error: the scenario has not run yet: `enlace sim run --days N`", err=True)
        raise typer.Exit(2)
    last = world.date_of(days - 1).isoformat()
    if last_day:
        typer.echo(last)
        return
    scenario = world.scenario
    typer.echo(
        f"{scenario.size} people, seed {scenario.seed}, states {','.join(scenario.states)}; "
        f"{days} days run from {scenario.start.isoformat()} to {last}"
    )


@sim_app.command("accounts")
def accounts_command() -> None:
    """Make (or reset) one demo login per role, bound to the simulated network, and print them.
    Refused in production."""
    services = build(Settings.from_env())
    try:
        world = scenario_world(services)
        planned = plan_accounts(world, simulated_days(services))
        made = run_in_transaction(
            lambda conn: make_accounts(services, conn, planned), services.settings
        )
    except (ScenarioMissing, DemoRefused, ValueError) as exc:
        raise _fail(str(exc)) from None
    finally:
        services.db.dispose()
    typer.echo("Demo accounts (new passwords each time; shown only here):")
    typer.echo(f"  {'role':<14}{'username':<14}{'password':<22}bound to")
    for account, password in made:
        bound = " ".join(x for x in (account.fhir_user, account.organization) if x) or "-"
        if account.role == "caregiver":
            bound = ", ".join(f"Patient/{p}" for p in account.patients)
        typer.echo(f"  {account.role:<14}{account.username:<14}{password:<22}{bound}")
