"""`enlace audit`: seal the audit log's hash chain, verify it, list a patient's accesses."""

from __future__ import annotations

import typer

from enlace.kernel.clock import epoch_us, system_clock
from enlace.kernel.settings import Settings
from enlace.security import audit_log
from enlace.security.audit import DEFAULT_HORIZON_US, parse_anchor
from enlace.security.audit_fhir import access_summary
from enlace.security.audit_sealer import seal_pending
from enlace.store.database import Database, open_database

audit_app = typer.Typer(help="The audit log: seal, verify, list accesses.", no_args_is_help=True)


def _database() -> Database:
    return open_database(Settings.from_env().resolved_database_url)


@audit_app.command("seal")
def seal_command(
    horizon: float = typer.Option(
        DEFAULT_HORIZON_US / 1e6, help="Seal rows recorded at least this many seconds ago."
    ),
) -> None:
    """Link the rows not sealed yet into the hash chain (a serving process does it too)."""
    db = _database()
    try:
        count = seal_pending(db, epoch_us(system_clock()), horizon_us=int(horizon * 1e6))
        with db.read() as conn:
            position, digest = audit_log.chain_head(conn)
    finally:
        db.dispose()
    typer.echo(f"sealed {count} rows; chain head {position}:{digest}")


@audit_app.command("verify")
def verify_command(
    anchors: list[str] = typer.Option(
        [], "--anchor", help="POSITION:HASH logged by an earlier sealing (repeatable)."
    ),
) -> None:
    """Walk the hash chain; exit status 1 and the first break when it is broken."""
    try:
        expected = dict(parse_anchor(a) for a in anchors)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    db = _database()
    try:
        with db.read() as conn:
            report = audit_log.verify(conn, expected)
    finally:
        db.dispose()
    if not report.ok:
        typer.echo(
            f"BROKEN at seq {report.broken_seq} (chain position {report.broken_position}): "
            f"{report.problem}; {report.checked} rows verified before it"
        )
        raise typer.Exit(1)
    typer.echo(
        f"ok: {report.checked} sealed rows verified, {report.unsealed} not sealed yet; "
        f"chain head {report.head_position}:{report.head_hash}"
    )
    if report.late_count:
        typer.echo(
            f"warning: {report.late_count} rows were sealed long after their time (long "
            f"transactions, or back-dated inserts): seq {', '.join(map(str, report.late))}"
        )


@audit_app.command("patient")
def patient_command(
    patient_id: str = typer.Argument(..., help="Patient id."),
    count: int = typer.Option(20, help="How many accesses, newest first."),
) -> None:
    """Who accessed a patient's record: when, who, role, organization, what, why."""
    db = _database()
    try:
        with db.read() as conn:
            rows = audit_log.patient_access_log(conn, patient_id, count=count)
    finally:
        db.dispose()
    for row in rows:
        line = access_summary(row)
        typer.echo(
            "\t".join(
                str(line[k] or "-")
                for k in ("when", "who", "role", "organization", "interaction", "what", "why")
            )
            + ("\tBREAK-GLASS: " + (line["reason"] or "") if line["break_glass"] else "")
        )
