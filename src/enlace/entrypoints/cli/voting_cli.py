"""`enlace coop vote ...` and `enlace coop assembly ...`: decisions and assemblies
(docs/governance.md). Refusals print one `error: <where>: <problem>` line per problem on stderr
and exit 2, nothing written; a failed verification prints what failed and exits 1.

    enlace coop vote create p1 --title "Horario" --kind single --option a --option b
    enlace coop vote open p1                      # snapshots today's eligible members
    enlace coop vote cast p1 --member ana --choice '"a"'   # prints the secret receipt once
    enlace coop vote proxy p1 --from ana --to beto
    enlace coop vote close p1
    enlace coop vote tally p1                     # result, receipt commitments, Merkle root
    enlace coop vote verify p1 [--receipt S --choice '"a"']
    enlace coop assembly convene a1 --kind ordinary --title T --place P --held 2026-12-10T10:00 \
        --item "Informe" --item "Estados financieros=p1"
    enlace coop assembly attend a1 --member ana [--represented-by beto]
    enlace coop assembly close a1                 # minutes generated and signed
    enlace coop assembly minutes a1 [--verify]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer
from sqlalchemy import Connection

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules import trace, voting

vote_app = typer.Typer(help="Votes: proposals, ballots, tallies.", no_args_is_help=True)
assembly_app = typer.Typer(help="General assemblies and their minutes.", no_args_is_help=True)
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _run(work: Callable[[Services, Connection], T]) -> T:
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            return work(services, conn)
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        typer.echo(f"error: {where}: not valid JSON", err=True)
        raise typer.Exit(2) from None


def _key(services: Services) -> bytes:
    return voting.ballots.seal_key(services.settings.secret_key)


def _signer(services: Services) -> trace.Signer:
    """The project's log signing key (trace): signs tallies and minutes."""
    return trace.log_publisher(services.settings).signer


@vote_app.command("create")
def create_command(
    proposal: str,
    title: str = typer.Option(..., "--title"),
    kind: str = typer.Option("proposal", "--kind", help=", ".join(voting.KINDS)),
    option: list[str] = typer.Option([], "--option", help="Repeat per option."),
    quorum: float = typer.Option(0.5, "--quorum", help="Share of the roll that must vote."),
    min_share: float = typer.Option(0.5, "--min-share", help="Agree share (proposal kind)."),
    proxy_limit: int = typer.Option(1, "--proxy-limit"),
    body: str = typer.Option("", "--body"),
) -> None:
    """Draft a proposal or election."""
    _run(lambda s, c: voting.create_proposal(
        c, proposal, title, kind, option, body=body, quorum_share=quorum,
        min_share=min_share, proxy_limit=proxy_limit))  # fmt: skip
    typer.echo(f"{proposal}: draft")


@vote_app.command("open")
def open_command(proposal: str) -> None:
    """Open the vote; the roll is the coop's active members now."""
    size = _run(lambda s, c: voting.open_vote(c, proposal, voting.coop_roll, _now()))
    typer.echo(f"{proposal}: open, {size} eligible voters")


@vote_app.command("cast")
def cast_command(
    proposal: str,
    member: str = typer.Option(..., "--member"),
    choice: str = typer.Option(..., "--choice", help='JSON: "a", ["a","b"], {"a":5}'),
    proxy: str = typer.Option("", "--proxy", help="Cast as this member's proxy."),
) -> None:
    """Cast a ballot; prints the secret receipt (keep it: it is shown only now)."""
    picked = _json(choice, "choice")
    if proxy:
        secret = _run(
            lambda s, c: voting.proxies.cast_for(c, proposal, proxy, member, picked, _now())
        )
    else:
        secret = _run(lambda s, c: voting.cast(c, proposal, member, picked))
    typer.echo(f"receipt: {secret}")


@vote_app.command("proxy")
def proxy_command(
    proposal: str,
    grantor: str = typer.Option(..., "--from"),
    holder: str = typer.Option(..., "--to"),
) -> None:
    """Delegate a member's vote (per-person limit, no chains, audited)."""
    _run(lambda s, c: voting.proxies.grant(c, proposal, grantor, holder, grantor, _now()))
    typer.echo(f"{proposal}: {grantor} -> {holder}")


@vote_app.command("close")
def close_command(proposal: str) -> None:
    """Close, count, and seal the tally with the ballot box's Merkle root."""
    result = _run(lambda s, c: voting.close(c, proposal, _now(), _key(s), _signer(s)))
    typer.echo(json.dumps(result, ensure_ascii=False))


@vote_app.command("tally")
def tally_command(proposal: str) -> None:
    """The published tally: result, receipt commitments, Merkle root, seal."""
    typer.echo(json.dumps(_run(lambda s, c: voting.published(c, proposal)), ensure_ascii=False))


@vote_app.command("verify")
def verify_command(
    proposal: str,
    receipt: str = typer.Option("", "--receipt"),
    choice: str = typer.Option("", "--choice"),
) -> None:
    """Check the closed tally against the box; with --receipt, that your ballot is in it."""
    problems = _run(lambda s, c: voting.verify(c, proposal, _key(s), _signer(s).verifier))
    if receipt:
        picked = _json(choice, "choice")
        if not _run(lambda s, c: voting.verify_receipt(c, proposal, receipt, picked)):
            problems.append("receipt: no ballot with this receipt and choice in the box")
    for problem in problems:
        typer.echo(f"FAIL {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{proposal}: verified")


@assembly_app.command("convene")
def convene_command(
    assembly: str,
    kind: str = typer.Option("ordinary", "--kind"),
    title: str = typer.Option(..., "--title"),
    place: str = typer.Option(..., "--place"),
    held: datetime = typer.Option(..., "--held", help="UTC date and time held."),
    item: list[str] = typer.Option([], "--item", help='"Text" or "Text=proposal id".'),
    quorum: float = typer.Option(0.5, "--quorum"),
    notice_days: int = typer.Option(7, "--notice-days"),
) -> None:
    """Convene an assembly now for --held (at least --notice-days ahead)."""
    items = [(t, p or None) for t, _, p in (i.partition("=") for i in item)]
    _run(lambda s, c: voting.assemblies.convene(
        c, assembly, kind, title, place, _now(), held.replace(tzinfo=UTC), items,
        quorum_share=quorum, notice_days=notice_days))  # fmt: skip
    typer.echo(f"{assembly}: convened")


@assembly_app.command("attend")
def attend_command(
    assembly: str,
    member: str = typer.Option(..., "--member"),
    represented_by: str = typer.Option("", "--represented-by"),
) -> None:
    """Record a member present (or represented)."""
    _run(lambda s, c: voting.assemblies.attend(
        c, assembly, member, voting.coop_roll, _now(), represented_by or None))  # fmt: skip
    typer.echo(f"{assembly}: {member} present")


@assembly_app.command("close")
def assembly_close_command(assembly: str) -> None:
    """Generate and sign the minutes."""
    typer.echo(_run(lambda s, c: voting.assemblies.close(
        c, assembly, voting.coop_roll, _signer(s))), nl=False)  # fmt: skip


@assembly_app.command("minutes")
def minutes_command(assembly: str, verify: bool = typer.Option(False, "--verify")) -> None:
    """Print the minutes and their signature; --verify checks it (exit 1 if it fails)."""

    def read(s: Services, c: Connection) -> tuple[dict[str, Any], bool]:
        verifier = _signer(s).verifier
        return voting.assemblies.get(c, assembly), voting.assemblies.verify_minutes(
            c, assembly, verifier
        )

    found, good = _run(read)
    sys.stdout.write((found["minutes"] or "") + "\n" + (found["signature"] or ""))
    if verify and not good:
        typer.echo("FAIL minutes: signature does not verify", err=True)
        raise typer.Exit(1)
