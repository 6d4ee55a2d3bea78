"""`enlace subscriptions deliver | topics | events | dead-letters` and `enlace registry connect |
report`: run a matching and delivery pass (or keep running), list the topics, show a
Subscription's events and the dead-letter list; point a disease registry at its endpoint and
report its completeness and timeliness per institution; `registry receive | inbox` (a stand-in
registry, registry_inbox_cli.py) and `registry demo-cases` (docs/subscriptions.md,
docs/registries.md)."""

from __future__ import annotations

import time
from typing import Annotated, NoReturn

import typer

from enlace.bootstrap import build
from enlace.entrypoints.cli.demo_world import run_on_world
from enlace.entrypoints.cli.registry_inbox_cli import inbox_command, receive_command
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.modules import registry, subscriptions
from enlace.sim import reports_demo

subscriptions_app = typer.Typer(
    help="FHIR Subscriptions (R4 backport): rest-hook delivery.", no_args_is_help=True
)
registry_app = typer.Typer(help="Disease registries: cases by subscription.", no_args_is_help=True)
registry_app.command("receive")(receive_command)
registry_app.command("inbox")(inbox_command)


def _fail(error: FhirError) -> NoReturn:
    for issue in error.issues:
        where = f" ({issue.expression})" if issue.expression else ""
        typer.echo(f"error: {issue.diagnostics}{where}", err=True)
    raise typer.Exit(2)


@subscriptions_app.command("deliver")
def deliver_command(
    every: Annotated[
        float, typer.Option(min=0, help="Keep running, a pass every this many seconds (0: once).")
    ] = 0,
    base: Annotated[str, typer.Option(help="This server's FHIR base URL, in notifications.")] = (
        "http://127.0.0.1:8000/fhir"
    ),
) -> None:
    """Match the changes committed since the last pass and deliver what is due (handshakes,
    notifications with retries, heartbeats)."""
    services = build(Settings.from_env())
    post = subscriptions.http_post(refuse_inward=services.settings.production)
    margin = subscriptions.default_margin_us(services.db)
    while True:
        now = epoch_us(services.repo.clock())
        report = subscriptions.run_once(services.db, services.repo, post, now, margin, base)
        d = report.delivery
        typer.echo(
            f"matched {report.matched}, delivered {d.delivered} in {d.bundles} bundles, "
            f"retrying {d.retried}, dead {d.dead}, handshakes {d.handshakes}, "
            f"heartbeats {d.heartbeats}"
        )
        if not every:
            return
        time.sleep(every)


@subscriptions_app.command("topics")
def topics_command() -> None:
    """The topics a Subscription's criteria may name."""
    build(Settings.from_env())  # registers the modules' topics
    for found in subscriptions.all_topics():
        filters = ", ".join(sorted(found.filters)) or "-"
        typer.echo(f"{found.url}\t{found.resource_type}\t{found.title}\tfilters: {filters}")


@subscriptions_app.command("events")
def events_command(
    subscription: Annotated[str, typer.Argument(help="Subscription id.")],
    status: Annotated[str | None, typer.Option(help="queued, sending, delivered or dead.")] = None,
) -> None:
    """A Subscription's events in order, with attempts and the last error."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        if subscriptions.state_of(conn, subscription) is None:
            typer.echo(f"error: no events known for Subscription/{subscription}", err=True)
            raise typer.Exit(2)
        rows = subscriptions.events_of(conn, subscription, status)
    for row in rows:
        typer.echo(_event_line(row))


@subscriptions_app.command("dead-letters")
def dead_letters_command() -> None:
    """Every event whose attempts were exhausted (kept; its Subscription is in error)."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        rows = subscriptions.dead_letters(conn)
    for row in rows:
        typer.echo(f"Subscription/{row['subscription']}\t{_event_line(row)}")
    typer.echo(f"{len(rows)} dead letters")


def _event_line(row: dict[str, object]) -> str:
    changed = fhir_instant(from_epoch_us(int(str(row["changed_us"]))))
    error = f"\t{row['error']}" if row.get("error") else ""
    return (
        f"#{row['event_number']}\t{row['interaction']}\t{row['resource_type']}/"
        f"{row['resource_id']}/_history/{row['version']}\t{changed}\t{row['status']}\t"
        f"attempts {row['attempts']}{error}"
    )


@registry_app.command("connect")
def connect_command(
    name: Annotated[str, typer.Argument(help="cancer or rare.")],
    endpoint: Annotated[str, typer.Option(help="The registry's rest-hook endpoint (https).")],
    header: Annotated[
        list[str] | None, typer.Option(help="'Name: value' sent with each post (repeat).")
    ] = None,
) -> None:
    """Deliver the registry's new and updated cases to its endpoint (a Subscription; the same
    endpoint and headers again keep the Subscription there is)."""
    settings = Settings.from_env()
    services = build(settings)
    try:
        with services.db.begin() as conn:
            created = registry.connect(
                conn,
                services.repo,
                name,
                endpoint,
                allow_http=not settings.production,
                headers=tuple(header or ()),
            )
    except FhirError as error:
        _fail(error)
    typer.echo(f"Subscription/{created} delivers the '{name}' registry's cases to {endpoint}")


@registry_app.command("report")
def report_command(name: Annotated[str, typer.Argument(help="cancer or rare.")]) -> None:
    """Select the registry's cases now and print completeness and timeliness per institution."""
    if name not in registry.REGISTRIES:
        typer.echo(f"error: unknown registry '{name}' (registry)", err=True)
        raise typer.Exit(2)
    services = build(Settings.from_env())
    selected = registry.select_cases(services.db, services.repo, epoch_us(services.repo.clock()))
    typer.echo(f"{registry.REGISTRIES[name].title}: {selected} cases in all registries")
    typer.echo(
        f"institution\tcases\treported\tcompleteness\ton time ({registry.ON_TIME_DAYS} d)\tmedian days"
    )
    for row in registry.indicators(services.db, name):
        median = "-" if row.median_days_to_report is None else f"{row.median_days_to_report:.1f}"
        typer.echo(
            f"{row.institution}\t{row.cases}\t{row.reported}\t{row.completeness:.0%}\t"
            f"{row.timeliness:.0%}\t{median}"
        )


@registry_app.command("demo-cases")
def demo_cases_command() -> None:
    """After `sim run`: record the demo's cancer and rare-disease Conditions (once each; the
    simulated network diagnoses none), for the registries to select and receive."""
    ids = run_on_world(
        lambda services, world, days: reports_demo.seed_registry_cases(services, world, days)
    )
    typer.echo(f"{len(ids)} registry case(s) recorded")
