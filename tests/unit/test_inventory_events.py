"""Stock event validation and the JSON form: every problem named with its field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.inventory import Item, StockEvent, check_event, event_from_json
from enlace.modules.inventory.domain import direction

T = datetime(2026, 3, 2, 10, tzinfo=UTC)


def event(kind: str = "issue", **fields: Any) -> StockEvent:
    items = fields.pop("items", (Item("metformin-850-tab", "L1", 2),))
    return StockEvent(kind, fields.pop("facility", "f1"), items, fields.pop("at", T), **fields)


def where(problems: list[Any]) -> list[str | None]:
    return [p.expression for p in problems]


def test_a_good_event_has_no_problem() -> None:
    assert check_event(event()) == []
    receipt = event("receipt", items=(Item("m", "L1", 3, date(2027, 1, 1)),))
    assert check_event(receipt) == []


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (event("gift"), ["kind"]),
        (event(at=datetime(2026, 3, 2)), ["occurredAt"]),
        (event(items=()), ["items"]),
        (event(items=(Item("m", "L1", 0),)), ["items[0].quantity"]),
        (event(items=(Item("m", "L1", -2),)), ["items[0].quantity"]),
        (event(items=(Item("m", "L1", 10**10),)), ["items[0].quantity"]),
        (event(items=(Item("m", "L1", 1), Item("m", "L1", 2))), ["items[1]"]),
        (event("receipt", items=(Item("m", "L1", 1),)), ["items[0].expiry"]),
        (event("receipt", items=(Item("m", None, 1, date(2027, 1, 1)),)), ["items[0].lot"]),
        (event("adjustment"), ["reason"]),
        (event("adjustment", reason="gift"), ["reason"]),
        (event("issue", reason="damaged"), ["reason"]),
        (event("transfer"), ["destination"]),
        (event("transfer", counterpart="f1"), ["destination"]),
        (event(reference=""), ["reference"]),
        (event(reference="x" * 201), ["reference"]),
        (event(idempotency_key="k\x00"), ["idempotencyKey"]),
        (event(counterpart="CEDIS\n"), ["source"]),
        (event("transfer", counterpart="f2\x00"), ["destination"]),
        (event(items=(Item("m", "L\x00", 1),)), ["items[0].lot"]),
        (event(items=(Item("m", "L" * 65, 1),)), ["items[0].lot"]),
    ],
)
def test_problems_name_their_field(bad: StockEvent, expected: list[str]) -> None:
    assert where(check_event(bad)) == expected


def test_a_count_may_find_nothing_and_an_issue_may_leave_the_lot_out() -> None:
    assert check_event(event("count", items=(Item("m", "L1", 0),))) == []
    assert check_event(event("issue", items=(Item("m", None, 3),))) == []


@pytest.mark.parametrize(
    ("kind", "reason", "sign"),
    [
        ("receipt", None, 1),
        ("issue", None, -1),
        ("transfer", None, -1),
        ("adjustment", "stolen", -1),
        ("adjustment", "cold-chain-failure", -1),
        ("adjustment", "found", 1),
        ("adjustment", "correction-positive", 1),
    ],
)
def test_the_sign_comes_from_the_kind(kind: str, reason: str | None, sign: int) -> None:
    assert direction(event(kind, reason=reason)) == sign


def test_the_fingerprint_ignores_the_key_only() -> None:
    first = event(idempotency_key="k1")
    assert first.request_hash() == event(idempotency_key="k2").request_hash()
    assert first.request_hash() != event(reference="x").request_hash()


GOOD = {
    "kind": "receipt",
    "facility": "f1",
    "occurredAt": "2026-03-02T10:00:00-06:00",
    "items": [{"product": "m", "lot": "L1", "quantity": 2, "expiry": "2027-01-31"}],
    "source": "CEDIS",
    "idempotencyKey": "k",
}


def test_json_round() -> None:
    parsed = event_from_json(GOOD)
    assert parsed.items == (Item("m", "L1", 2, date(2027, 1, 31)),)
    assert parsed.counterpart == "CEDIS" and parsed.idempotency_key == "k"
    assert parsed.occurred_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], ["/"]),
        ({**GOOD, "colour": "red"}, ["colour"]),
        ({**GOOD, "kind": 3}, ["kind"]),
        ({k: v for k, v in GOOD.items() if k != "facility"}, ["facility"]),
        ({**GOOD, "occurredAt": "2026-03-02T10:00:00"}, ["occurredAt"]),
        ({**GOOD, "occurredAt": "yesterday"}, ["occurredAt"]),
        ({k: v for k, v in GOOD.items() if k != "occurredAt"}, ["occurredAt"]),
        ({**GOOD, "items": []}, ["items"]),
        ({**GOOD, "items": ["x"]}, ["items[0]"]),
        ({**GOOD, "items": [{"product": "m", "lot": "L", "quantity": "2"}]}, ["items[0].quantity"]),
        ({**GOOD, "items": [{"product": "m", "lot": "L", "quantity": 2.5}]}, ["items[0].quantity"]),
        (
            {**GOOD, "items": [{"product": "m", "lot": "L", "quantity": True}]},
            ["items[0].quantity"],
        ),
        ({**GOOD, "items": [{"lot": "L", "quantity": 1}]}, ["items[0].product"]),
        (
            {**GOOD, "items": [{"product": "m", "lot": "L", "quantity": 1, "expiry": "31/01/27"}]},
            ["items[0].expiry"],
        ),
        (
            {**GOOD, "items": [{"product": "m", "quantity": 1, "size": 3}]},
            ["items[0].size"],
        ),
        ({**GOOD, "destination": "f2"}, ["destination"]),
    ],
)
def test_bad_json_is_a_400_naming_the_field(body: Any, expected: list[str]) -> None:
    with pytest.raises(FhirError) as caught:
        event_from_json(body)
    assert caught.value.status == 400
    assert [i.expression for i in caught.value.issues] == expected
