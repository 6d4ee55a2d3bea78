"""Writing journal rows and answering replayed idempotency keys.

Lines are inserted before their header row: the header's insert trigger checks that the lines
already written balance, and seals them (ledger_ddl.py). One executemany per table per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from enlace.kernel.errors import error
from enlace.modules.finance.ledger_model import Transfer
from enlace.modules.finance.tables import hold_lines, holds, postings, transactions

_CHUNK = 500


@dataclass(slots=True)
class JournalRows:
    """Rows of one batch, lines and headers kept apart so lines can be written first."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)

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
        self._add_lines("txn_id", txn_id, transfer)
        self.headers.append(
            {
                "id": txn_id,
                "currency": transfer.currency,
                "posting_count": len(transfer.postings),
                "idempotency_key": transfer.idempotency_key,
                "request_hash": request_hash,
                "reverses": reverses,
                "hold_id": hold_id,
                "description": transfer.description,
                "reference": transfer.reference,
                "posted_us": now_us,
            }
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
        self._add_lines("hold_id", hold_id, transfer)
        self.headers.append(
            {
                "id": hold_id,
                "currency": transfer.currency,
                "line_count": len(transfer.postings),
                "status": "pending",
                "expires_us": expires_us,
                "idempotency_key": transfer.idempotency_key,
                "request_hash": request_hash,
                "description": transfer.description,
                "reference": transfer.reference,
                "created_us": now_us,
                "resolved_us": None,
            }
        )

    def _add_lines(self, key: str, owner_id: str, transfer: Transfer) -> None:
        currency = transfer.currency
        for line, posting in enumerate(transfer.postings):
            self.lines.append(
                {
                    key: owner_id,
                    "line": line,
                    "account_id": posting.account,
                    "currency": currency,
                    "amount": posting.amount,
                }
            )


def write_transactions(conn: Connection, rows: JournalRows) -> None:
    _write(conn, postings, transactions, rows)


def write_holds(conn: Connection, rows: JournalRows) -> None:
    _write(conn, hold_lines, holds, rows)


def _write(conn: Connection, line_table: Table, header_table: Table, rows: JournalRows) -> None:
    if rows.lines:
        conn.execute(line_table.insert(), rows.lines)
    if rows.headers:
        conn.execute(header_table.insert(), rows.headers)


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
    found: dict[str, tuple[str, str]] = {}
    column = header.c.idempotency_key
    for start in range(0, len(keys), _CHUNK):
        query = select(column, header.c.id, header.c.request_hash).where(
            column.in_(keys[start : start + _CHUNK])
        )
        for key, row_id, digest in conn.execute(query):
            found[key] = (row_id, digest)
    return found
