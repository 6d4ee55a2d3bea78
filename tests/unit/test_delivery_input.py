"""Delivery planning: bad requests refused with the field named, and rescheduling rules."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.delivery import (
    DeliveryPolicy,
    confirm,
    next_delivery_day,
    parse_request,
    plan_as_json,
    plan_day,
    record_failure,
)

REQUEST: dict[str, Any] = {
    "date": "2026-11-26",
    "settings": {"timeLimitSeconds": 2, "solutionLimit": 50},
    "depots": [
        {"id": "gdl", "latitude": 20.6597, "longitude": -103.3496, "opens": "07:00"},
    ],
    "vehicles": [
        {"id": "v1", "depot": "gdl", "capacity": 10, "shiftStart": "08:00", "shiftEnd": "16:00"},
    ],
    "orders": [
        {
            "id": f"o{i}",
            "patient": f"Patient/{i}",
            "address": {"text": "Av. Juárez", "latitude": 20.66 + i / 100, "longitude": -103.35},
            "window": {"start": "09:00", "end": "12:00"},
            "packs": 2,
        }
        for i in range(4)
    ],
}


def refused(doc: dict[str, Any]) -> list[str]:
    """The fields a request is refused for (parse, then the day's checks)."""
    with pytest.raises(FhirError) as caught:
        request = parse_request(doc)
        plan_day(request.orders, request.depots, request.vehicles, request.day, request.settings)
    assert caught.value.status == 400
    return [issue.expression or "" for issue in caught.value.issues]


def edited(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(REQUEST)
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return doc


def test_a_sound_request_plans_every_order() -> None:
    request = parse_request(REQUEST)
    plan = plan_day(request.orders, request.depots, request.vehicles, request.day, request.settings)
    out = plan_as_json(plan)
    assert out["placed"] == 4 and out["unplaced"] == []
    assert all(s["eta"] <= s["serviceStart"] for s in out["routes"][0]["stops"])


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("orders.3.address.latitude", ..., "orders[3].address.latitude"),
        ("orders.3.address.latitude", 95.0, "orders[3].address.latitude"),
        ("orders.1.address.longitude", -200, "orders[1].address.longitude"),
        ("orders.0.address.latitude", "20.6", "orders[0].address.latitude"),
        ("orders.2.window", {"start": "12:00", "end": "09:00"}, "orders[2].window.end"),
        ("orders.2.window", {"start": "25:00", "end": "26:00"}, "orders[2].window.start"),
        ("orders.0.packs", 0, "orders[0].packs"),
        ("orders.0.packs", -3, "orders[0].packs"),
        ("orders.1.packs", 11, "orders[1].packs"),  # larger than every vehicle
        ("orders.1.depot", "nowhere", "orders[1].depot"),
        ("orders.1.id", "o0", "orders[1].id"),
        ("vehicles.0.shiftEnd", "07:00", "vehicles[0].shift.end"),
        ("vehicles.0.shiftEnd", "08:00", "vehicles[0].shift.end"),
        ("vehicles.0.depot", "nowhere", "vehicles[0].depot"),
        ("vehicles.0.capacity", 0, "vehicles[0].capacity"),
        ("depots.0.latitude", None, "depots[0].latitude"),
        ("date", "26/11/2026", "date"),
        ("settings", {"speedKmh": -5}, "settings.speedKmh"),
        ("settings", {"sped": 5}, "settings.sped"),
    ],
)
def test_bad_input_names_the_field(path: str, value: Any, expected: str) -> None:
    assert expected in refused(edited(path, value))


def test_every_problem_is_reported_at_once() -> None:
    doc = edited("orders.0.packs", 0)
    doc["orders"][2]["address"]["latitude"] = 95.0
    assert set(refused(doc)) >= {"orders[0].packs", "orders[2].address.latitude"}


def test_a_request_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FhirError) as caught:
        parse_request([1, 2])
    assert caught.value.status == 400


ORDER = parse_request(REQUEST).orders[0]
THURSDAY = date(2026, 11, 26)


def test_nobody_home_is_retried_next_delivery_day_with_the_same_window() -> None:
    decision = record_failure(ORDER, "nobody-home", THURSDAY)
    assert decision.status == "rescheduled"
    assert decision.order.earliest_date == date(2026, 11, 27)
    assert decision.order.window == ORDER.window and decision.order.attempts == 1


def test_saturday_failures_come_back_on_monday() -> None:
    assert next_delivery_day(date(2026, 11, 28), DeliveryPolicy()) == date(2026, 11, 30)


def test_after_max_attempts_the_packs_go_back_to_the_pharmacy() -> None:
    policy = DeliveryPolicy(max_attempts=2)
    first = record_failure(ORDER, "nobody-home", THURSDAY, policy)
    second = record_failure(first.order, "nobody-home", date(2026, 11, 27), policy)
    assert (first.status, second.status) == ("rescheduled", "return-to-pharmacy")
    assert second.order.attempts == 2


def test_refusal_is_final_and_wrong_address_waits_for_a_new_one() -> None:
    assert record_failure(ORDER, "refused", THURSDAY).status == "return-to-pharmacy"
    held = record_failure(ORDER, "wrong-address", THURSDAY)
    assert held.status == "needs-address" and held.order.earliest_date is None


def test_confirmed_delivery_keeps_the_order() -> None:
    assert confirm(ORDER).status == "delivered"


def test_unknown_failure_reason_is_refused() -> None:
    with pytest.raises(FhirError) as caught:
        record_failure(ORDER, "aliens", THURSDAY)
    assert caught.value.status == 400 and caught.value.issues[0].expression == "reason"
