"""Writing journal rows and answering replayed idempotency keys.

Lines are inserted before their header row: the header's insert trigger checks that the lines
already written balance, and seals them (ledger_ddl.py). One statement per table per batch (ledger_sql.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table

from enlace.kernel.errors import error
from enlace.modules.finance.ledger_model import Transfer
from enlace.modules.finance.ledger_sql import insert_rows, select_where_in
from enlace.modules.finance.tables import hold_lines, holds, postings, transactions

LINE_COLUMNS = ("{owner}", "line", "account_id", "currency", "amount")
TRANSACTION_COLUMNS = (
    "id",
    "currency",
    "posting_count",
    "idempotency_key",
    "request_hash",
    "reverses",
    "hold_id",
    "description",
    "reference",
    "posted_us",
)
HOLD_COLUMNS = (
    "id",
    "currency",
    "line_count",
    "status",
    "expires_us",
    "idempotency_key",
    "request_hash",
    "description",
    "reference",
    "created_us",
)


@dataclass(slots=True)
class JournalRows:
    """Rows of one batch as tuples in column order, lines kept apart to be written first."""

    lines: list[tuple[Any, ...]] = field(default_factory=list)
    headers: list[tuple[Any, ...]] = field(default_factory=list)

    def add_transaction(
        self,
        txn_id: str,
        transfer: Transfer,
        now_us: int,
        *,
        request_hash: str | None,
        reverses: str | None = None,
        hold_id: str | None = None,
    ) -> None:
        self._add_lines(txn_id, transfer)
        self.headers.append(
            (
                txn_id,
                transfer.currency,
                len(transfer.postings),
                transfer.idempotency_key,
                request_hash,
                reverses,
                hold_id,
                transfer.description,
                transfer.reference,
                now_us,
            )
        )

    def add_hold(
        self,
        hold_id: str,
        transfer: Transfer,
        now_us: int,
        *,
        request_hash: str | None,
        expires_us: int | None,
    ) -> None:
        self._add_lines(hold_id, transfer)
        self.headers.append(
            (
                hold_id,
                transfer.currency,
                len(transfer.postings),
                "pending",
                expires_us,
                transfer.idempotency_key,
                request_hash,
                transfer.description,
                transfer.reference,
                now_us,
            )
        )

    def _add_lines(self, owner_id: str, transfer: Transfer) -> None:
        currency = transfer.currency
        self.lines += [
            (owner_id, line, posting.account, currency, posting.amount)
            for line, posting in enumerate(transfer.postings)
        ]


def write_transactions(conn: Connection, rows: JournalRows) -> None:
    line_columns = [c.format(owner="txn_id") for c in LINE_COLUMNS]
    insert_rows(conn, postings, line_columns, rows.lines)
    insert_rows(conn, transactions, TRANSACTION_COLUMNS, rows.headers)


def write_holds(conn: Connection, rows: JournalRows) -> None:
    line_columns = [c.format(owner="hold_id") for c in LINE_COLUMNS]
    insert_rows(conn, hold_lines, line_columns, rows.lines)
    insert_rows(conn, holds, HOLD_COLUMNS, rows.headers)


@dataclass(frozen=True, slots=True)
class Replays:
    """For requests whose key was already used: the id they produced (or the earlier request in
    the same batch that will produce it)."""

    stored: dict[int, str]
    earlier: dict[int, int]


def find_replays(
    conn: Connection, header: Table, requests: Sequence[tuple[str | None, str]], where: str
) -> Replays:
    """`requests` are (idempotency key, request hash) in batch order. Same key and same hash is
    a replay; same key with another hash is a 409 naming the request."""
    keyed = [(n, key, digest) for n, (key, digest) in enumerate(requests) if key is not None]
    if not keyed:
        return Replays({}, {})
    known = _stored_keys(conn, header, sorted({key for _n, key, _d in keyed}))
    stored: dict[int, str] = {}
    earlier: dict[int, int] = {}
    first_in_batch: dict[str, tuple[int, str]] = {}
    for n, key, digest in keyed:
        if key in known:
            found_id, found_digest = known[key]
            _same_body(found_digest, digest, key, f"{where}[{n}]")
            stored[n] = found_id
        elif key in first_in_batch:
            first, first_digest = first_in_batch[key]
            _same_body(first_digest, digest, key, f"{where}[{n}]")
            earlier[n] = first
        else:
            first_in_batch[key] = (n, digest)
    return Replays(stored, earlier)


def _same_body(expected: str | None, digest: str, key: str, where: str) -> None:
    if expected != digest:
        raise error(
            409,
            "conflict",
            f"Idempotency key '{key}' was used with a different request",
            f"{where}.idempotencyKey",
        )


def _stored_keys(conn: Connection, header: Table, keys: list[str]) -> dict[str, tuple[str, str]]:
    select_sql = f"SELECT idempotency_key, id, request_hash FROM {header.name}"
    rows = select_where_in(conn, select_sql, "idempotency_key", keys)
    return {key: (row_id, digest) for key, row_id, digest in rows}
