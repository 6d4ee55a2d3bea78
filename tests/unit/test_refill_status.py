"""When a therapy's next fill is due, and when the prescriber must be asked to renew."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enlace.modules import pharmacy

TODAY = date(2026, 3, 1)


def rx(
    repeats: int = 2, until: str = "2026-07-01", auto: bool = False, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "rx-1",
        "status": "active",
        "subject": {"reference": "Patient/p-1"},
        "requester": {"reference": "Practitioner/dr-1"},
        "authoredOn": "2026-02-01",
        "dispenseRequest": {
            "numberOfRepeatsAllowed": repeats,
            "expectedSupplyDuration": {"value": 30, "code": "d"},
            "validityPeriod": {"start": "2026-02-01", "end": until},
        },
        **extra,
    }
    if auto:
        body["extension"] = [{"url": pharmacy.AUTO_REFILL_EXTENSION, "valueBoolean": True}]
    return body


def fill(on: str, days: int = 30) -> dict[str, Any]:
    return {
        "status": "completed",
        "whenHandedOver": f"{on}T10:00:00-06:00",
        "daysSupply": {"value": days},
    }


@pytest.mark.parametrize(
    ("fills", "repeats", "until", "state", "next_due", "renew"),
    [
        ([], 2, "2026-07-01", "due", date(2026, 2, 1), False),  # never filled: due since written
        ([fill("2026-02-03")], 2, "2026-07-01", "due", date(2026, 3, 5), False),  # within 5 days
        ([fill("2026-02-20")], 2, "2026-07-01", "not-due", date(2026, 3, 22), False),
        (
            [fill("2026-01-10"), fill("2026-02-10")],
            1,
            "2026-07-01",
            "exhausted",
            date(2026, 3, 12),
            True,
        ),
        (
            [fill("2026-02-20")],
            2,
            "2026-03-10",
            "not-due",
            date(2026, 3, 22),
            True,
        ),  # ends in 9 days
        ([fill("2026-01-20")], 2, "2026-02-25", "expired", date(2026, 2, 19), False),
    ],
)
def test_refill_status(
    fills: list[dict[str, Any]], repeats: int, until: str, state: str, next_due: date, renew: bool
) -> None:
    found = pharmacy.refill_status(rx(repeats, until), fills, TODAY)
    assert (found.state, found.next_due, found.renew) == (state, next_due, renew)
    assert found.fills_done == len(fills) and found.fills_allowed == repeats + 1


def test_opt_in_and_fulfilment_are_read_from_the_prescription() -> None:
    home = [
        {
            "url": "https://enlace.health/fhir/StructureDefinition/prescription-fulfilment",
            "valueCode": "home-delivery",
        }
    ]
    found = pharmacy.refill_status(rx(auto=True), [], TODAY)
    assert found.auto_refill and found.fulfilment == "pickup"
    found = pharmacy.refill_status({**rx(), "extension": home}, [], TODAY)
    assert not found.auto_refill and found.fulfilment == "home-delivery"
