"""`enlace coop ...`: membership and the year's surplus (docs/governance.md). Refusals print
one `error: <where>: <problem>` line per problem on stderr and exit 2, nothing written.

    enlace coop members add --id ana --name "Ana López" --class patient \
        --income 800000 --household 3 [--area urban --patient P --user ana]
    enlace coop members admit ana --by consejo
    enlace coop members suspend ana --reason "cuota impaga" --by consejo
    enlace coop members withdraw ana --reason "cambio de ciudad"
    enlace coop members list [--status active]
    enlace coop surplus compute --year 2025      # what distributing would give, nothing written
    enlace coop surplus distribute --year 2025   # posts it in the ledger, once per year
    enlace coop seed [--extra 24]                # the demo cooperative (idempotent)
    enlace coop demo-assembly [--seed 42]        # its assembly: votes, minutes, surplus
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.entrypoints.cli.coop_demo_cli import demo_assembly_command
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules import coop
from enlace.modules.coop.seed import seed
from enlace.modules.finance import Ledger

coop_app = typer.Typer(help="Cooperative: members, fees, surplus.", no_args_is_help=True)
members_app = typer.Typer(help="Applications, admission, suspension, withdrawal.")
surplus_app = typer.Typer(help="Year-end surplus and its distribution.")
coop_app.add_typer(members_app, name="members", no_args_is_help=True)
coop_app.add_typer(surplus_app, name="surplus", no_args_is_help=True)
coop_app.command("demo-assembly")(demo_assembly_command)
T = TypeVar("T")


@members_app.command("add")
def add_command(
    ident: str = typer.Option(..., "--id"),
    name: str = typer.Option(..., "--name"),
    member_class: str = typer.Option(..., "--class", help="patient, physician or worker."),
    income: int | None = typer.Option(None, "--income", help="Household centavos a month."),
    household: int | None = typer.Option(None, "--household", help="People in the household."),
    area: str = typer.Option("urban", "--area", help="urban or rural (poverty line)."),
    patient: str = typer.Option("", "--patient", help="Patient id."),
    practitioner: str = typer.Option("", "--practitioner", help="Practitioner id."),
    user: str = typer.Option("", "--user", help="User account."),
) -> None:
    """Record an application (status applied, awaiting the council)."""
    app = coop.Application(
        ident, name, member_class, income, household, area,
        patient or None, practitioner or None, user or None,
    )  # fmt: skip
    member = _run(lambda conn: coop.apply(conn, app, _now()))
    typer.echo(f"{member.id}: {member.status} ({member.member_class})")


@members_app.command("admit")
def admit_command(ident: str, by: str = typer.Option("consejo", "--by")) -> None:
    """The council admits an applicant (409 if already a member)."""
    member = _run(lambda conn: coop.admit(conn, ident, _now(), by))
    typer.echo(f"{member.id}: {member.status}")


@members_app.command("refuse")
def refuse_command(
    ident: str, reason: str = typer.Option(..., "--reason"), by: str = "consejo"
) -> None:
    """The council refuses an application."""
    _change(ident, "refused", reason, by)


@members_app.command("suspend")
def suspend_command(
    ident: str, reason: str = typer.Option(..., "--reason"), by: str = "consejo"
) -> None:
    """Suspend an active member."""
    _change(ident, "suspended", reason, by)


@members_app.command("withdraw")
def withdraw_command(ident: str, reason: str = typer.Option(..., "--reason"), by: str = "") -> None:
    """Withdraw a member: refused while obligations are unpaid; capital is refunded."""

    def work(conn: Connection) -> coop.Member:
        member = coop.change_status(conn, ident, "withdrawn", _now(), reason, by or ident)
        coop.refund(conn, Ledger(), ident)
        return member

    member = _run(work)
    typer.echo(f"{member.id}: {member.status}")


@members_app.command("list")
def list_command(status: str = typer.Option("", "--status")) -> None:
    """Members with class, status and monthly fee."""
    for m in _run(lambda conn: coop.list_members(conn, status or None)):
        fee = coop.fee_tier(m).fee
        typer.echo(f"{m.id}\t{m.name}\t{m.member_class}\t{m.status}\tfee={fee / 100:.2f}")


@surplus_app.command("compute")
def compute_command(year: int = typer.Option(..., "--year")) -> None:
    """What the distribution of `year` would give; nothing written."""
    _print(_run(lambda conn: coop.compute(conn, year)))


@surplus_app.command("distribute")
def distribute_command(year: int = typer.Option(..., "--year")) -> None:
    """Distribute `year`'s surplus: funds first, then members by patronage (once)."""
    _print(_run(lambda conn: coop.distribute(conn, Ledger(), year, _now())))


@coop_app.command("seed")
def seed_command(
    extra: int = typer.Option(24, "--extra", help="Members beyond the demo logins."),
) -> None:
    """The demo cooperative: demo logins as members, more of each class, one application.
    They joined in January of last year, so last year's surplus is theirs to share."""
    now = _now()
    joined = datetime(now.year - 1, 1, 15, tzinfo=UTC)
    added = _run(lambda conn: seed(conn, Ledger(), now, extra, joined))
    typer.echo(f"{added} members added")


def _change(ident: str, status: str, reason: str, by: str) -> None:
    member = _run(lambda conn: coop.change_status(conn, ident, status, _now(), reason, by))
    typer.echo(f"{member.id}: {member.status}")


def _print(plan: coop.Distribution) -> None:
    typer.echo(
        f"{plan.year}: surplus {plan.surplus} reserve {plan.reserve} "
        f"education {plan.education} members {plan.to_members}"
    )
    for member, amount in plan.shares.items():
        typer.echo(f"  {member}\t{plan.units[member]}\t{amount}")


def _now() -> datetime:
    return datetime.now(UTC)


def _run(work: Callable[[Connection], T]) -> T:
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            return work(conn)
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
