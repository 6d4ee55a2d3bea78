"""`enlace screening followup`: the follow-up indicators per clinic (referred, linked to care,
confirmed, treated, median days, overdue) and the most overdue referrals, as the clinic worklist
shows them (docs/screening.md "Follow-up"). For operators and the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules.screening import indicators, referrals, worklist

screening_app = typer.Typer(help="Screening: follow-up of referrals.", no_args_is_help=True)
DAY_US = 86_400_000_000


@screening_app.command("followup")
def followup_command(
    clinic: Annotated[str | None, typer.Option(help="Organization id of one clinic.")] = None,
    overdue: Annotated[int, typer.Option(min=0, max=1000, help="Overdue referrals to list.")] = 10,
) -> None:
    """Print each clinic's follow-up indicators, the totals and the most overdue referrals."""
    services = build(Settings.from_env())
    now = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        lines = indicators.indicators(conn, services.repo, clinic, now)
        late = [r for r in referrals.open_referrals(conn, services.repo, clinic) if r.overdue(now)]
        names = worklist.patient_names(conn, services.repo, {r.patient for r in late[:overdue]})
    typer.echo("clinic\treferred\tlinked\tconfirmed\truled_out\ttreated\tdays_to_confirm\toverdue")
    for line in lines:
        linked = "-" if line.linked_share is None else f"{line.linked_share:.0%}"
        days = "-" if line.median_days_to_confirmation is None else line.median_days_to_confirmation
        typer.echo(
            f"{line.clinic}\t{line.referred}\t{linked}\t{line.confirmed}\t{line.ruled_out}\t"
            f"{line.treated}\t{days}\t{line.overdue}"
        )
    referred = sum(line.referred for line in lines)
    decided = sum(line.confirmed + line.ruled_out for line in lines)
    share = f"{decided / referred:.0%}" if referred else "-"
    typer.echo(
        f"{len(lines)} clinic(s): {referred} referred, {share} linked to care, "
        f"{sum(line.treated for line in lines)} treated, "
        f"{sum(line.overdue for line in lines)} overdue"
    )
    for referral in late[:overdue]:
        days_late = (now - (referral.due_us or now)) // DAY_US
        typer.echo(
            f"overdue\t{referral.clinic}\t{names.get(referral.patient, referral.patient)}\t"
            f"{referral.condition}\t{days_late} days\tTask/{referral.task_id}"
        )
