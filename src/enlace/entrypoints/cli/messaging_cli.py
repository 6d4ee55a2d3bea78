"""`enlace messaging deliver | consent | status | number | text`: hand committed messages to the
adapter, record a patient's channel and express opt-in (or opt-out), count the outbox, and the
two-way commands of sms_cli.py (docs/messaging.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.modules import messaging

from .sms_cli import number_app, text_command

messaging_app = typer.Typer(
    help="Patient messaging: outbox delivery, consent, two-way SMS.", no_args_is_help=True
)
messaging_app.add_typer(number_app, name="number")
messaging_app.command("text")(text_command)


def _fail(error: FhirError) -> None:
    for issue in error.issues:
        where = f" ({issue.expression})" if issue.expression else ""
        typer.echo(f"error: {issue.diagnostics}{where}", err=True)
    raise typer.Exit(2)


@messaging_app.command("deliver")
def deliver_command(
    adapter: Annotated[str, typer.Option(help="file (var/outbox.ndjson) or console.")] = "file",
    limit: Annotated[int, typer.Option(min=1, help="At most this many messages.")] = 10_000,
) -> None:
    """Deliver every committed message that is due (quiet hours and retries respected)."""
    settings = Settings.from_env()
    try:
        chosen = messaging.adapters_named(adapter, settings.var_dir)
    except ValueError as exc:
        typer.echo(f"error: {exc} (--adapter)", err=True)
        raise typer.Exit(2) from exc
    services = build(settings)
    now = epoch_us(services.repo.clock())
    report = messaging.deliver(services.db, services.repo, chosen, now, limit)
    typer.echo(
        f"delivered {report.delivered}, retrying {report.retried}, failed {report.failed}, "
        f"stopped by opt-out {report.stopped}"
    )


@messaging_app.command("consent")
def consent_command(
    patient: Annotated[str, typer.Argument(help="Patient id.")],
    channel: Annotated[str, typer.Option(help="sms, whatsapp or voice.")],
    sender: Annotated[str, typer.Option(help="Who the patient agrees to hear from.")] = "",
    address: Annotated[str, typer.Option(help="Phone number on the channel.")] = "",
    evidence: Annotated[str, typer.Option(help="How consent was given.")] = "",
    language: Annotated[str, typer.Option(help="es-MX or en.")] = "es-MX",
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Opt out instead.")] = False,
) -> None:
    """Record an express opt-in (channel, address, sender, evidence) or, with --withdraw, an
    opt-out."""
    services = build(Settings.from_env())
    now = epoch_us(services.repo.clock())
    try:
        with services.db.begin() as conn:
            if withdraw:
                changed = messaging.withdraw(conn, patient, channel, now)
                typer.echo("opted out" if changed else "no standing consent on that channel")
                return
            messaging.set_preference(conn, patient, channel, address, now, language)
            messaging.grant(conn, patient, channel, sender, evidence, now)
    except FhirError as error:
        _fail(error)
    typer.echo(f"consent recorded: Patient/{patient} on {channel} from {sender.strip()}")


@messaging_app.command("status")
def status_command() -> None:
    """Outbox messages by status (not-sent ones by reason)."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        counts = messaging.status_counts(conn)
    for key, count in sorted(counts.items()):
        typer.echo(f"{key}\t{count}")
