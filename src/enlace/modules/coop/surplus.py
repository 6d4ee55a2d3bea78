"""Year-end surplus (excedentes) from the ledger and its distribution by the bylaws.

The year's surplus is what the cooperative's income accounts (`coop:income:*`) took in that
year less what its expense accounts (`coop:expense:*`) spent, read from their ledger statements.
The bylaws then take the reserve fund and the cooperative-education fund first — the Ley General
de Sociedades Cooperativas sets minimums, see `Bylaws` — and share the rest among the members
active at year end by patronage: each member class gets a configured part of the pool, and inside
a class members share by their units (care used for patient members, hours worked for workers).
Every split is largest-remainder, so the statements sum exactly to what is distributed.

Distribution posts in the ledger: one transfer closes the year's income and expense into
`coop:surplus`, the next moves it to the funds and to each member's payable
`coop:patronage:<member>`. A year is distributed once (409 on a second run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.modules.coop.allocation import largest_remainder, percent_half_up
from enlace.modules.coop.capital import EDUCATION, RESERVE, SURPLUS, open_books
from enlace.modules.coop.members import eligible_members, utc
from enlace.modules.coop.tables import patronage, surplus_runs, surplus_shares
from enlace.modules.finance import (
    Ledger,
    Posting,
    Transfer,
    account_statement,
    accounts_with_prefix,
)

INCOME = "coop:income:"
EXPENSE = "coop:expense:"
CLOSING = "cierre del ejercicio"
CHUNK = 900  # postings per transfer, under the ledger's 1000


@dataclass(frozen=True, slots=True)
class Bylaws:
    """Percentages of the year's net surplus: the reserve fund 10 %-20 % of each year's surplus,
    the education fund at least 1 %, as the Ley General de Sociedades Cooperativas is understood
    here. UNVERIFIED: these figures and the article numbers once cited for them (55, 58) were
    written from memory and could not be checked against the law's text (docs/governance.md,
    "The law"). `class_split` shares the members' pool between classes."""

    reserve_percent: int = 10
    education_percent: int = 1
    class_split: dict[str, int] = field(
        default_factory=lambda: {"patient": 50, "physician": 25, "worker": 25}
    )

    def problems(self) -> list[errors.Issue]:
        found = []
        if not 10 <= self.reserve_percent <= 20:
            text = "reserve fund must be 10-20 % of the surplus (bylaws, LGSC reserve fund)"
            found.append(errors.Issue("value", text, "reserve_percent"))
        if not 1 <= self.education_percent <= 100 - self.reserve_percent:
            text = "education fund must be at least 1 % (bylaws, LGSC education fund)"
            found.append(errors.Issue("value", text, "education_percent"))
        if any(p < 0 for p in self.class_split.values()) or not sum(self.class_split.values()):
            found.append(errors.Issue("value", "class split must be positive", "class_split"))
        return found


@dataclass(frozen=True, slots=True)
class Distribution:
    year: int
    surplus: int
    reserve: int
    education: int
    to_members: int
    shares: dict[str, int]  # member id -> centavos
    units: dict[str, int]


def record_patronage(conn: Connection, member_id: str, year: int, units: int) -> None:
    """Set a member's patronage units for a year (care used or hours worked)."""
    if not isinstance(units, int) or units < 0:
        raise errors.error(400, "value", "patronage units must be a non-negative integer", "units")
    key = (patronage.c.member_id == member_id) & (patronage.c.year == year)
    conn.execute(patronage.delete().where(key))
    conn.execute(patronage.insert().values(member_id=member_id, year=year, units=units))


def year_surplus(conn: Connection, year: int) -> int:
    """Income less expense posted in `year`, closing entries excluded."""
    start, end = _year_us(year)
    income = sum(_moved(conn, a.id, start, end) for a in accounts_with_prefix(conn, INCOME))
    expense = sum(_moved(conn, a.id, start, end) for a in accounts_with_prefix(conn, EXPENSE))
    return income - expense


def compute(conn: Connection, year: int, bylaws: Bylaws | None = None) -> Distribution:
    """What distributing `year` would give, writing nothing."""
    rules = bylaws or Bylaws()
    found = rules.problems()
    if found:
        raise errors.FhirError(400, found)
    surplus = year_surplus(conn, year)
    if surplus <= 0:
        text = f"{year} closed with no surplus ({surplus} centavos); nothing to distribute"
        raise errors.error(409, "business-rule", text, "year")
    reserve = percent_half_up(surplus, rules.reserve_percent)
    education = percent_half_up(surplus, rules.education_percent)
    pool = surplus - reserve - education
    units = _units(conn, year)
    shares = _share(pool, units, rules.class_split)
    given = sum(shares.values())
    # A class split with no members patronising leaves money unshared: it goes to the reserve.
    return Distribution(year, surplus, reserve + pool - given, education, given, shares, units[1])


def distribute(
    conn: Connection, ledger: Ledger, year: int, at: datetime, bylaws: Bylaws | None = None
) -> Distribution:
    """Post the distribution of `year` in the ledger and store each member's statement."""
    if conn.execute(select(surplus_runs.c.year).where(surplus_runs.c.year == year)).first():
        raise errors.error(409, "duplicate", f"the {year} surplus was already distributed", "year")
    plan = compute(conn, year, bylaws)
    open_books(conn, ledger)
    transfers = [_closing(conn, year), *_payouts(conn, ledger, plan)]
    ledger.post_transfers(conn, transfers)
    conn.execute(
        surplus_runs.insert().values(
            year=year,
            surplus=plan.surplus,
            reserve=plan.reserve,
            education=plan.education,
            to_members=plan.to_members,
            distributed_at=utc(at),
        )
    )
    rows = [
        {"year": year, "member_id": m, "units": plan.units[m], "amount": a}
        for m, a in plan.shares.items()
    ]
    if rows:
        conn.execute(surplus_shares.insert(), rows)
    return plan


def statement(conn: Connection, member_id: str) -> list[tuple[int, int, int]]:
    """A member's (year, units, centavos) patronage refunds, newest first."""
    query = (
        select(surplus_shares)
        .where(surplus_shares.c.member_id == member_id)
        .order_by(surplus_shares.c.year.desc())
    )
    return [(r.year, r.units, r.amount) for r in conn.execute(query)]


def runs(conn: Connection) -> list[dict[str, int]]:
    query = select(surplus_runs).order_by(surplus_runs.c.year.desc())
    keys = ("year", "surplus", "reserve", "education", "to_members")
    return [{k: getattr(r, k) for k in keys} for r in conn.execute(query)]


def _units(conn: Connection, year: int) -> tuple[dict[str, str], dict[str, int]]:
    """(member -> class, member -> units) of members active at year end with patronage."""
    end = datetime(year, 12, 31, 23, 59, 59, tzinfo=UTC)
    classes = dict(eligible_members(conn, end))
    query = select(patronage).where(patronage.c.year == year, patronage.c.units > 0)
    units = {r.member_id: int(r.units) for r in conn.execute(query) if r.member_id in classes}
    return {m: classes[m] for m in units}, units


def _share(
    pool: int, units: tuple[dict[str, str], dict[str, int]], split: dict[str, int]
) -> dict[str, int]:
    classes, by_member = units
    present = {c: p for c, p in split.items() if c in set(classes.values())}
    shares: dict[str, int] = {}
    for cls, amount in largest_remainder(pool, present).items():
        inside = {m: u for m, u in by_member.items() if classes[m] == cls}
        shares.update(largest_remainder(amount, inside))
    return dict(sorted(shares.items()))


def _closing(conn: Connection, year: int) -> Transfer:
    start, end = _year_us(year)
    postings = [
        Posting(a.id, m)
        for a in accounts_with_prefix(conn, INCOME)
        if (m := _moved(conn, a.id, start, end))
    ]
    postings += [
        Posting(a.id, -m)
        for a in accounts_with_prefix(conn, EXPENSE)
        if (m := _moved(conn, a.id, start, end))
    ]
    net = -sum(p.amount for p in postings)
    postings.append(Posting(SURPLUS, net))
    return Transfer(tuple(postings), idempotency_key=f"coop-close-{year}", description=CLOSING)


def _payouts(conn: Connection, ledger: Ledger, plan: Distribution) -> list[Transfer]:
    credits = [Posting(RESERVE, -plan.reserve), Posting(EDUCATION, -plan.education)]
    for member, amount in plan.shares.items():
        if amount:
            account = f"coop:patronage:{member}"
            ledger.open_account(conn, account, "liability", owner=member, name="Rendimientos")
            credits.append(Posting(account, -amount))
    credits = [c for c in credits if c.amount]
    transfers = []
    for n in range(0, len(credits), CHUNK):
        chunk = credits[n : n + CHUNK]
        debit = Posting(SURPLUS, -sum(c.amount for c in chunk))
        key = f"coop-surplus-{plan.year}-{n // CHUNK}"
        transfers.append(
            Transfer((debit, *chunk), idempotency_key=key, description="reparto de excedentes")
        )
    return transfers


def _moved(conn: Connection, account: str, start: int, end: int) -> int:
    """Sum of the account's movements (normal side) posted in [start, end), closings excluded."""
    total, cursor = 0, None
    normal = ledger_normal(conn, account)
    while True:
        page = account_statement(conn, account, normal, after=cursor, limit=500)
        total += sum(
            line.amount
            for line in page.lines
            if start <= line.posted_us < end and line.description != CLOSING
        )
        if page.next_cursor is None:
            return total
        cursor = page.next_cursor


def ledger_normal(conn: Connection, account: str) -> int:
    return -1 if account.startswith(INCOME) else 1


def _year_us(year: int) -> tuple[int, int]:
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return int(start.timestamp() * 1_000_000), int(end.timestamp() * 1_000_000)
