"""The family "solidarity" health wallet: members pool funds and spend them at the pharmacy.

A wallet is one ledger account (a liability: what the network owes the family) that may not go
below zero. Deposits are ledger transfers into it; a charge at dispensing is a ledger hold from
it to the payee, posted when the medicine is handed over (`settle`) or voided (`release`), and
expired by the ledger if neither happens in time. Each member has a monthly cap: a charge is
refused (409) when the member's posted and pending charges this month plus the new one would
exceed it, or when the wallet's available balance would not cover it.

Months are calendar months in Mexico City time (UTC-6 all year since Mexico ended daylight
saving time in October 2022), so a charge at 23:00 on the 31st counts in that month.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, and_, or_, select

from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError, Issue, error
from enlace.modules.finance.ledger import Ledger
from enlace.modules.finance.ledger_model import (
    HoldPlaced,
    Recorded,
    Transfer,
    amount_issues,
    positive_amount,
    text_issues,
)
from enlace.modules.finance.tables import holds, wallet_entries, wallet_members, wallets

MEXICO_CITY = timezone(timedelta(hours=-6), "America/Mexico_City")
DEFAULT_HOLD = timedelta(hours=2)  # a dispensing that is not finished by then gives the funds back


def period_of(moment: datetime) -> str:
    return moment.astimezone(MEXICO_CITY).strftime("%Y-%m")


def wallet_account(wallet_id: str) -> str:
    return f"wallet:{wallet_id}"


class Wallets:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def open_wallet(self, conn: Connection, wallet_id: str, *, owner: str | None = None) -> str:
        """Open the wallet and its ledger account (idempotent); returns the account id."""
        _check_text(wallet_id, "wallet.id")
        account = wallet_account(wallet_id)
        self.ledger.open_account(conn, account, "liability", owner=owner, floor=0)
        exists = conn.execute(select(wallets.c.id).where(wallets.c.id == wallet_id)).first()
        if exists is None:
            conn.execute(
                wallets.insert().values(
                    id=wallet_id, account_id=account, owner=owner, created_us=self.ledger.now_us()
                )
            )
        return account

    def set_member(self, conn: Connection, wallet_id: str, member: str, monthly_cap: int) -> None:
        """Add a member, or change their monthly cap (from this moment on)."""
        _check_text(member, "member")
        issues = amount_issues(monthly_cap, "member.monthlyCap", allow_zero=True)
        if not issues and monthly_cap < 0:
            issues = [Issue("value", "A cap cannot be negative", "member.monthlyCap")]
        if issues:
            raise FhirError(400, issues)
        self._wallet(conn, wallet_id)
        key = and_(wallet_members.c.wallet_id == wallet_id, wallet_members.c.member == member)
        if conn.execute(select(wallet_members.c.member).where(key)).first() is None:
            conn.execute(
                wallet_members.insert().values(
                    wallet_id=wallet_id,
                    member=member,
                    monthly_cap=monthly_cap,
                    joined_us=self.ledger.now_us(),
                )
            )
        else:
            conn.execute(wallet_members.update().where(key).values(monthly_cap=monthly_cap))

    def deposit(
        self,
        conn: Connection,
        wallet_id: str,
        member: str,
        amount: int,
        *,
        source_account: str,
        idempotency_key: str | None = None,
        reference: str | None = None,
    ) -> Recorded:
        """Move `amount` from `source_account` (e.g. the bank) into the pool, by `member`."""
        amount = positive_amount(amount, "deposit.amount")
        account = self._wallet(conn, wallet_id)
        self._cap(conn, wallet_id, member, lock=False)
        transfer = Transfer.between(
            source_account,
            account,
            amount,
            idempotency_key=idempotency_key,
            description=f"Deposit by {member}",
            reference=reference,
        )
        recorded = self.ledger.post_transfer(conn, transfer)
        if not recorded.replayed:
            self._entry(conn, wallet_id, member, "deposit", amount, reference, recorded.txn_id)
        return recorded

    def charge(
        self,
        conn: Connection,
        wallet_id: str,
        member: str,
        amount: int,
        *,
        payee_account: str,
        idempotency_key: str | None = None,
        reference: str | None = None,
        timeout: timedelta = DEFAULT_HOLD,
    ) -> HoldPlaced:
        """Hold `amount` of the pool for `member`'s dispensing, within their monthly cap."""
        amount = positive_amount(amount, "charge.amount")
        account = self._wallet(conn, wallet_id)
        transfer = Transfer.between(
            account,
            payee_account,
            amount,
            idempotency_key=idempotency_key,
            description=f"Charge for {member}",
            reference=reference,
        )
        cap = self._cap(conn, wallet_id, member, lock=True)
        if idempotency_key is None or not self._hold_exists(conn, idempotency_key):
            spent = self.spent(conn, wallet_id, member)
            if spent + amount > cap:
                raise error(
                    409,
                    "business-rule",
                    f"{member} has spent {spent} of a monthly cap of {cap} centavos; "
                    f"{amount} more would exceed it",
                    "charge.amount",
                )
        placed = self.ledger.place_hold(conn, transfer, timeout=timeout)
        if not placed.replayed:
            self._entry(conn, wallet_id, member, "charge", amount, reference, None, placed.hold_id)
        return placed

    def settle(self, conn: Connection, hold_id: str) -> Recorded:
        """The medicine was handed over: the held amount is paid to the payee."""
        return self.ledger.post_hold(conn, hold_id)

    def release(self, conn: Connection, hold_id: str) -> bool:
        """The dispensing did not happen: the held amount goes back to the pool."""
        return self.ledger.void_hold(conn, hold_id)

    def spent(
        self, conn: Connection, wallet_id: str, member: str, period: str | None = None
    ) -> int:
        """The member's posted and still-pending charges in `period` (default: this month)."""
        now_us = self.ledger.now_us()
        live = or_(
            holds.c.status == "posted",
            and_(
                holds.c.status == "pending",
                or_(holds.c.expires_us.is_(None), holds.c.expires_us > now_us),
            ),
        )
        query = (
            select(wallet_entries.c.amount)
            .join(holds, holds.c.id == wallet_entries.c.hold_id)
            .where(
                wallet_entries.c.wallet_id == wallet_id,
                wallet_entries.c.member == member,
                wallet_entries.c.period == (period or period_of(self.ledger.clock())),
                wallet_entries.c.kind == "charge",
                live,
            )
        )
        return sum(conn.execute(query).scalars())

    def wallet_account_id(self, conn: Connection, wallet_id: str) -> str:
        return self._wallet(conn, wallet_id)

    def member_cap(self, conn: Connection, wallet_id: str, member: str) -> int:
        return self._cap(conn, wallet_id, member, lock=False)

    def _wallet(self, conn: Connection, wallet_id: str) -> str:
        account = conn.execute(
            select(wallets.c.account_id).where(wallets.c.id == wallet_id)
        ).scalar()
        if account is None:
            raise error(404, "not-found", f"Unknown wallet '{wallet_id}'", "wallet")
        return str(account)

    def _cap(self, conn: Connection, wallet_id: str, member: str, *, lock: bool) -> int:
        """The member's cap; the member row is locked so two charges are checked one by one."""
        query = select(wallet_members.c.monthly_cap).where(
            wallet_members.c.wallet_id == wallet_id, wallet_members.c.member == member
        )
        cap = conn.execute(query.with_for_update() if lock else query).scalar()
        if cap is None:
            raise error(422, "not-found", f"{member} is not a member of '{wallet_id}'", "member")
        return int(cap)

    def _hold_exists(self, conn: Connection, idempotency_key: str) -> bool:
        query = select(holds.c.id).where(holds.c.idempotency_key == idempotency_key)
        return conn.execute(query).first() is not None

    def _entry(
        self,
        conn: Connection,
        wallet_id: str,
        member: str,
        kind: str,
        amount: int,
        reference: str | None,
        txn_id: str | None,
        hold_id: str | None = None,
    ) -> None:
        now = self.ledger.clock()
        conn.execute(
            wallet_entries.insert().values(
                id=self.ledger.new_id(),
                wallet_id=wallet_id,
                member=member,
                kind=kind,
                amount=amount,
                period=period_of(now),
                txn_id=txn_id,
                hold_id=hold_id,
                reference=reference,
                created_us=epoch_us(now),
            )
        )


def _check_text(value: object, where: str) -> None:
    issues = text_issues(value, where, 64 if where == "wallet.id" else 128, optional=False)
    if issues:
        raise FhirError(400, issues)
