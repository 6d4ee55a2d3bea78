"""`enlace messaging number deactivate | reactivate | caregiver` and `enlace messaging text`:
a lost phone, a caregiver's number, and one text as a gateway would hand it over (for trying the
keywords at a terminal); docs/messaging.md "Two-way"."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from enlace.modules.messaging.keywords import load_keywords

number_app = typer.Typer(help="Phone numbers: lost phones, caregivers.", no_args_is_help=True)


def _fail(error: FhirError) -> None:
    for issue in error.issues:
        where = f" ({issue.expression})" if issue.expression else ""
        typer.echo(f"error: {issue.diagnostics}{where}", err=True)
    raise typer.Exit(2)


def _who(by: str) -> str:
    return by.strip() or f"cli:{getpass.getuser()}"


@number_app.command("deactivate")
def deactivate_command(
    number: Annotated[str, typer.Argument(help="The phone number (any Mexican spelling).")],
    reason: Annotated[str, typer.Option(help="Why (e.g. lost phone).")] = "",
    by: Annotated[str, typer.Option(help="Who reports it (agent, caregiver).")] = "",
) -> None:
    """Ignore every text from NUMBER from now on (a lost or stolen phone)."""
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            now = epoch_us(services.repo.clock())
            owner = messaging.deactivate(conn, number, _who(by), reason, now)
    except FhirError as error:
        _fail(error)
    whose = f" (was Patient/{owner.patient}'s {owner.role} number)" if owner.patient else ""
    typer.echo(f"deactivated {messaging.e164(number)}{whose}")


@number_app.command("reactivate")
def reactivate_command(
    number: Annotated[str, typer.Argument(help="The phone number.")],
    by: Annotated[str, typer.Option(help="Who asks.")] = "",
) -> None:
    """Accept texts from NUMBER again (the phone was found)."""
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            changed = messaging.reactivate(conn, number, _who(by), epoch_us(services.repo.clock()))
    except FhirError as error:
        _fail(error)
    typer.echo("reactivated" if changed else "the number was not deactivated")


@number_app.command("caregiver")
def caregiver_command(
    patient: Annotated[str, typer.Argument(help="Patient id.")],
    number: Annotated[str, typer.Argument(help="The caregiver's phone number.")],
    name: Annotated[str, typer.Option(help="The caregiver's name.")] = "",
    by: Annotated[str, typer.Option(help="Who registers it.")] = "",
) -> None:
    """Let NUMBER text on behalf of PATIENT (doses, readings, AYUDA)."""
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            now = epoch_us(services.repo.clock())
            added = messaging.add_caregiver(conn, patient, number, name, _who(by), now)
    except FhirError as error:
        _fail(error)
    typer.echo(f"caregiver {added} texts for Patient/{patient}")


def text_command(
    sender: Annotated[str, typer.Argument(help="The sender's number.")],
    text: Annotated[str, typer.Argument(help="What they wrote.")],
    message_id: Annotated[str, typer.Option("--id", help="Gateway message id.")] = "",
) -> None:
    """Receive one text as the gateway would hand it over; print what was done."""
    services = build(Settings.from_env())
    now = epoch_us(services.repo.clock())
    sms = messaging.InboundSms(
        message_id or messaging.gateway.derived_id(sender, text, now), sender, text
    )
    try:
        got = messaging.receive(services.db, services.repo, sms, now, load_keywords())
    except FhirError as error:
        _fail(error)
    typer.echo(f"{got.role}\t{got.intent}\t{got.outcome}\treply={got.reply or '-'}")
