"""`enlace care ...`: referrals and appointments (docs/care.md). Refusals print one
`error: <where>: <problem>` line per problem on stderr and exit 2, nothing written.

    enlace care referrals sla                 # escalate every breached SLA clock, once each
    enlace care referrals list --org Organization/org-X [--side receiving|sending]
    enlace care referrals indicators [--org Organization/org-X]
    enlace care reminders [--ahead-hours 24]  # queue reminders through the messaging outbox
    enlace care demo                          # the demo's referral closed, agenda, teleconsult
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import typer

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.entrypoints.cli.demo_world import run_on_world
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import care
from enlace.sim import coordination_demo
from enlace.sim.actor import World

care_app = typer.Typer(help="Referrals, appointments and teleconsultation.", no_args_is_help=True)
referrals_app = typer.Typer(help="Referrals across levels of care.", no_args_is_help=True)
care_app.add_typer(referrals_app, name="referrals")
T = TypeVar("T")


def _run(work: Callable[[Services, int], T]) -> T:
    services = build(Settings.from_env())
    try:
        return work(services, epoch_us(services.repo.clock()))
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()


def _when(us: int | None) -> str:
    return fhir_instant(from_epoch_us(us)) if us is not None else "-"


@referrals_app.command("sla")
def sla_command() -> None:
    """Escalate the referrals whose clock ran out (each once); one line per escalation."""
    breaches = _run(lambda s, now: care.escalate_breached(s.db, s.repo, now))
    for b in breaches:
        typer.echo(
            f"ServiceRequest/{b.referral}\t{b.status}\t{b.urgency}\t{b.to_org}\t+{b.late_hours} h"
        )
    typer.echo(f"{len(breaches)} referral(s) escalated")


@referrals_app.command("list")
def list_command(
    org: str = typer.Option(..., "--org", help="Organization/... whose worklist to show."),
    side: str = typer.Option("receiving", "--side", help="receiving | sending"),
) -> None:
    """A facility's worklist, the most pressing first."""

    def work(services: Services, now: int) -> list[care.WorkItem]:
        with services.db.read() as conn:
            return care.worklist(conn, org, side)

    for i in _run(work):
        flag = "VENCIDA" if i.breached else ""
        typer.echo(
            f"ServiceRequest/{i.id}\t{i.status}\t{i.urgency}\t{i.service}\tPatient/{i.patient}\t"
            f"due {_when(i.due_us)}\t{flag}".rstrip()
        )


@referrals_app.command("indicators")
def indicators_command(
    org: str = typer.Option("", "--org", help="Only referrals received by this Organization/..."),
) -> None:
    """Time to appointment and the share closed with a counter-referral."""

    def work(services: Services, now: int) -> care.Indicators:
        with services.db.read() as conn:
            return care.indicators(conn, org or None)

    got = _run(work)
    typer.echo(f"referrals\t{got.referrals}")
    typer.echo(f"with appointment\t{got.scheduled}")
    typer.echo(f"median days to appointment\t{got.median_days_to_appointment}")
    typer.echo(f"completed\t{got.completed}")
    typer.echo(f"closed with counter-referral\t{got.closed_with_counter_referral}")
    typer.echo(f"SLA breached\t{got.breached}")


@care_app.command("reminders")
def reminders_command(
    ahead_hours: int = typer.Option(24, "--ahead-hours", min=1, help="Remind this far ahead."),
) -> None:
    """Queue appointment reminders through the messaging outbox (once per appointment)."""
    queued = _run(lambda s, now: care.reminders.queue_due(s.db, s.repo, now, ahead_hours))
    typer.echo(f"{queued} reminder(s) queued")


@care_app.command("demo")
def demo_command() -> None:
    """After `sim run`: the hospital accepts, schedules and closes the monitoring referral with
    a counter-referral; the demo physician's agenda opens and the demo patient's teleconsult
    starts. Safe to run again (what is done stays done)."""

    def work(
        services: Services, world: World, days: int
    ) -> tuple[coordination_demo.ClosedReferral | None, coordination_demo.Agenda]:
        cast = coordination_demo.demo_cast(world, days)
        coordination_demo.route_bare_referrals(services, world)
        closed = coordination_demo.close_monitoring_referral(services)
        today = datetime.now(ZoneInfo("America/Mexico_City")).date()
        agenda = coordination_demo.open_clinic_agenda(
            services, cast.physician, cast.clinic, cast.patient, today
        )
        return closed, agenda

    closed, agenda = run_on_world(work)
    if closed is None:
        typer.echo("no monitoring referral to close (no alert reached the hospital)")
    else:
        typer.echo(
            f"ServiceRequest/{closed.referral}\t{closed.status}\t{closed.hospital}\t"
            f"Appointment/{closed.appointment}\tcounter-referral "
            f"ServiceRequest/{closed.counter_referral}"
        )
    typer.echo(f"{agenda.published} slot(s) published; control Appointment/{agenda.control}")
    typer.echo(f"teleconsult Appointment/{agenda.teleconsult}\tEncounter/{agenda.encounter}")
    typer.echo(f"join {agenda.join_link}")
