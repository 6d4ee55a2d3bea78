"""`enlace clients` (OAuth client registration) and `enlace token issue` (a bearer token for
scripts and tests), docs/security.md "Tokens and clients"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy import Connection

from enlace.entrypoints.cli.transactions import run_in_transaction
from enlace.kernel.clock import epoch_us, system_clock
from enlace.kernel.settings import Settings
from enlace.security import clients, keys, oauth
from enlace.security.oauth_errors import OAuthError
from enlace.security.tokens import IssuedToken

clients_app = typer.Typer(
    help="OAuth clients (SMART apps, backend services).", no_args_is_help=True
)
token_app = typer.Typer(help="Access tokens for scripts and tests.", no_args_is_help=True)
T = TypeVar("T")


@clients_app.command("add")
def add_command(
    name: str = typer.Option(..., "--name", help="Shown to users on the authorization page."),
    kind: str = typer.Option(..., "--kind", help="backend, public or confidential."),
    scope: str = typer.Option(..., "--scope", help="The most this client may be granted."),
    jwks: Path = typer.Option(None, "--jwks", help="JWKS file (public keys) of a backend client."),
    jwks_url: str = typer.Option(None, "--jwks-url", help="Where a backend client publishes it."),
    redirect_uris: list[str] = typer.Option([], "--redirect-uri", help="Repeatable."),
    role: str = typer.Option(None, "--role", help="Role a backend client acts with."),
    organization: str = typer.Option(None, "--organization", help="Organization id of the role."),
) -> None:
    """Register a client; prints its client_id (and a confidential client's secret, once)."""
    key_set = _read_jwks(jwks) if jwks else None
    registered = _run(
        lambda conn: clients.register(
            conn,
            name=name,
            kind=kind,
            scope=scope,
            now_us=epoch_us(system_clock()),
            jwks=key_set,
            jwks_url=jwks_url,
            redirect_uris=tuple(redirect_uris),
            role=role,
            organization=organization,
        )
    )
    typer.echo(f"client_id: {registered.client.client_id}")
    if registered.secret:
        typer.echo(f"client_secret: {registered.secret}")
        typer.echo("(the secret is shown only now: keep it safe)")


@clients_app.command("list")
def list_command() -> None:
    """Every client: client_id, kind, state, name."""
    typer.echo("client_id\tkind\tstate\tname")
    for client_id, name, kind, active in _run(clients.all_clients):
        typer.echo(f"{client_id}\t{kind}\t{'active' if active else 'inactive'}\t{name}")


@token_app.command("issue")
def issue_command(
    client_id: str = typer.Option(..., "--client", help="A registered client_id."),
    scope: str = typer.Option(..., "--scope", help="Scopes asked for (space-separated)."),
    username: str = typer.Option(
        None, "--user", help="Issue for this user (their role's ceiling)."
    ),
    patient: str = typer.Option(None, "--patient", help="Launch context patient id."),
    lifetime: int = typer.Option(300, "--lifetime", min=1, max=300, help="Seconds (≤ 300)."),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", "--base-url", help="The server's base URL (audience: <it>/fhir)."
    ),
) -> None:
    """Print a bearer access token signed with the platform key (scopes held to the ceilings)."""
    settings = Settings.from_env()

    def issue(conn: Connection) -> IssuedToken:
        endpoint = oauth.Endpoint(
            key=keys.signing_key(settings),
            fhir_base=base_url.rstrip("/") + "/fhir",
            now=system_clock(),
            access_seconds=min(lifetime, settings.access_token_seconds),
        )
        return oauth.issue_for_script(
            conn, endpoint, client_id=client_id, scope=scope, username=username, patient=patient
        )

    issued = _run(issue, settings)
    typer.echo(f"# scope: {issued.scope}; expires in {issued.expires_in} s", err=True)
    typer.echo(issued.token)


def _read_jwks(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        typer.echo(f"error: cannot read the JWKS file {path}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _run(work: Callable[[Connection], T], settings: Settings | None = None) -> T:
    """`work` in one write transaction; a FhirError or an OAuthError is `error: ...`, exit 1."""
    return run_in_transaction(work, settings, (OAuthError,), _oauth_message)


def _oauth_message(exc: Exception) -> str:
    assert isinstance(exc, OAuthError)
    return f"{exc.error}: {exc.description}"
