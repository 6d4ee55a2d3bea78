"""The inventory use cases the HTTP and CLI edges call: each opens its own transaction.

Unknown facilities and products are 404s naming the parameter; the ledger's own errors pass
through (ledger.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from enlace.kernel.errors import error
from enlace.modules.inventory import queries
from enlace.modules.inventory.domain import StockEvent
from enlace.modules.inventory.ledger import Recorded, StockLedger
from enlace.modules.inventory.queries import CardPage, StockLevel
from enlace.store.database import Database


@dataclass(frozen=True, slots=True)
class Expiries:
    near: list[StockLevel]
    expired: list[StockLevel]


def record(db: Database, ledger: StockLedger, event: StockEvent) -> Recorded:
    """Record one event in its own transaction (nothing written when it is refused)."""
    with db.begin() as conn:
        return ledger.record(conn, event)


def require(ledger: StockLedger, facility: str, product: str | None = None) -> None:
    if facility not in ledger.facilities:
        raise error(404, "not-found", f"Unknown facility {facility!r}", "facility")
    if product is not None and product not in ledger.products:
        raise error(404, "not-found", f"Unknown product {product!r}", "product")


def stock(
    db: Database, ledger: StockLedger, facility: str, product: str | None, by_lot: bool
) -> list[StockLevel]:
    require(ledger, facility, product)
    with db.read() as conn:
        return queries.stock_on_hand(conn, facility, product, by_lot)


def card(
    db: Database,
    ledger: StockLedger,
    key: tuple[str, str, str],
    after: int,
    limit: int,
) -> CardPage:
    facility, product, lot = key
    require(ledger, facility, product)
    with db.read() as conn:
        return queries.stock_card(conn, facility, product, lot, after, limit)


def expiries(db: Database, ledger: StockLedger, facility: str, today: date, days: int) -> Expiries:
    require(ledger, facility)
    with db.read() as conn:
        return Expiries(
            queries.near_expiry(conn, facility, today, days),
            queries.expired_on_hand(conn, facility, today),
        )
