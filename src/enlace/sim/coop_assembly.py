"""The demo network's ordinary general assembly (issue 15 "done when"), run after `coop seed`.

The members approve last year's accounts and the distribution of its surplus (a proposal vote)
and elect the council's president by ranked choice (instant runoff). Seeded members cast
deterministic ballots (`seed`), a few through a proxy, some stay home; the votes close with a
sealed, signed tally, the minutes are generated and signed, and — when the accounts are
adopted with quorum — the year's surplus is computed from the ledger and distributed with a
statement per member. A third vote (next year's fee scale) is left open for the demo logins.

Idempotent: a second run finds every step done and only reports (receipts are secret and shown
once, on the first run). Last year's books are demo figures posted here, dated 31 December, under
`coop:income:*` / `coop:expense:*`, as the surplus rules read them (docs/governance.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules import coop, trace, voting
from enlace.modules.finance import Ledger, Transfer

RECEIPT_LOGIN = "socio-paciente"  # the demo patient's member: their receipt is printed
PROPOSAL_SHARES = (("agree", 0.72), ("abstain", 0.14), ("disagree", 0.14))
STAY_HOME = 0.15  # share of the roll that does not vote
PROXIES = 3  # members who vote through another member
NOTICE = timedelta(days=10)


@dataclass
class Receipt:
    member: str
    proposal: str
    secret: str
    choice: Any


@dataclass
class Outcome:
    year: int
    assembly: str
    accounts: str
    council: str
    open_vote: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    minutes_verified: bool = False
    distribution: dict[str, int] | None = None
    receipt: Receipt | None = None
    first_run: bool = False


def run(
    conn: Connection, now: datetime, key: bytes, signer: trace.Signer, seed: int = 42
) -> Outcome:
    """Run (or, if done, re-check) the assembly on last year's accounts."""
    year = now.year - 1
    out = Outcome(year, f"asamblea-{year}", f"cuentas-{year}", f"consejo-{year}",
                  f"cuotas-{year + 2}")  # fmt: skip
    roll = voting.coop_roll(conn, now)
    if len(roll) < 5:  # the law asks for five members at least (REFERENCE §11)
        text = f"{len(roll)} active members; run `enlace coop seed` first (five at least)"
        raise errors.error(409, "business-rule", text, "members")
    rng = random.Random(seed)
    if not _exists(conn, out.accounts):
        out.first_run = True
        post_books(conn, year)
        _create_votes(conn, out, [m for m, _ in roll], rng)
        _convene(conn, out, now)
        out.receipt = _cast_all(conn, out, sorted(m for m, _ in roll), rng, now)
        for pid in (out.accounts, out.council):
            voting.close(conn, pid, now, key, signer)
        voting.assemblies.close(conn, out.assembly, voting.coop_roll, signer)
    _report(conn, out, key, signer.verifier)
    if out.results[out.accounts]["decision"] == "adopted":
        out.distribution = _distribute(conn, year, now)
    return out


def post_books(conn: Connection, year: int) -> None:
    """Last year's demo books: member fees (each member's sliding-scale fee x 12), care services,
    and the staff and medicine costs, posted on 31 December (idempotency keys: posted once)."""
    ledger = Ledger(clock=lambda: datetime(year, 12, 31, 18, tzinfo=UTC))
    coop.open_books(conn, ledger)
    members = coop.list_members(conn, "active")
    fees = sum(coop.fee_tier(m).fee for m in members) * 12
    services = 2_400_000 * len(members)
    spent = (fees + services) * 88 // 100  # a 12 % surplus before the funds
    lines = (("coop:income:cuotas", "income", fees), ("coop:income:servicios", "income", services),
             ("coop:expense:personal", "expense", spent * 7 // 10),
             ("coop:expense:medicamentos", "expense", spent - spent * 7 // 10))  # fmt: skip
    for account, kind, amount in lines:
        if amount <= 0:
            continue
        ledger.open_account(conn, account, kind, name=account.rpartition(":")[2])
        debit, credit = (coop.CASH, account) if kind == "income" else (account, coop.CASH)
        ledger.post_transfer(conn, Transfer.between(
            debit, credit, amount, idempotency_key=f"demo-books-{year}-{account}",
            description=f"ejercicio {year} (demo)"))  # fmt: skip


def _exists(conn: Connection, proposal_id: str) -> bool:
    try:
        voting.get(conn, proposal_id)
    except errors.FhirError:
        return False
    return True


def _create_votes(conn: Connection, out: Outcome, members: list[str], rng: random.Random) -> None:
    by_id = {m.id: m.name for m in coop.list_members(conn, "active")}
    candidates = [by_id[m] for m in rng.sample(sorted(members), 4)]
    voting.create_proposal(
        conn, out.accounts, f"Estados financieros {out.year} y reparto de excedentes", "proposal",
        body="Aprobar las cuentas del ejercicio y repartir el excedente según las bases.",
        quorum_share=0.5, min_share=0.5, by="consejo (demo)")  # fmt: skip
    voting.create_proposal(
        conn, out.council, "Presidencia del consejo de administración", "ranked", candidates,
        body="Voto preferencial: numera a las candidaturas (segunda vuelta instantánea).",
        quorum_share=0.5, by="consejo (demo)")  # fmt: skip
    voting.create_proposal(
        conn, out.open_vote, f"Escala de cuotas {out.year + 2}", "proposal",
        body="Subir el tramo de cuota completa de 200 a 220 pesos al mes.",
        quorum_share=0.5, by="consejo (demo)")  # fmt: skip


def _convene(conn: Connection, out: Outcome, now: datetime) -> None:
    items = [("Informe del consejo de administración", None),
             (f"Estados financieros {out.year} y reparto de excedentes", out.accounts),
             ("Elección de la presidencia del consejo", out.council),
             ("Asuntos generales", None)]  # fmt: skip
    voting.assemblies.convene(
        conn, out.assembly, "ordinary", f"Asamblea general ordinaria {out.year}",
        "Ciudad de México (y en línea)", now - NOTICE, now, items)  # fmt: skip


def _cast_all(
    conn: Connection, out: Outcome, members: list[str], rng: random.Random, now: datetime
) -> Receipt | None:
    """Open the votes, then each member (or their proxy) votes on both; attendance follows."""
    for pid in (out.accounts, out.council, out.open_vote):
        voting.open_vote(conn, pid, voting.coop_roll, now)
    options = voting.get(conn, out.council)["options"]
    pairs = _proxy_pairs(members)
    for grantor, proxy in pairs.items():
        for pid in (out.accounts, out.council):
            voting.proxies.grant(conn, pid, grantor, proxy, grantor, now)
    receipt = None
    for member in members:
        if _may_stay_home(member, pairs) and rng.random() < STAY_HOME:
            continue
        choices = {out.accounts: _proposal_choice(rng), out.council: _ranking(options, rng)}
        for pid, choice in choices.items():
            secret = _cast(conn, pid, member, pairs.get(member), choice, now)
            if member == RECEIPT_LOGIN and pid == out.accounts:
                receipt = Receipt(member, pid, secret, choice)
        voting.assemblies.attend(conn, out.assembly, member, voting.coop_roll, now,
                                 pairs.get(member))  # fmt: skip
    return receipt


def _may_stay_home(member: str, pairs: dict[str, str]) -> bool:
    """Proxies, their grantors and the receipt login always vote (the demo shows each)."""
    return member != RECEIPT_LOGIN and member not in pairs and member not in pairs.values()


def _proxy_pairs(members: list[str]) -> dict[str, str]:
    """The first members (in id order, not the receipt login) hand their vote to the next."""
    others = [m for m in members if m != RECEIPT_LOGIN]
    return {others[2 * n]: others[2 * n + 1] for n in range(min(PROXIES, len(others) // 2))}


def _cast(
    conn: Connection, pid: str, member: str, proxy: str | None, choice: Any, now: datetime
) -> str:
    if proxy:
        return voting.proxies.cast_for(conn, pid, proxy, member, choice, now)
    return voting.cast(conn, pid, member, choice)


def _proposal_choice(rng: random.Random) -> str:
    names = [name for name, _ in PROPOSAL_SHARES]
    return rng.choices(names, weights=[share for _, share in PROPOSAL_SHARES])[0]


def _ranking(options: list[str], rng: random.Random) -> list[str]:
    """A skewed preference order of 1..all candidates (earlier options are more popular)."""
    left, ranked = list(options), []
    for _ in range(rng.randint(1, len(options))):
        picked = rng.choices(left, weights=[len(left) - i for i in range(len(left))])[0]
        ranked.append(picked)
        left.remove(picked)
    return ranked


def _report(conn: Connection, out: Outcome, key: bytes, verifier: trace.Verifier) -> None:
    for pid in (out.accounts, out.council):
        out.results[pid] = voting.get(conn, pid)["result"]
        out.problems[pid] = voting.verify(conn, pid, key, verifier)
    out.minutes_verified = voting.assemblies.verify_minutes(conn, out.assembly, verifier)


def _distribute(conn: Connection, year: int, now: datetime) -> dict[str, int]:
    """Distribute the year once; afterwards report the stored run."""
    done = {run["year"]: run for run in coop.runs(conn)}
    if year not in done:
        coop.distribute(conn, Ledger(), year, now)
        done = {run["year"]: run for run in coop.runs(conn)}
    return done[year]
