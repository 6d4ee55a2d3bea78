"""A MedicationRequest read into a Prescription: what a pharmacy needs, structured; every
problem a 400 (or a 422 for a quantity the dosage does not need) naming the element."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enlace.kernel import errors
from enlace.modules import pharmacy
from tests.support.prescriptions import metformin_rx

TODAY = date(2026, 2, 1)


def test_a_complete_prescription_is_read() -> None:
    rx = pharmacy.parse(metformin_rx(authoredOn="2026-02-01T10:00:00Z"), TODAY)
    assert rx.medicine is not None and rx.medicine.slug == "metformin-850-tab"
    assert (rx.doses_per_day, rx.quantity_units, rx.supply_days, rx.repeats) == (2, 60, 30, 2)
    assert rx.valid_from == TODAY and (rx.valid_until - rx.valid_from).days == 180
    assert rx.fulfilment == "pickup" and rx.performer_slug is None
    assert rx.medicine.pack_size == 30 and rx.packs == 2


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    body = metformin_rx()
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["status"], "draft", "MedicationRequest.status"),
        (["intent"], "plan", "MedicationRequest.intent"),
        (["subject"], {"reference": "Group/1"}, "MedicationRequest.subject"),
        (["requester"], {"reference": "Organization/x"}, "MedicationRequest.requester"),
        (["medicationReference"], KeyError, "MedicationRequest.medicationReference"),
        (["dosageInstruction"], [], "MedicationRequest.dosageInstruction"),
        (
            ["dosageInstruction", 0, "doseAndRate", 0, "doseQuantity", "value"],
            0,
            "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity",
        ),
        (
            ["dosageInstruction", 0, "timing", "repeat", "frequency"],
            0,
            "MedicationRequest.dosageInstruction[0].timing.repeat.frequency",
        ),
        (
            ["dosageInstruction", 0, "timing", "repeat", "periodUnit"],
            "a",
            "MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit",
        ),
        (
            ["dosageInstruction", 0, "route"],
            KeyError,
            "MedicationRequest.dosageInstruction[0].route",
        ),
        (
            ["dispenseRequest", "quantity", "value"],
            2.5,
            "MedicationRequest.dispenseRequest.quantity",
        ),
        (
            ["dispenseRequest", "expectedSupplyDuration", "value"],
            365,
            "MedicationRequest.dispenseRequest.expectedSupplyDuration",
        ),
        (
            ["dispenseRequest", "numberOfRepeatsAllowed"],
            12,
            "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed",
        ),
        (
            ["dispenseRequest", "validityPeriod"],
            {"start": "2026-01-01", "end": "2026-01-15"},
            "MedicationRequest.dispenseRequest.validityPeriod.end",
        ),
        (
            ["dispenseRequest", "validityPeriod"],
            {"start": "2026-03-01", "end": "2026-02-15"},
            "MedicationRequest.dispenseRequest.validityPeriod",
        ),
        (
            ["dispenseRequest", "performer"],
            {"reference": "Location/x"},
            "MedicationRequest.dispenseRequest.performer",
        ),
        (
            ["extension"],
            [{"url": pharmacy.FULFILMENT_EXTENSION, "valueCode": "drone"}],
            "MedicationRequest.extension[0].valueCode",
        ),
    ],
)
def test_each_problem_is_a_400_naming_the_element(path: list[Any], value: Any, where: str) -> None:
    with pytest.raises(errors.FhirError) as raised:
        pharmacy.parse(_broken(path, value), TODAY)
    assert raised.value.status == 400
    assert where in [issue.expression for issue in raised.value.issues]


@pytest.mark.parametrize(("quantity", "ok"), [(60, True), (59, False), (61, False), (200, False)])
def test_the_quantity_must_fit_the_dosage_and_days(quantity: int, ok: bool) -> None:
    body = _broken(["dispenseRequest", "quantity", "value"], quantity)
    if ok:
        assert pharmacy.parse(body, TODAY).quantity_units == quantity
        return
    with pytest.raises(errors.FhirError) as raised:
        pharmacy.parse(body, TODAY)
    assert raised.value.status == 422
    assert raised.value.issues[0].expression == "MedicationRequest.dispenseRequest.quantity"


def test_as_needed_and_uncounted_doses_are_not_held_to_the_arithmetic() -> None:
    body = _broken(["dispenseRequest", "quantity", "value"], 5)
    body["dosageInstruction"][0]["asNeededBoolean"] = True
    assert pharmacy.parse(body, TODAY).as_needed


def test_home_delivery_and_a_chosen_pharmacy_are_kept() -> None:
    body = metformin_rx(
        extension=[{"url": pharmacy.FULFILMENT_EXTENSION, "valueCode": "home-delivery"}]
    )
    body["dispenseRequest"]["performer"] = {"reference": "Organization/org-pharmacy-imss-09015"}
    rx = pharmacy.parse(body, TODAY)
    assert (rx.fulfilment, rx.performer_slug) == ("home-delivery", "pharmacy-imss-09015")
