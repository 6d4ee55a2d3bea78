"""What the money pages read, off the event loop: the year's EOB totals (through the FHIR
router), a member's wallet and a pharmacy's receivables (through finance's public API, after the
page decided the person may see them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import finance
from enlace.security.users import User

from .eob_view import amounts
from .fhir_reads import Reader, matches
from .page_guard import BadInput

PHARMACY_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
RECEIVABLE = "receivable:"
COPAY = "copay-receivable:"
MOVEMENTS = 10  # newest movements shown per account on the overview
ACCOUNT_PAGE = 20  # on one account's own page
WALLET_PAGE = 20


def not_found(where: str) -> errors.FhirError:
    return errors.error(404, "not-found", "Not found", where)


@dataclass(frozen=True)
class YearTotals:
    count: int
    plan_paid: int
    you_paid: int
    truncated: bool  # more claims in the year than were added up


def year_totals(reader: Reader, patient: str, year: int, limit: int) -> YearTotals:
    params = [
        ("patient", patient),
        ("created", f"ge{year}-01-01"),
        ("created", f"lt{year + 1}-01-01"),
        ("_count", str(limit)),
    ]
    bundle = reader.search("ExplanationOfBenefit", params)
    found = [eob for eob in matches(bundle) if eob.get("use", "claim") == "claim"]
    sums = [amounts(eob) for eob in found]
    return YearTotals(
        count=len(found),
        plan_paid=sum(s["benefit"] for s in sums),
        you_paid=sum(s["copay"] for s in sums),
        truncated=any(link.get("relation") == "next" for link in bundle.get("link", [])),
    )


@dataclass(frozen=True)
class WalletView:
    wallet_id: str
    wallets: list[str]  # every wallet the member belongs to (a selector when more than one)
    balance: int
    statement: finance.MemberStatement


def wallet_view(
    services: Services, patient: str | None, wanted: str | None, after: str | None
) -> WalletView | None:
    """The member's wallet (`wanted`, else their first), or None when they are in none."""
    if patient is None:
        return None
    member = f"Patient/{patient}"
    ledger = finance.Ledger(clock=services.repo.clock)
    wallets = finance.Wallets(ledger)
    with services.db.begin() as conn:
        ids = [m.wallet_id for m in finance.member_wallets(conn, [member])]
        if not ids:
            if wanted is not None:
                raise not_found("wallet")
            return None
        wallet_id = wanted or ids[0]
        if wallet_id not in ids:
            raise not_found("wallet")
        statement = finance.member_statement(
            conn, wallets, wallet_id, member, after=after, limit=WALLET_PAGE
        )
        balance = ledger.account(conn, wallets.wallet_account_id(conn, wallet_id)).balance
    return WalletView(wallet_id, ids, balance, statement)


def pharmacy_for(user: User, asked: str | None) -> str | None:
    """The pharmacy slug the page shows: a pharmacist's own (another is 403), an
    administrator's choice (None: the selector). Organizations are `org-<slug>`."""
    if asked is not None and not PHARMACY_SLUG.fullmatch(asked):
        raise BadInput("money.bad_pharmacy")
    if user.role != "pharmacist":
        return asked
    own = (user.organization or "").removeprefix("org-")
    if not own or (asked is not None and asked != own):
        raise errors.error(403, "forbidden", "Another pharmacy's receivables", "pharmacy")
    return own


@dataclass
class AccountLine:
    account_id: str
    debtor: str  # the payer's name, or "" for patients' copays
    balance: int
    ageing: finance.Ageing
    movements: list[finance.StatementLine] = field(default_factory=list)
    older: str | None = None  # cursor of the next (older) page of movements


@dataclass
class Receivables:
    pharmacy: str | None
    pharmacy_name: str
    pharmacies: list[str]  # for an administrator's selector
    lines: list[AccountLine]
    account: str | None  # one account's page (`?account=`), else None for the overview

    @property
    def total(self) -> int:
        return sum(line.balance for line in self.lines)


def receivables_view(
    services: Services,
    reader: Reader,
    pharmacy: str | None,
    account: str | None,
    before: str | None,
) -> Receivables:
    choose = reader.access.role == "administrator"
    now_us = finance.Ledger(clock=services.repo.clock).now_us()
    with services.db.begin() as conn:
        pharmacies = _pharmacies(conn) if choose else []
        if pharmacy is None:
            return Receivables(None, "", pharmacies, [], None)
        accounts = finance.accounts_with_prefix(conn, f"{RECEIVABLE}{pharmacy}:")
        accounts += [
            a
            for a in finance.accounts_with_prefix(conn, COPAY + pharmacy)
            if a.id == COPAY + pharmacy
        ]
        if account is not None and account not in {a.id for a in accounts}:
            raise not_found("account")
        shown = [a for a in accounts if account is None or a.id == account]
        lines = [_line(conn, a, now_us, account is not None, before) for a in shown]
    if not accounts and choose and not _exists(reader, f"org-{pharmacy}"):
        raise not_found("pharmacy")
    for line in lines:
        payer = line.account_id.split(":")[2] if line.account_id.startswith(RECEIVABLE) else ""
        line.debtor = _name(reader, f"org-{payer}", payer) if payer else ""
    name = _name(reader, f"org-{pharmacy}", pharmacy)
    return Receivables(pharmacy, name, pharmacies, lines, account)


def _line(
    conn: Connection, account: finance.Account, now_us: int, alone: bool, before: str | None
) -> AccountLine:
    page = finance.recent_statement(
        conn,
        account.id,
        account.normal,
        before=before if alone else None,
        limit=ACCOUNT_PAGE if alone else MOVEMENTS,
    )
    aged = finance.ageing(conn, account, now_us)
    return AccountLine(account.id, "", account.balance, aged, page.lines, page.next_cursor)


def _pharmacies(conn: Connection) -> list[str]:
    """Pharmacies with any receivable account, by slug."""
    found: set[str] = set()
    for prefix in (RECEIVABLE, COPAY):
        for account in finance.accounts_with_prefix(conn, prefix, limit=5000):
            found.add(account.id.split(":")[1])
    return sorted(found)


def _exists(reader: Reader, org_id: str) -> bool:
    try:
        reader.read("Organization", org_id)
    except errors.FhirError:
        return False
    return True


def _name(reader: Reader, org_id: str, fallback: str) -> str:
    if not reader.access.grants("Organization", "r"):
        return fallback
    try:
        return str(reader.read("Organization", org_id).get("name") or fallback)
    except errors.FhirError:
        return fallback
