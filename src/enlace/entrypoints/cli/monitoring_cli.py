"""`enlace monitoring escalate|stale`: one pass of the alert escalation clock or of the no-data
alarm, printing what it did (docs/monitoring.md "Escalation"). A serving process runs both in the
background (bootstrap, start_jobs); these are for cron, operators and the demo."""

from __future__ import annotations

import typer

from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import channels, escalation

monitoring_app = typer.Typer(
    help="Remote monitoring: alert escalation, silent devices.", no_args_is_help=True
)


@monitoring_app.command("escalate")
def escalate_command() -> None:
    """Escalate every unacknowledged alert whose clock has run out and send the notices of new
    alerts not yet announced (one pass)."""
    services = build(Settings.from_env())
    notifier = channels.default_notifier(services.settings.var_dir)
    now = epoch_us(services.repo.clock())
    steps = escalation.escalate_due(services.db, services.repo, now, notifier)
    sent = channels.deliver_opened(services.db, notifier, now)
    for step in steps:
        target = step.target or "-"
        typer.echo(
            f"{step.alert}\tpatient {step.patient}\tlevel {step.level}\t{step.action}\t{target}"
        )
    typer.echo(f"{len(steps)} escalation step(s), {sent} new-alert notice(s)")


@monitoring_app.command("stale")
def stale_command() -> None:
    """Open, update or resolve the no-data alarms of silent devices (one pass)."""
    services = build(Settings.from_env())
    now = epoch_us(services.repo.clock())
    report = escalation.check_stale_devices(services.db, services.repo, now)
    for label, ids in (
        ("opened", report.opened),
        ("updated", report.updated),
        ("resolved", report.resolved),
    ):
        for alert_id in ids:
            typer.echo(f"{label}\t{alert_id}")
    typer.echo(
        f"{len(report.opened)} opened, {len(report.updated)} updated, "
        f"{len(report.resolved)} resolved"
    )
