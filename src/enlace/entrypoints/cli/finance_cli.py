"""`enlace finance …`: the books for an operator — is the ledger balanced, what do accounts
hold, what moved. Read-only; exit 1 when the trial balance is off (for monitoring), 2 on bad
input."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from enlace.bootstrap import build
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.modules.finance import account_statement, trial_balance
from enlace.modules.finance.ledger_views import accounts_with_prefix

finance_app = typer.Typer(help="The double-entry ledger: trial balance, accounts, statements.")

BAD_INPUT = 2


def _pesos(centavos: int) -> str:
    sign = "-" if centavos < 0 else ""
    return f"{sign}{abs(centavos) // 100:,}.{abs(centavos) % 100:02d}"


@finance_app.command("trial-balance")
def trial_balance_command() -> None:
    """Every account's postings summed (zero in balanced books) and each running balance
    checked against its postings; exit 1 when anything is off."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        found = trial_balance(conn)
    typer.echo(f"total posted: {_pesos(found.total_posted)} MXN (must be 0.00)")
    typer.echo(
        f"pending holds: debits {_pesos(found.pending_debits)}, credits {_pesos(found.pending_credits)}"
    )
    for account in found.mismatched:
        typer.echo(f"running balance off: {account}", err=True)
    typer.echo("balanced" if found.balanced else "NOT BALANCED")
    if not found.balanced:
        raise typer.Exit(1)


@finance_app.command("accounts")
def accounts_command(
    prefix: str = typer.Argument(..., help="Account id prefix, e.g. receivable: or wallet:"),
    limit: int = typer.Option(100, help="At most this many accounts (1 to 500)."),
) -> None:
    """Accounts whose id starts with PREFIX and their balances (MXN, on the normal side)."""
    if not prefix.strip() or not 1 <= limit <= 500:
        typer.echo("error: give a non-empty prefix and a limit from 1 to 500", err=True)
        raise typer.Exit(BAD_INPUT)
    services = build(Settings.from_env())
    with services.db.read() as conn:
        found = accounts_with_prefix(conn, prefix, limit=limit)
    if not found:
        typer.echo(f"no account starts with {prefix!r}")
    for account in found:
        typer.echo(f"{account.id:<60} {account.kind:<10} {_pesos(account.balance):>16}")


@finance_app.command("statement")
def statement_command(
    account_id: str = typer.Argument(..., help="The account, e.g. claims-payable:imss."),
    limit: int = typer.Option(50, help="Postings per page (1 to 1000)."),
    after: str | None = typer.Option(None, help="Continue after this transaction id."),
) -> None:
    """The account's postings, oldest first, one page."""
    services = build(Settings.from_env())
    try:
        with services.db.read() as conn:
            found = accounts_with_prefix(conn, account_id, limit=1)
            if not found or found[0].id != account_id:
                typer.echo(f"error: no account {account_id!r}", err=True)
                raise typer.Exit(BAD_INPUT)
            page = account_statement(conn, account_id, found[0].normal, after=after, limit=limit)
    except FhirError as exc:
        typer.echo(f"error: {exc.issues[0].diagnostics}", err=True)
        raise typer.Exit(BAD_INPUT) from exc
    for line in page.lines:
        when = datetime.fromtimestamp(line.posted_us / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{when}  {line.txn_id}  {_pesos(line.amount):>14}  {line.description}")
    if page.next_cursor:
        typer.echo(f"more: --after {page.next_cursor}")
