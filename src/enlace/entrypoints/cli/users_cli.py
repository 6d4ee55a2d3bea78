"""`enlace users`: add, totp, unlock, disable-totp, list (human accounts, docs/security.md).

A password never appears on the command line (where `ps` and shell history would keep it): it
is read from standard input, or prompted for twice without echo when standard input is a
terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import segno
import typer
from sqlalchemy import Connection

from enlace.entrypoints.cli.transactions import run_in_transaction
from enlace.kernel.clock import epoch_us, from_epoch_us, system_clock
from enlace.kernel.settings import Settings
from enlace.security import self_service, users

users_app = typer.Typer(help="Human accounts: add, TOTP, unlock, list.", no_args_is_help=True)
T = TypeVar("T")


@users_app.command("add")
def add_command(
    username: str = typer.Option(..., "--username", help="Login name (stored in lower case)."),
    role: str = typer.Option(..., "--role", help="patient, caregiver, physician, nurse, ..."),
    organization: str = typer.Option(None, "--organization", help="Organization id."),
    fhir_user: str = typer.Option(None, "--fhir-user", help="e.g. Practitioner/123."),
    patients: list[str] = typer.Option([], "--patient", help="Patient id (repeatable)."),
    display_name: str = typer.Option("", "--display-name", help="Name shown in the pages."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Create an account. The password comes from standard input, or a prompt on a terminal."""
    password = _read_password(password_stdin)
    user = _run(
        lambda conn: users.add_user(
            conn,
            username=username,
            password=password,
            role=role,
            organization=organization,
            fhir_user=fhir_user,
            patients=tuple(patients),
            display_name=display_name,
            now_us=epoch_us(system_clock()),
        )
    )
    typer.echo(f"user {user.username} ({user.role}) created with id {user.id}")


@users_app.command("totp")
def totp_command(
    username: str = typer.Option(..., "--username", help="Account to enrol."),
) -> None:
    """Enrol (or re-enrol) TOTP: prints the otpauth URI and a QR code for an authenticator."""
    settings = Settings.from_env()
    enrolment = _run(lambda conn: _enrol(conn, username, settings), settings)
    typer.echo(f"TOTP enabled for {users.normalize_username(username)}.")
    typer.echo("Scan this code with an authenticator app (or type the secret):")
    segno.make(enrolment.uri, error="m").terminal(out=sys.stdout, compact=True)
    typer.echo(f"secret: {enrolment.secret_base32}")
    typer.echo(enrolment.uri)


@users_app.command("disable-totp")
def disable_totp_command(username: str = typer.Option(..., "--username")) -> None:
    """Turn TOTP off for an account (a lost phone); enrol again with `enlace users totp`."""
    settings = Settings.from_env()
    user = _run(lambda conn: _disable(conn, username, settings), settings)
    typer.echo(f"TOTP disabled for {user.username}")


@users_app.command("unlock")
def unlock_command(username: str = typer.Option(..., "--username")) -> None:
    """Lift a lockout after too many failed logins."""
    user = _run(lambda conn: users.unlock_user(conn, username))
    typer.echo(f"user {user.username} unlocked")


@users_app.command("list")
def list_command() -> None:
    """Every account: username, role, organization, TOTP, state."""
    rows = _run(users.list_users)
    now_us = epoch_us(system_clock())
    typer.echo("username\trole\torganization\ttotp\tstate")
    for row in rows:
        user = row.user
        state = "inactive" if not row.active else "active"
        if row.locked_until_us > now_us:
            until = from_epoch_us(row.locked_until_us)
            state = f"locked until {until:%Y-%m-%d %H:%M:%S}Z"
        totp = "on" if user.totp_enabled else "off"
        typer.echo(f"{user.username}\t{user.role}\t{user.organization or '-'}\t{totp}\t{state}")


def _enrol(conn: Connection, username: str, settings: Settings) -> users.TotpEnrolment:
    enrolment = users.enable_totp(conn, username, settings)
    _credential_changed(conn, username, settings, "enlace users totp")
    return enrolment


def _disable(conn: Connection, username: str, settings: Settings) -> users.User:
    user = users.disable_totp(conn, username)
    _credential_changed(conn, username, settings, "enlace users disable-totp")
    return user


def _credential_changed(conn: Connection, username: str, settings: Settings, how: str) -> None:
    """An operator's change is audited too, so the person hears of it at their next sign-in
    (ASVS V2.5.5)."""
    user = users.get_user(conn, username)
    if user is not None:
        now_us = epoch_us(system_clock())
        self_service.record_change(conn, user, self_service.TOTP_CHANGE, now_us, settings, how)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not _stdin_is_terminal():
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            typer.echo("error: no password on standard input", err=True)
            raise typer.Exit(2)
        return password
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


def _run(work: Callable[[Connection], T], settings: Settings | None = None) -> T:
    """`work` in one write transaction; a FhirError is `error: ...` and exit code 1."""
    return run_in_transaction(work, settings)
