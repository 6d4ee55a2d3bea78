"""`enlace vigilance ...`: pharmacovigilance (docs/pharmacovigilance.md). Refusals print one
`error: <where>: <problem>` line per problem on stderr and exit 2, nothing written.

    enlace vigilance report --patient P --drug metformina --drug-name "Metformina 850 mg" \\
        --words "me dio diarrea" [--serious] [--onset 2026-11-20]
    enlace vigilance report --patient P --drug D --drug-name N --meddra 10011224:Cough \\
        --by Practitioner/ID [--serious] [--expected]
    enlace vigilance signals [--status new] [--no-detect]
    enlace vigilance review DRUG EVENT under_review|confirmed|refuted --by WHO --reason "..."
    enlace vigilance export-icsr CASE [--out FILE] [--sender ENLACE]
    enlace vigilance line-listing [--out FILE]
    enlace vigilance overdue
    enlace vigilance demo [--reports 600]    # the demo's reports (seeded association), detection
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.entrypoints.cli.demo_world import run_on_world
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import vigilance
from enlace.sim import reports_demo
from enlace.sim.actor import World
from enlace.store.repository import FhirRepository

vigilance_app = typer.Typer(
    help="Pharmacovigilance: adverse events, signals, ICSRs, deadlines.", no_args_is_help=True
)
T = TypeVar("T")


@vigilance_app.command("report")
def report_command(
    patient: str = typer.Option(..., "--patient", help="Patient id."),
    drug: str = typer.Option("", "--drug", help="Suspect drug code (catalog slug or ATC)."),
    drug_name: str = typer.Option("", "--drug-name", help="Suspect drug as named."),
    words: str = typer.Option("", "--words", help="What happened, in the patient's words."),
    meddra: str = typer.Option("", "--meddra", help="Clinician: MedDRA CODE:TERM."),
    by: str = typer.Option("", "--by", help="Clinician: Practitioner/ID."),
    serious: bool = typer.Option(False, "--serious", help="Serious (ICH E2A criteria)."),
    expected: bool = typer.Option(False, "--expected", help="Clinician: listed in the label."),
    onset: str = typer.Option("", "--onset", help="Onset date, YYYY-MM-DD."),
) -> None:
    """Record an adverse event: a patient's words, or a clinician's coded report (--meddra)."""
    suspect = vigilance.SuspectDrug(drug, drug_name or drug) if drug else None
    began = _date(onset)

    def work(conn: Connection, repo: FhirRepository, now_us: int) -> vigilance.Captured:
        if meddra:
            code, _, term = meddra.partition(":")
            who = by.removeprefix("Practitioner/") or "unknown"
            return vigilance.from_clinician(
                conn,
                repo,
                patient,
                who,
                suspect,
                (code, term),
                began,
                serious,
                not expected,
                now_us,
            )
        return vigilance.from_patient(conn, repo, patient, suspect, words, began, serious, now_us)

    got = _run(work)
    coded = got.reaction.code or "not coded"
    typer.echo(
        f"AdverseEvent/{got.case_id}\t{got.reaction.display} ({coded})\t{got.rule}\t"
        f"due {_instant(got.due_us)}"
    )


@vigilance_app.command("signals")
def signals_command(
    status: str = typer.Option("", "--status", help="Only signals in this state."),
    detect: bool = typer.Option(True, "--detect/--no-detect", help="Run detection first."),
) -> None:
    """Run detection over all cases, then list the signals (figures and review state)."""

    def work(conn: Connection, repo: FhirRepository, now_us: int) -> list[vigilance.Signal]:
        if detect:
            vigilance.detect(conn, now_us)
        return vigilance.listing(conn, status or None)

    found = _run(work)
    typer.echo("drug\tevent\tstatus\tmethods\ta\tPRR\tchi2\tROR (95% CI)\tIC025")
    for s in found:
        f = s.figures
        typer.echo(
            f"{s.drug}\t{s.event}\t{s.status}\t{','.join(s.methods)}\t{f['a']}\t"
            f"{_num(f['prr'])}\t{_num(f['chi2'])}\t{_num(f['ror'])} "
            f"({_num(f['ror_lower'])}-{_num(f['ror_upper'])})\t{_num(f['ic025'])}"
        )
    typer.echo(f"{len(found)} signal(s)")


@vigilance_app.command("review")
def review_command(
    drug: str = typer.Argument(..., help="Drug code as listed."),
    event: str = typer.Argument(..., help="Event code as listed."),
    to_status: str = typer.Argument(..., help="under_review, confirmed or refuted."),
    by: str = typer.Option("", "--by", help="Who decides."),
    reason: str = typer.Option("", "--reason", help="Why."),
) -> None:
    """Move a signal through its review (who and why are required)."""
    done = _run(
        lambda conn, _repo, now: vigilance.review(conn, drug, event, to_status, by, reason, now)
    )
    typer.echo(f"{done.drug}\t{done.event}\t{done.status}\t{done.updated_by}")


@vigilance_app.command("export-icsr")
def export_icsr_command(
    case: str = typer.Argument(..., help="Case (AdverseEvent) id."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default stdout)."),
    sender: str = typer.Option("ENLACE", "--sender", help="Sender id in the message."),
    submitted: bool = typer.Option(False, "--submitted", help="Record the case as sent."),
) -> None:
    """The case's ICH E2B(R3)-shaped XML."""

    def work(conn: Connection, repo: FhirRepository, now_us: int) -> bytes:
        document = vigilance.icsr_xml(conn, repo, case, sender)
        if submitted:
            vigilance.mark_submitted(conn, case, now_us)
        return document

    document = _run(work)
    if out is None:
        typer.echo(document.decode("utf-8"))
    else:
        out.write_bytes(document)
        typer.echo(f"wrote {out}")


@vigilance_app.command("line-listing")
def line_listing_command(
    out: Path | None = typer.Option(None, "--out", help="CSV file (default stdout)."),
) -> None:
    """COFEPRIS-style line listing of every case (CSV)."""
    text = _run(lambda conn, repo, _now: vigilance.line_listing(conn, repo, None))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@vigilance_app.command("overdue")
def overdue_command() -> None:
    """Cases past their reporting deadline and not yet sent, the most overdue first."""
    late = _run(lambda conn, _repo, now: vigilance.overdue(conn, now))
    for o in late:
        typer.echo(
            f"{o.case_id}\t{o.drug}\t{o.event}\t{o.rule}\tdue {_instant(o.due_us)}\t"
            f"{o.days_late} day(s) late"
        )
    typer.echo(f"{len(late)} overdue")


@vigilance_app.command("demo")
def demo_command(
    reports: int = typer.Option(600, "--reports", min=1, help="Reports to draw."),
) -> None:
    """After `sim run`: adverse-event reports by the population with the simulator's seeded
    drug-event association (none when reports exist), then detection over all the cases."""

    def work(services: Services, world: World, days: int) -> tuple[int, int]:
        made = reports_demo.seed_adverse_events(services, world, days, reports)
        now_us = epoch_us(services.repo.clock())
        with services.db.begin() as conn:
            vigilance.detect(conn, now_us)
            return made, len(vigilance.listing(conn, None))

    made, signals = run_on_world(work)
    typer.echo(f"{made} report(s) recorded; {signals} signal(s)")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: --onset: {text!r} is not a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _instant(us: int) -> str:
    return fhir_instant(from_epoch_us(us))


def _run(work: Callable[[Connection, FhirRepository, int], T]) -> T:
    services = build(Settings.from_env())
    try:
        now_us = epoch_us(services.repo.clock())
        with services.db.begin() as conn:
            return work(conn, services.repo, now_us)
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
