"""Random deposits, spends, holds, posts, voids, timeouts and reversals against a model.

After every step: the books balance (posted balances sum to zero, pending debits equal pending
credits, running balances equal what postings and pending holds add up to), no wallet is below
its floor, and each account holds exactly what the model says, so money is never created or lost.
Each example uses its own accounts, so examples share the database without cleaning it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Ledger, Transfer
from enlace.modules.finance.ledger_reports import trial_balance
from enlace.store.database import Database
from tests.integration.finance.conftest import ManualClock

WALLETS = 2
_examples = itertools.count()

amounts = st.integers(min_value=1, max_value=5_000)
wallets = st.integers(min_value=0, max_value=WALLETS - 1)
picks = st.integers(min_value=0, max_value=50)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), wallets, amounts),
        st.tuples(st.just("spend"), wallets, amounts),
        st.tuples(st.just("hold"), wallets, amounts, st.sampled_from([None, 60, 600])),
        st.tuples(st.just("post"), picks),
        st.tuples(st.just("void"), picks),
        st.tuples(st.just("reverse"), picks),
        st.tuples(st.just("wait"), st.sampled_from([30, 120, 900])),
    ),
    max_size=25,
)


@dataclass
class Model:
    """What the books must say: posted (debit +) and pending per account, holds by state."""

    prefix: str
    posted: dict[str, int] = field(default_factory=dict)
    pending_debits: dict[str, int] = field(default_factory=dict)
    holds: list[tuple[str, str, int, int | None]] = field(default_factory=list)  # id, wallet..
    hold_state: dict[str, str] = field(default_factory=dict)
    txns: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)
    reversed: set[str] = field(default_factory=set)
    now_s: int = 0

    def account(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def available(self, wallet: str) -> int:
        return -self.posted.get(wallet, 0) - self.pending_debits.get(wallet, 0)

    def move(self, lines: list[tuple[str, int]]) -> None:
        for account, amount in lines:
            self.posted[account] = self.posted.get(account, 0) + amount

    def expire(self) -> None:
        for hold_id, wallet, amount, expires in self.holds:
            overdue = expires is not None and expires <= self.now_s
            if self.hold_state[hold_id] == "pending" and overdue:
                self.hold_state[hold_id] = "expired"
                self.pending_debits[wallet] -= amount


class Runner:
    def __init__(self, db: Database, ledger: Ledger, clock: ManualClock, model: Model) -> None:
        self.db, self.ledger, self.clock, self.model = db, ledger, clock, model

    def attempt(self, action: str, *args: object) -> None:
        handler = getattr(self, action)
        with self.db.begin() as conn:
            handler(conn, *args)

    def deposit(self, conn, wallet: int, amount: int) -> None:
        target, source = self.model.account(f"w{wallet}"), self.model.account("bank")
        txn = self.ledger.post_transfer(conn, Transfer.between(source, target, amount)).txn_id
        lines = [(source, amount), (target, -amount)]
        self.model.move(lines)
        self.model.txns.append((txn, lines))

    def spend(self, conn, wallet: int, amount: int) -> None:
        source, payee = self.model.account(f"w{wallet}"), self.model.account("pharmacy")
        ok = self.model.available(source) >= amount
        transfer = Transfer.between(source, payee, amount)
        txn = self.expect(ok, lambda: self.ledger.post_transfer(conn, transfer).txn_id)
        if ok:
            lines = [(source, amount), (payee, -amount)]
            self.model.move(lines)
            self.model.txns.append((txn, lines))

    def hold(self, conn, wallet: int, amount: int, seconds: int | None) -> None:
        source, payee = self.model.account(f"w{wallet}"), self.model.account("pharmacy")
        ok = self.model.available(source) >= amount
        timeout = timedelta(seconds=seconds) if seconds is not None else None
        transfer = Transfer.between(source, payee, amount)
        hold_id = self.expect(
            ok, lambda: self.ledger.place_hold(conn, transfer, timeout=timeout).hold_id
        )
        if ok:
            expires = None if seconds is None else self.model.now_s + seconds
            self.model.holds.append((hold_id, source, amount, expires))
            self.model.hold_state[hold_id] = "pending"
            self.model.pending_debits[source] = self.model.pending_debits.get(source, 0) + amount

    def post(self, conn, pick: int) -> None:
        if not self.model.holds:
            return
        hold_id, wallet, amount, _expires = self.model.holds[pick % len(self.model.holds)]
        state = self.model.hold_state[hold_id]
        txn = self.expect(
            state in ("pending", "posted"), lambda: self.ledger.post_hold(conn, hold_id).txn_id
        )
        if state == "pending":
            self.model.hold_state[hold_id] = "posted"
            self.model.pending_debits[wallet] -= amount
            lines = [(wallet, amount), (self.model.account("pharmacy"), -amount)]
            self.model.move(lines)
            self.model.txns.append((txn, lines))

    def void(self, conn, pick: int) -> None:
        if not self.model.holds:
            return
        hold_id, wallet, amount, _expires = self.model.holds[pick % len(self.model.holds)]
        state = self.model.hold_state[hold_id]
        self.expect(state != "posted", lambda: self.ledger.void_hold(conn, hold_id))
        if state == "pending":
            self.model.hold_state[hold_id] = "voided"
            self.model.pending_debits[wallet] -= amount

    def reverse(self, conn, pick: int) -> None:
        if not self.model.txns:
            return
        txn, lines = self.model.txns[pick % len(self.model.txns)]
        if txn in self.model.reversed:
            self.ledger.reverse(conn, txn)  # a replay: nothing moves
            return
        mirror = [(account, -amount) for account, amount in lines]
        # A liability's available balance falls by what is debited to it.
        wallet_after = [self.model.available(a) - amount for a, amount in mirror if ":w" in a]
        ok = all(value >= 0 for value in wallet_after)
        reversal = self.expect(ok, lambda: self.ledger.reverse(conn, txn).txn_id)
        if ok:
            self.model.reversed.add(txn)
            self.model.move(mirror)
            self.model.txns.append((reversal, mirror))

    def wait(self, conn, seconds: int) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        self.model.now_s += seconds
        self.ledger.expire_holds(conn)
        self.model.expire()

    @staticmethod
    def expect(ok: bool, call):
        try:
            result = call()
        except FhirError as exc:
            assert not ok and exc.status == 409, exc
            return None
        assert ok, "the ledger accepted what the model refuses"
        return result


def check_books(db: Database, ledger: Ledger, model: Model) -> None:
    with db.read() as conn:
        books = trial_balance(conn)
        assert books.balanced, books
        names = ["bank", "pharmacy", *(f"w{n}" for n in range(WALLETS))]
        for name in names:
            account = ledger.account(conn, model.account(name))
            expected = model.posted.get(model.account(name), 0)
            assert account.posted == expected, name
            assert account.pending_debits == model.pending_debits.get(model.account(name), 0)
            if account.floor is not None:
                assert account.available >= account.floor
        assert sum(model.posted.values()) == 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_operations_keep_the_books(
    db: Database, ledger: Ledger, clock: ManualClock, steps: list[tuple[object, ...]]
) -> None:
    model = Model(prefix=f"p{next(_examples)}")
    with db.begin() as conn:
        ledger.open_account(conn, model.account("bank"), "asset")
        ledger.open_account(conn, model.account("pharmacy"), "liability")
        for n in range(WALLETS):
            ledger.open_account(conn, model.account(f"w{n}"), "liability", floor=0)
    runner = Runner(db, ledger, clock, model)
    for action, *args in steps:
        runner.attempt(str(action), *args)
        check_books(db, ledger, model)
