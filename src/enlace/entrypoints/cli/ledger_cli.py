"""`enlace ledger`: save a checkpoint, audit the transparency log from its public endpoints, make
a signing key.

The audit is a client like any other auditor's: it reads only `/log/...` over HTTP (never the
database), so it can run anywhere against any Enlace log. Exit status: 0 when the log is sound,
1 naming the first problem found, 2 for bad input (an unreadable file, not a checkpoint, a server
that cannot be reached).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import typer

from enlace.modules.trace import generate_signer
from enlace.modules.trace.audit import AuditInputError, AuditProblem, audit, read_saved
from enlace.modules.trace.audit_events import EventMatcher, served_events

ledger_app = typer.Typer(help="The transparency log: checkpoints and audit.", no_args_is_help=True)

URL_OPTION = typer.Option("http://127.0.0.1:8000", "--url", help="The server's base URL.")
TIMEOUT_SECONDS = 30.0


class _Fetcher:
    """GET `<base>/log/<path>`; a non-200 answer is an AuditProblem naming path and status."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base.rstrip("/") + "/log/", timeout=TIMEOUT_SECONDS)

    def __call__(self, path: str) -> bytes:
        response = self.client.get(path)
        if response.status_code != 200:
            detail = _diagnostics(response)
            raise AuditProblem(
                "not-served", f"GET /log/{path}: HTTP {response.status_code}{detail}"
            )
        return response.content


def _diagnostics(response: httpx.Response) -> str:
    try:
        return ": " + "; ".join(i["diagnostics"] for i in response.json()["issue"])
    except (ValueError, KeyError, TypeError):
        return ""


class _EventPages:
    """The pages of GET /epcis/events (1,000 events each, log order), fetched as the event check
    asks for them; a 401/403 is the token's fault (code "refused": exit 2)."""

    def __init__(self, base: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.client = httpx.Client(base_url=base.rstrip("/"), headers=headers, timeout=60.0)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        path: str | None = "/epcis/events?perPage=1000"
        while path is not None:
            response = self.client.get(path)
            if response.status_code != 200:
                code = "refused" if response.status_code in (401, 403) else "not-served"
                detail = f"HTTP {response.status_code}{_diagnostics(response)}"
                raise AuditProblem(code, f"GET {path}: {detail}")
            yield response.json()
            following = response.links.get("next", {}).get("url")
            path = str(following) if following else None


def _fail(status: int, message: str) -> typer.Exit:
    typer.echo(f"{'problem' if status == 1 else 'error'}: {message}", err=True)
    return typer.Exit(status)


@ledger_app.command("checkpoint")
def checkpoint_command(
    save: Path = typer.Option(..., "--save", help="File to write the current checkpoint to."),
    url: str = URL_OPTION,
) -> None:
    """Save the log's current checkpoint (for a later `enlace ledger audit`)."""
    try:
        note = _Fetcher(url)("checkpoint").decode()
        saved = read_saved(note)
    except AuditProblem as exc:
        raise _fail(1, exc.message) from None
    except (AuditInputError, UnicodeDecodeError) as exc:
        raise _fail(1, f"the server's checkpoint: {exc}") from None
    except httpx.HTTPError as exc:
        raise _fail(2, f"cannot reach {url}: {exc}") from None
    try:
        save.write_text(note, encoding="utf-8")
    except OSError as exc:
        raise _fail(2, f"cannot write {save}: {exc.strerror}") from None
    typer.echo(f"saved checkpoint of size {saved.size} ({saved.origin}) to {save}")


@ledger_app.command("audit")
def audit_command(
    checkpoint: Path = typer.Option(..., "--checkpoint", help="A checkpoint saved earlier."),
    url: str = URL_OPTION,
    key: str = typer.Option("", help="Verifier key to trust (default: the one at /log/key)."),
    events: bool = typer.Option(False, "--events", help="Also match every EPCIS event served."),
    token: str = typer.Option("", envvar="ENLACE_TOKEN", help="Bearer token for --events."),
) -> None:
    """Check, from public endpoints only, that the log grew append-only since the saved
    checkpoint and that every entry it serves matches its leaf; with --events (a regulator's or
    administrator's token), that every EPCIS event served is the one its leaf records."""
    if events and not token:
        raise _fail(2, "--events reads GET /epcis/events: give --token or set ENLACE_TOKEN")
    try:
        note = checkpoint.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(2, f"cannot read {checkpoint}: {exc}") from None
    matcher = EventMatcher(served_events(_EventPages(url, token))) if events else None
    try:
        report = audit(note, _Fetcher(url), key or None, matcher.entries if matcher else None)
        newer = matcher.finish() if matcher else 0
    except AuditInputError as exc:
        raise _fail(2, f"{checkpoint}: {exc.message}") from None
    except AuditProblem as exc:
        raise _fail(1 if exc.code != "refused" else 2, exc.message) from None
    except httpx.HTTPError as exc:
        raise _fail(2, f"cannot reach {url}: {exc}") from None
    typer.echo(report.summary())
    if matcher is not None:
        typer.echo(
            f"ok: {matcher.checked} EPCIS events match their leaves "
            f"({newer} captured after the checkpoint, not yet covered by it)"
        )


@ledger_app.command("keygen")
def keygen_command(
    name: str = typer.Option(..., help="Key name, usually the log's origin (e.g. host/log)."),
) -> None:
    """Print a new signer key (for ENLACE_LOG_SIGNING_KEY) and its verifier key."""
    signer = generate_signer(name)
    typer.echo(f"ENLACE_LOG_SIGNING_KEY={signer.skey}")
    typer.echo(f"verifier key: {signer.verifier.vkey}")
