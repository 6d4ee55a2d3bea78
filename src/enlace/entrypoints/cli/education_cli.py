"""`enlace education ...`: the education library and clinicians' courses (docs/education.md).
Refusals print one `error: <where>: <problem>` line per problem on stderr and exit 2, nothing
written.

    enlace education load [--dir DIR]          # validate a content directory (library, courses)
    enlace education run [--since 2026-11-01T00:00:00Z] [--as-of 2026-06-29] [--base-url URL]
                                               # schedule/trigger from the record, send what is due
    enlace education enrol --practitioner pr-x --course dm2-care
    enlace education progress [--practitioner pr-x]   # one clinician, or per clinic and role
    enlace education suggest --practitioner pr-x      # courses the panel suggests
    enlace education seed                      # the demo's enrolments and completions (idempotent)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.entrypoints.cli.bad_input import echo_issues, run_in_transaction
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import education
from enlace.store.repository import FhirRepository

education_app = typer.Typer(
    help="Patient education and clinicians' continuing education.", no_args_is_help=True
)
T = TypeVar("T")


@education_app.command("load")
def load_command(
    directory: Path = typer.Option(
        None,
        "--dir",
        help="A directory with library.json and courses.json (default: the package's own).",
    ),
) -> None:
    """Validate the content: every text in es-MX and en, every item and course reviewed."""
    try:
        loaded = education.load(directory) if directory else education.catalogue()
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    modules = sum(len(c.modules) for c in loaded.courses.values())
    typer.echo(f"{len(loaded.items)} items, {len(loaded.courses)} courses, {modules} modules: ok")


@education_app.command("run")
def run_command(
    since: str = typer.Option(
        "1970-01-01T00:00:00Z", "--since", help="Read what was written since this instant."
    ),
    base_url: str = typer.Option("http://localhost:8000", "--base-url", help="Links' base."),
    as_of: str = typer.Option(
        "",
        "--as-of",
        help="Run as at noon UTC of this day (YYYY-MM-DD; "
        "the demo's last simulated day), default now.",
    ),
) -> None:
    """The daily job: sequences from new diagnoses and care plans, event triggers, sending."""
    since_us = _instant(since, "since")
    at = _instant(f"{as_of}T12:00:00Z", "as-of") if as_of else None
    report = run_in_transaction(
        lambda conn, repo: education.run(
            conn, repo, since_us, at or _now(repo), base_url, _link_key()
        )
    )
    scheduled = ", ".join(f"{k} {v}" for k, v in sorted(report.scheduled.items())) or "none"
    sent = ", ".join(f"{k} {v}" for k, v in sorted(report.sent.items())) or "none"
    typer.echo(f"new deliveries: {scheduled}; sent now: {sent}")


@education_app.command("enrol")
def enrol_command(
    practitioner: str = typer.Option(..., "--practitioner", help="Practitioner id."),
    course: str = typer.Option(..., "--course", help="Course id."),
) -> None:
    """Enrol a clinician in a course of one of their roles."""
    found = run_in_transaction(
        lambda conn, repo: education.enrol(conn, repo, practitioner, course, _now(repo))
    )
    typer.echo(f"{found.practitioner}\t{found.course}\t{found.role}\t{found.clinic}")


@education_app.command("progress")
def progress_command(
    practitioner: str = typer.Option(
        "", "--practitioner", help="One clinician (default: every clinic and role)."
    ),
) -> None:
    """A clinician's courses (modules passed of total), or trained/clinicians per clinic."""
    if practitioner:
        for line in run_in_transaction(lambda conn, repo: _progress(conn, practitioner)):
            typer.echo(line)
        return
    table = run_in_transaction(lambda conn, repo: education.trained_table(conn, repo, _now(repo)))
    typer.echo("clinic\trole\ttrained\tclinicians")
    for (clinic, role), (trained, total) in sorted(table.items()):
        typer.echo(f"{clinic}\t{role}\t{trained}\t{total}")


@education_app.command("suggest")
def suggest_command(practitioner: str = typer.Option(..., "--practitioner")) -> None:
    """The courses a clinician's panel suggests, with the gap that suggests them."""
    found = run_in_transaction(lambda conn, repo: education.suggest(conn, repo, practitioner))
    for s in found:
        typer.echo(f"{s.course}\t{s.gap}\t{s.patients} patients, {s.share:.0%} treated")
    if not found:
        typer.echo("no suggestion")


@education_app.command("seed")
def seed_command() -> None:
    """The demo's clinicians enrolled and some certified (idempotent)."""
    report = run_in_transaction(lambda conn, repo: education.seed(conn, repo, _now(repo)))
    typer.echo(
        f"{report.clinicians} clinicians; new: {report.enrolments} enrolments, "
        f"{report.modules_passed} modules passed, {report.completed} courses completed"
    )


def _progress(conn: Connection, practitioner: str) -> list[str]:
    lines = []
    for enrolled in education.enrolments_of(conn, practitioner):
        course = education.course(enrolled.course)
        passed = education.passed_modules(conn, practitioner, enrolled.course)
        state = "completed" if enrolled.completed_us else "in progress"
        lines.append(f"{enrolled.course}\t{len(passed)}/{len(course.modules)}\t{state}")
    return lines or ["no enrolments"]


def _link_key() -> bytes:
    """The SMS links are signed with the server secret, as the pages that check them are."""
    return education.link_key(Settings.from_env().secret_key)


def _now(repo: FhirRepository) -> int:
    return epoch_us(repo.clock())


def _instant(text: str, where: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        typer.echo(f"error: {where}: {text!r} is not an ISO instant", err=True)
        raise typer.Exit(2) from exc
    return epoch_us(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
