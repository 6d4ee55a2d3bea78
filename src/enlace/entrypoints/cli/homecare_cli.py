"""`enlace homecare ...`: nurses, needs, the day's plan and missed-visit escalation
(docs/homecare.md). Refusals print one `error: <where>: <problem>` line per problem on stderr
and exit 2, nothing written.

    enlace homecare nurses add --id ana --name "Ana López" --skill infusion --zone norte \
        --base 19.45,-99.14 --shift 08:00-17:00
    enlace homecare needs add --id n1 --patient P --kind nursing --zone norte \
        --home 19.46,-99.14 --first 2026-11-26 --every 7 [--window 09:00-13:00 --minutes 45]
    enlace homecare plan --date 2026-11-26      # schedule, assign, route; unassigned with reason
    enlace homecare day --date 2026-11-26 [--nurse ana]
    enlace homecare missed [--now 2026-11-26T20:00:00Z]
    enlace homecare demo [--date 2026-11-26]    # the demo's home infusion, routed and documented
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import typer

from enlace.entrypoints.cli.bad_input import run_in_transaction
from enlace.entrypoints.cli.demo_world import run_on_world
from enlace.interactions.context import Services
from enlace.modules import homecare
from enlace.sim import coordination_demo
from enlace.sim.actor import World

homecare_app = typer.Typer(
    help="Home care: nurses, visit needs, the day's routes, missed visits.",
    no_args_is_help=True,
)
nurses_app = typer.Typer(help="Home-care nurses, their skills and zones.", no_args_is_help=True)
needs_app = typer.Typer(help="Why and how often a patient is visited.", no_args_is_help=True)
homecare_app.add_typer(nurses_app, name="nurses")
homecare_app.add_typer(needs_app, name="needs")
T = TypeVar("T")


@nurses_app.command("add")
def add_nurse_command(
    ident: str = typer.Option(..., "--id", help="Practitioner id."),
    name: str = typer.Option(..., "--name"),
    skill: list[str] = typer.Option([], "--skill", help=f"One of {', '.join(homecare.SKILLS)}."),
    zone: list[str] = typer.Option([], "--zone", help="A zone she covers (repeat)."),
    base: str = typer.Option(..., "--base", help="LAT,LON where her day starts."),
    shift: str = typer.Option("08:00-17:00", "--shift", help="HH:MM-HH:MM local."),
) -> None:
    """Register (or replace) a nurse."""
    lat, lon = _point(base, "base")
    start, end = _span(shift, "shift")
    nurse = homecare.Nurse(ident, name, frozenset(skill), frozenset(zone), lat, lon, start, end)
    run_in_transaction(lambda conn, repo: homecare.add_nurse(conn, nurse))
    typer.echo(f"nurse {ident}: {', '.join(sorted(skill))} in {', '.join(sorted(zone))}")


@needs_app.command("add")
def add_need_command(
    ident: str = typer.Option(..., "--id"),
    patient: str = typer.Option(..., "--patient", help="Patient id."),
    kind: str = typer.Option(..., "--kind", help=f"One of {', '.join(homecare.KIND_SKILL)}."),
    zone: str = typer.Option(..., "--zone"),
    home: str = typer.Option(..., "--home", help="LAT,LON of the home."),
    first: str = typer.Option(..., "--first", help="First visit day, YYYY-MM-DD."),
    every: int = typer.Option(..., "--every", help="Days between visits."),
    window: str = typer.Option("09:00-13:00", "--window", help="HH:MM-HH:MM local."),
    minutes: int = typer.Option(45, "--minutes", help="Minutes a visit takes."),
    medication: str = typer.Option("", "--medication", help="Catalog slug (infusions)."),
    facility: str = typer.Option("", "--facility", help="Where the infusion's lots come from."),
) -> None:
    """Record (or replace) a need."""
    lat, lon = _point(home, "home")
    start, end = _span(window, "window")
    need = homecare.Need(
        ident, patient, kind, zone, lat, lon, _day(first, "first"), every,
        visit_minutes=minutes, window_start=start, window_end=end,
        medication=medication or None, facility=facility or None,
    )  # fmt: skip
    run_in_transaction(lambda conn, repo: homecare.add_need(conn, need))
    typer.echo(f"need {ident}: {kind} every {every} d from {first}")


@homecare_app.command("plan")
def plan_command(day: str = typer.Option(..., "--date", help="YYYY-MM-DD.")) -> None:
    """Schedule the day's due visits, assign them by skill and zone and route each nurse."""
    when = _day(day, "date")
    result = run_in_transaction(lambda conn, repo: homecare.plan_day(conn, when))
    for done in result.assignments:
        start = f"{done.start_minute // 60:02d}:{done.start_minute % 60:02d}"
        typer.echo(f"{done.nurse_id}\t{done.sequence}\t{start}\t{done.visit_id}")
    for left in result.unassigned:
        typer.echo(f"UNASSIGNED\t{left.visit_id}\t{left.reason}\t{left.detail}")
    typer.echo(f"{len(result.assignments)} planned, {len(result.unassigned)} unassigned")


@homecare_app.command("day")
def day_command(
    day: str = typer.Option(..., "--date", help="YYYY-MM-DD."),
    nurse: str = typer.Option("", "--nurse", help="One nurse's route."),
) -> None:
    """The day's visits with their status (a nurse's route in order)."""
    when = _day(day, "date")
    views = run_in_transaction(lambda conn, repo: homecare.day_visits(conn, when, nurse or None))
    for v in views:
        start = "--:--" if v.planned_start is None else _clock(v.planned_start)
        who = v.nurse or "-"
        typer.echo(f"{who}\t{v.sequence or '-'}\t{start}\t{v.status}\t{v.kind}\t{v.id}")


@homecare_app.command("missed")
def missed_command(
    now: str = typer.Option("", "--now", help="ISO instant; default: the current time."),
) -> None:
    """Escalate planned visits whose window ended undocumented (a coordinator Task, once)."""
    moment = datetime.now(UTC) if not now else _instant(now)
    escalated = run_in_transaction(lambda conn, repo: homecare.escalate_missed(conn, repo, moment))
    for visit_id in escalated:
        typer.echo(visit_id)
    typer.echo(f"{len(escalated)} escalated")


@homecare_app.command("demo")
def demo_command(
    day: str = typer.Option("", "--date", help="YYYY-MM-DD; default: today (Mexico City)."),
) -> None:
    """After `sim run`: the demo clinic's nurse gives a biologic at home on the day (need,
    plan, route, MedicationAdministration). Safe to run again."""
    when = _day(day, "date") if day else datetime.now(ZoneInfo("America/Mexico_City")).date()

    def work(services: Services, world: World, days: int) -> coordination_demo.HomeInfusion:
        cast = coordination_demo.demo_cast(world, days)
        return coordination_demo.home_infusion(
            services,
            nurse_id=cast.nurse_id,
            nurse_name=cast.nurse_name,
            patient=cast.infused,
            home=cast.home,
            facility=cast.clinic.removeprefix("Organization/org-"),
            day=when,
        )

    done = run_on_world(work)
    written = " ".join(done.written) or "-"
    typer.echo(f"home visit {done.visit} on {when}\t{done.nurse}\t{done.status}\t{written}")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fail(where: str, problem: str) -> typer.Exit:
    typer.echo(f"error: {where}: {problem}", err=True)
    return typer.Exit(2)


def _point(text: str, where: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise _fail(where, f"{text!r} is not LAT,LON") from exc
    return lat, lon


def _span(text: str, where: str) -> tuple[int, int]:
    try:
        start, end = (datetime.strptime(part.strip(), "%H:%M") for part in text.split("-"))
    except ValueError as exc:
        raise _fail(where, f"{text!r} is not HH:MM-HH:MM") from exc
    return start.hour * 60 + start.minute, end.hour * 60 + end.minute


def _day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail(where, f"{text!r} is not YYYY-MM-DD") from exc


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail("now", f"{text!r} is not an ISO instant") from exc
    if moment.tzinfo is None:
        raise _fail("now", f"{text!r} has no time zone")
    return moment
