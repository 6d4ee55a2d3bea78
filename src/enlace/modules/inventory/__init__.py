"""Inventory (issue 8 part 5): the stock ledger and first-expiry-first-out picking.

Public API for other modules (docs/inventory.md): record stock events (`StockLedger.record`,
`record_batch`; receipts from EPCIS receiving events), pick lots FEFO (`allocate`), and read
stock on hand, stock cards, consumption, days out of stock and the expiry lists.
"""

from __future__ import annotations

from enlace.modules.inventory import service
from enlace.modules.inventory.domain import (
    ADJUSTMENT,
    COUNT,
    ISSUE,
    KINDS,
    REASONS,
    RECEIPT,
    TRANSFER,
    Item,
    StockEvent,
    check_event,
    is_text,
)
from enlace.modules.inventory.epcis_receipt import (
    facility_of_location,
    receipt_from_epcis,
    receive_epcis_event,
)
from enlace.modules.inventory.fefo import Allocation, LotOnHand, Pick, allocate
from enlace.modules.inventory.ledger import FACILITIES, PRODUCTS, Recorded, StockLedger
from enlace.modules.inventory.moves import Line
from enlace.modules.inventory.parse import event_from_json
from enlace.modules.inventory.queries import (
    MAX_PAGE,
    CardPage,
    StockLevel,
    consumption,
    days_out_of_stock,
    expired_on_hand,
    near_expiry,
    stock_card,
    stock_on_hand,
)

__all__ = [
    "ADJUSTMENT",
    "COUNT",
    "FACILITIES",
    "ISSUE",
    "KINDS",
    "MAX_PAGE",
    "PRODUCTS",
    "REASONS",
    "RECEIPT",
    "TRANSFER",
    "Allocation",
    "CardPage",
    "Item",
    "Line",
    "LotOnHand",
    "Pick",
    "Recorded",
    "StockEvent",
    "StockLedger",
    "StockLevel",
    "allocate",
    "check_event",
    "consumption",
    "days_out_of_stock",
    "event_from_json",
    "expired_on_hand",
    "facility_of_location",
    "is_text",
    "near_expiry",
    "receipt_from_epcis",
    "receive_epcis_event",
    "service",
    "stock_card",
    "stock_on_hand",
]
