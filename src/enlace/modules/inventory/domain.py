"""Stock events and their rules, without a database (OpenLMIS stock management, issue 8 part 5).

A `StockEvent` happens at one facility and names one or more items (product x lot x quantity).
Quantities are whole units (packs), always positive: the sign comes from the kind of event
(receipt +, issue -, transfer - here and + at the destination, adjustment by its reason). A
physical count carries the counted quantity instead; the ledger books the difference.
`check_event` returns every problem with the field it concerns; the ledger refuses the event
when there is one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import orjson

from enlace.kernel.errors import Issue

RECEIPT, ISSUE, TRANSFER, ADJUSTMENT, COUNT = "receipt", "issue", "transfer", "adjustment", "count"
KINDS = (RECEIPT, ISSUE, TRANSFER, ADJUSTMENT, COUNT)

# Adjustment reason codes and the direction each moves stock.
REASONS: dict[str, int] = {
    "expired": -1,
    "damaged": -1,
    "lost": -1,
    "stolen": -1,
    "cold-chain-failure": -1,
    "correction-negative": -1,
    "found": 1,
    "correction-positive": 1,
    # A hold: units set aside (cold-chain excursion) are not on hand, so neither FEFO nor an issue
    # can take them; a release books them back, a destruction then writes them off.
    "quarantine": -1,
    "quarantine-release": 1,
}
COUNT_REASON = "physical-count"
MAX_QUANTITY = 1_000_000_000  # no pharmacy moves a billion packs at once: a typo, refused
MAX_ITEMS = 500
MAX_TEXT = 200
MAX_LOT = 64


@dataclass(frozen=True, slots=True)
class Item:
    product: str  # catalog medicine slug, e.g. "metformin-850-tab"
    lot: str | None  # None on an issue: the ledger picks lots first-expiry-first-out
    quantity: int  # units moved; for a physical count, the units counted (may be 0)
    expiry: date | None = None  # required on a receipt; else taken from the lot on hand


@dataclass(frozen=True, slots=True)
class StockEvent:
    kind: str
    facility: str  # catalog facility slug
    items: tuple[Item, ...]
    occurred_at: datetime
    reason: str | None = None  # adjustments: a key of REASONS
    counterpart: str | None = None  # receipt: where it came from; transfer: destination facility
    reference: str | None = None  # e.g. MedicationDispense/123 or an EPCIS event id
    idempotency_key: str | None = None

    def request_hash(self) -> str:
        """Fingerprint of everything but the key: a replayed key must carry the same event."""
        body = [
            self.kind,
            self.facility,
            [[i.product, i.lot, i.quantity, i.expiry and i.expiry.isoformat()] for i in self.items],
            self.occurred_at.isoformat(),
            self.reason,
            self.counterpart,
            self.reference,
        ]
        return hashlib.sha256(orjson.dumps(body)).hexdigest()


def direction(event: StockEvent) -> int:
    """+1 or -1 for the facility's own lines (a count's sign comes from the difference)."""
    if event.kind == RECEIPT:
        return 1
    if event.kind == ADJUSTMENT:
        return REASONS.get(event.reason or "", -1)
    return -1 if event.kind in (ISSUE, TRANSFER) else 1


def check_event(event: StockEvent) -> list[Issue]:
    """Every structural problem of the event (400s), each naming its field."""
    problems = _check_header(event)
    if not event.items:
        problems.append(Issue("required", "An event moves at least one item", "items"))
    if len(event.items) > MAX_ITEMS:
        problems.append(Issue("too-long", f"At most {MAX_ITEMS} items per event", "items"))
    seen: set[tuple[str, str | None]] = set()
    for n, item in enumerate(event.items):
        problems += _check_item(event.kind, item, f"items[{n}]")
        key = (item.product, item.lot)
        if key in seen and item.lot is not None:
            problems.append(Issue("duplicate", "The same product and lot twice", f"items[{n}]"))
        seen.add(key)
    return problems


def _check_header(event: StockEvent) -> list[Issue]:
    problems = []
    if event.kind not in KINDS:
        problems.append(Issue("code-invalid", f"kind is one of {', '.join(KINDS)}", "kind"))
    if event.occurred_at.tzinfo is None:
        problems.append(Issue("value", "occurredAt needs a time zone", "occurredAt"))
    if event.kind == ADJUSTMENT and event.reason not in REASONS:
        codes = ", ".join(REASONS)
        problems.append(
            Issue("code-invalid", f"An adjustment's reason is one of {codes}", "reason")
        )
    if event.kind != ADJUSTMENT and event.reason is not None:
        problems.append(Issue("value", "Only adjustments carry a reason", "reason"))
    if event.kind == TRANSFER and not event.counterpart:
        problems.append(Issue("required", "A transfer names its destination", "destination"))
    if event.kind == TRANSFER and event.counterpart == event.facility:
        problems.append(Issue("value", "A transfer goes to another facility", "destination"))
    counterpart = "destination" if event.kind == TRANSFER else "source"
    texts = (
        (counterpart, event.counterpart),
        ("reference", event.reference),
        ("idempotencyKey", event.idempotency_key),
    )
    for name, text in texts:
        if text is not None and not is_text(text, MAX_TEXT):
            message = f"{name} is 1 to {MAX_TEXT} printable characters"
            problems.append(Issue("value", message, name))
    return problems


def is_text(text: str, longest: int) -> bool:
    """Printable, 1 to `longest` characters: no control characters (PostgreSQL refuses NUL)."""
    return 0 < len(text) <= longest and text.isprintable()


def _check_item(kind: str, item: Item, where: str) -> list[Issue]:
    problems = []
    lowest = 0 if kind == COUNT else 1
    if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
        problems.append(Issue("value", "quantity is a whole number of units", f"{where}.quantity"))
    elif not lowest <= item.quantity <= MAX_QUANTITY:
        text = f"quantity is {lowest} to {MAX_QUANTITY:,} units"
        problems.append(Issue("value", text, f"{where}.quantity"))
    if item.lot is None and kind != ISSUE:
        problems.append(Issue("required", "Only an issue may leave the lot out", f"{where}.lot"))
    if item.lot is not None and not is_text(item.lot, MAX_LOT):
        problems.append(
            Issue("value", f"lot is 1 to {MAX_LOT} printable characters", f"{where}.lot")
        )
    if kind == RECEIPT and item.expiry is None:
        problems.append(Issue("required", "A receipt gives each lot's expiry", f"{where}.expiry"))
    return problems
