"""A stock event from its JSON form (the HTTP body of `POST /inventory/events`).

```
{"kind": "issue", "facility": "<slug>", "occurredAt": "2026-03-02T10:00:00-06:00",
 "items": [{"product": "<medicine slug>", "lot": "L1", "quantity": 2, "expiry": "2027-01-31"}],
 "reason": "damaged", "source": "...", "destination": "<slug>", "reference": "...",
 "idempotencyKey": "..."}
```
`source` (a receipt's supplier) and `destination` (a transfer's facility) are the counterpart.
Every shape problem is collected with its field (`items[0].quantity`) and raised as one 400.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from enlace.kernel.errors import FhirError, Issue
from enlace.modules.inventory.domain import Item, StockEvent

FIELDS = frozenset(
    (
        "kind",
        "facility",
        "occurredAt",
        "items",
        "reason",
        "source",
        "destination",
        "reference",
        "idempotencyKey",
    )
)
ITEM_FIELDS = frozenset(("product", "lot", "quantity", "expiry"))


class _Problems:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, where: str, message: str, code: str = "value") -> None:
        self.issues.append(Issue(code, message, where))

    def text(self, body: dict[str, Any], name: str, where: str, required: bool = False) -> Any:
        value = body.get(name)
        if value is None:
            if required:
                self.add(where, f"{name} is required", "required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(where, f"{name} is a non-empty string")
            return None
        return value


def event_from_json(body: Any) -> StockEvent:
    """The event the JSON describes; a 400 naming each problem and its field otherwise."""
    problems = _Problems()
    if not isinstance(body, dict):
        raise FhirError(400, [Issue("structure", "The event is a JSON object", "/")])
    for name in sorted(set(body) - FIELDS):
        problems.add(name, f"Unknown field {name!r}", "structure")
    kind = problems.text(body, "kind", "kind", required=True)
    facility = problems.text(body, "facility", "facility", required=True)
    occurred = _instant(problems, body.get("occurredAt"))
    items = _items(problems, body.get("items"))
    texts = {n: problems.text(body, n, n) for n in ("reason", "reference", "idempotencyKey")}
    source = problems.text(body, "source", "source")
    destination = problems.text(body, "destination", "destination")
    if source is not None and destination is not None:
        problems.add("destination", "An event has a source or a destination, not both")
    if problems.issues or occurred is None:
        raise FhirError(400, problems.issues)
    return StockEvent(
        kind=kind,
        facility=facility,
        items=tuple(items),
        occurred_at=occurred,
        reason=texts["reason"],
        counterpart=source or destination,
        reference=texts["reference"],
        idempotency_key=texts["idempotencyKey"],
    )


def _instant(problems: _Problems, value: Any) -> datetime | None:
    if value is None:
        problems.add("occurredAt", "occurredAt is required", "required")
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if not isinstance(value, str) or moment is None or moment.tzinfo is None:
        problems.add("occurredAt", "occurredAt is a date-time with a time zone")
        return None
    return moment


def _items(problems: _Problems, value: Any) -> list[Item]:
    if not isinstance(value, list) or not value:
        problems.add("items", "items is a non-empty list", "required")
        return []
    found = []
    for n, entry in enumerate(value):
        item = _item(problems, entry, f"items[{n}]")
        if item is not None:
            found.append(item)
    return found


def _item(problems: _Problems, entry: Any, where: str) -> Item | None:
    if not isinstance(entry, dict):
        problems.add(where, "An item is a JSON object", "structure")
        return None
    before = len(problems.issues)
    for name in sorted(set(entry) - ITEM_FIELDS):
        problems.add(f"{where}.{name}", f"Unknown field {name!r}", "structure")
    product = problems.text(entry, "product", f"{where}.product", required=True)
    lot = problems.text(entry, "lot", f"{where}.lot")
    quantity = entry.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        problems.add(f"{where}.quantity", "quantity is a whole number of units")
    expiry = _date(problems, entry.get("expiry"), f"{where}.expiry")
    if len(problems.issues) > before or not isinstance(quantity, int):
        return None
    return Item(product, lot, quantity, expiry)


def _date(problems: _Problems, value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.add(where, "expiry is a date YYYY-MM-DD")
    return None
