"""The double-entry ledger's service API: accounts, transfers (one or a batch), reversals, holds.

Every call runs in the caller's connection and transaction (`services.writing()`), so a domain
write and its money movements commit together. A batch is all or nothing: the first transfer
that fails (bad input 400, unknown account 422, insufficient funds 409, key replayed with another
body 409) fails the batch. What the database itself guarantees is in ledger_ddl.py.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.kernel.errors import conflict, error
from enlace.kernel.ids import IdFactory
from enlace.modules.finance import ledger_holds
from enlace.modules.finance.ledger_accounts import BalanceBook, get_account, open_account
from enlace.modules.finance.ledger_journal import JournalRows, find_replays, write_transactions
from enlace.modules.finance.ledger_model import (
    CURRENCY,
    Account,
    HoldPlaced,
    Posting,
    Recorded,
    Transfer,
    check_transfers,
)
from enlace.modules.finance.tables import postings, transactions


def time_ordered_ids() -> str:
    """UUIDv7-shaped ids (RFC 9562: milliseconds first, then random bits). Journal rows keyed by
    them land at the right edge of their B-trees instead of on random pages: with random UUIDs
    SQLite's batch inserts slowed as the tables outgrew its page cache."""
    millis = time.time_ns() // 1_000_000
    value = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64)
    value |= (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


class Ledger:
    def __init__(self, clock: Clock = system_clock, ids: IdFactory = time_ordered_ids) -> None:
        self.clock = clock
        self.new_id = ids

    def now_us(self) -> int:
        return epoch_us(self.clock())

    # Accounts ---------------------------------------------------------------------------------

    def open_account(
        self,
        conn: Connection,
        account_id: str,
        kind: str,
        *,
        owner: str | None = None,
        name: str = "",
        currency: str = CURRENCY,
        floor: int | None = None,
    ) -> Account:
        """Open an account (idempotent). `floor=0` forbids overdraft (wallets)."""
        return open_account(
            conn,
            account_id,
            kind,
            now_us=self.now_us(),
            owner=owner,
            name=name,
            currency=currency,
            floor=floor,
        )

    def account(self, conn: Connection, account_id: str) -> Account:
        return get_account(conn, account_id)

    # Transfers --------------------------------------------------------------------------------

    def post_transfer(self, conn: Connection, transfer: Transfer) -> Recorded:
        return self.post_transfers(conn, [transfer])[0]

    def post_transfers(self, conn: Connection, transfers: Sequence[Transfer]) -> list[Recorded]:
        """Record the transfers in order, all or none; each result says whether it was a replay."""
        check_transfers(transfers)
        digests = [t.request_hash() if t.idempotency_key else "" for t in transfers]
        requests = [(t.idempotency_key, d) for t, d in zip(transfers, digests, strict=True)]
        now_us = self.now_us()
        # Keys are looked up once the accounts are locked: a concurrent request with the same
        # new key has then committed (or failed), and this one finds its transaction.
        accounts = {p.account for t in transfers for p in t.postings}
        book = ledger_holds.locked_book(conn, accounts, now_us)
        replays = find_replays(conn, transactions, requests, "transfers")
        rows = JournalRows()
        results: list[Recorded] = []
        for n, transfer in enumerate(transfers):
            if n in replays.stored:
                results.append(Recorded(replays.stored[n], replayed=True))
            elif n in replays.earlier:
                results.append(Recorded(results[replays.earlier[n]].txn_id, replayed=True))
            else:
                _apply(book, transfer, f"transfers[{n}]")
                txn_id = self.new_id()
                rows.add_transaction(txn_id, transfer, now_us, request_hash=digests[n] or None)
                results.append(Recorded(txn_id))
        _write(conn, rows, book)
        return results

    def reverse(
        self,
        conn: Connection,
        txn_id: str,
        *,
        description: str = "",
    ) -> Recorded:
        """Undo a transaction with its mirror image, linked to it; at most once per transaction
        (reversing it again returns the reversal: the original's id is the idempotency key). It
        must not overdraw any account."""
        original = self.transaction(conn, txn_id)
        mirror = Transfer(
            tuple(Posting(p.account, -p.amount) for p in original.postings),
            original.currency,
            None,
            description or f"Reversal of {txn_id}",
            original.reference,
        )
        now_us = self.now_us()
        book = ledger_holds.locked_book(conn, (p.account for p in mirror.postings), now_us)
        existing = conn.execute(  # after the lock, so a concurrent reversal has committed
            select(transactions.c.id).where(transactions.c.reverses == txn_id)
        ).scalar()
        if existing is not None:
            return Recorded(existing, replayed=True)
        _apply(book, mirror, "reversal")
        reversal_id = self.new_id()
        rows = JournalRows()
        rows.add_transaction(reversal_id, mirror, now_us, request_hash=None, reverses=txn_id)
        _write(conn, rows, book)
        return Recorded(reversal_id)

    def transaction(self, conn: Connection, txn_id: str) -> Transfer:
        """A recorded transaction as the Transfer it was (postings in line order)."""
        header = conn.execute(select(transactions).where(transactions.c.id == txn_id)).first()
        if header is None:
            raise error(404, "not-found", f"Unknown transaction '{txn_id}'", "transaction")
        lines = conn.execute(
            select(postings.c.account_id, postings.c.amount)
            .where(postings.c.txn_id == txn_id)
            .order_by(postings.c.line)
        )
        return Transfer(
            tuple(Posting(account, amount) for account, amount in lines),
            header.currency,
            header.idempotency_key,
            header.description,
            header.reference,
        )

    # Holds ------------------------------------------------------------------------------------

    def place_hold(
        self, conn: Connection, transfer: Transfer, *, timeout: timedelta | None = None
    ) -> HoldPlaced:
        """Reserve the transfer's amounts until posted, voided, or `timeout` passes."""
        now = self.clock()
        expires_us = epoch_us(now + timeout) if timeout is not None else None
        return ledger_holds.place_hold(conn, transfer, self.new_id(), epoch_us(now), expires_us)

    def post_hold(self, conn: Connection, hold_id: str) -> Recorded:
        return ledger_holds.post_hold(conn, hold_id, self.new_id(), self.now_us())

    def void_hold(self, conn: Connection, hold_id: str) -> bool:
        return ledger_holds.void_hold(conn, hold_id, self.now_us())

    def hold_status(self, conn: Connection, hold_id: str, at: datetime | None = None) -> str:
        return ledger_holds.hold_status(conn, hold_id, epoch_us(at or self.clock()))

    def expire_holds(self, conn: Connection) -> int:
        return ledger_holds.expire_holds(conn, self.now_us())


def _apply(book: BalanceBook, transfer: Transfer, where: str) -> None:
    """Move the transfer's postings in the book, then check each account against its floor."""
    for n, posting in enumerate(transfer.postings):
        book.require(posting.account, transfer.currency, f"{where}.postings[{n}].account")
        book.post(posting.account, posting.amount)
    for n, posting in enumerate(transfer.postings):
        book.check_floor(posting.account, f"{where}.postings[{n}].amount")


def _write(conn: Connection, rows: JournalRows, book: BalanceBook) -> None:
    try:
        write_transactions(conn, rows)
    except IntegrityError as exc:
        # Two writers with one new key at once: the loser's unique violation, told as a replay
        # conflict the client can retry (the retry then finds the winner's transaction).
        if "idempotency_key" in str(exc.orig):
            raise conflict("A concurrent request used the same idempotency key; retry") from exc
        raise
    book.flush(conn)
