"""The physician's prescription form as a MedicationRequest (pure), and the choices it offers.

The form asks what a pharmacy needs structured — medicine, dose and unit, how many times a day
or a week, route, days of supply, quantity, refills, pickup or home delivery, an optional
pharmacy — and `medication_request` builds the resource `MedicationRequest/$prescribe`
checks. Numbers a person mistyped are reported per field here (the form comes back with the
message beside the field); everything else is the operation's to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enlace.modules.catalog import facilities, formulary
from enlace.modules.pharmacy import FULFILMENT_EXTENSION

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
# dose unit code -> i18n key of its label
DOSE_UNITS = {
    "{tbl}": "rx.unit.tablet",
    "{cap}": "rx.unit.capsule",
    "mg": "rx.unit.mg",
    "[iU]": "rx.unit.iu",
    "{puff}": "rx.unit.puff",
    "mL": "rx.unit.ml",
}
# SNOMED CT route -> i18n key
ROUTES = {
    "26643006": "rx.route.oral",
    "34206005": "rx.route.subcut",
    "18679011000001101": "rx.route.inhaled",
    "47625008": "rx.route.iv",
}
PERIODS = {"d": "rx.per.day", "wk": "rx.per.week"}
FULFILMENTS = {"pickup": "rx.fulfil.pickup", "home-delivery": "rx.fulfil.home"}
FIELDS = (
    "medicine",
    "dose",
    "unit",
    "frequency",
    "period",
    "route",
    "days",
    "quantity",
    "refills",
    "fulfilment",
    "pharmacy",
    "sig",
)


@dataclass
class Built:
    body: dict[str, Any] | None
    errors: dict[str, str] = field(default_factory=dict)  # field -> i18n key


def medicines() -> list[tuple[str, str]]:
    return sorted(((m.slug, m.display) for m in formulary()), key=lambda pair: pair[1])


def pharmacies() -> list[tuple[str, str]]:
    return sorted(((f.slug, f.name) for f in facilities(kind="pharmacy")), key=lambda p: p[1])


def medication_request(form: Mapping[str, str], patient_id: str, prescriber: str) -> Built:
    errors: dict[str, str] = {}
    dose = _number(form, "dose", errors, whole=False)
    frequency = _number(form, "frequency", errors)
    days = _number(form, "days", errors)
    quantity = _number(form, "quantity", errors)
    refills = _number(form, "refills", errors, low=0)
    for name, allowed in (
        ("unit", DOSE_UNITS),
        ("period", PERIODS),
        ("route", ROUTES),
        ("fulfilment", FULFILMENTS),
    ):
        if form.get(name) not in allowed:
            errors[name] = "rx.error.choose"
    if not form.get("medicine"):
        errors["medicine"] = "rx.error.choose"
    if errors:
        return Built(None, errors)
    dosage: dict[str, Any] = {
        "timing": {"repeat": {"frequency": frequency, "period": 1, "periodUnit": form["period"]}},
        "route": {"coding": [{"system": SNOMED, "code": form["route"]}]},
        "doseAndRate": [{"doseQuantity": {"value": dose, "system": UCUM, "code": form["unit"]}}],
    }
    if form.get("sig", "").strip():
        dosage["text"] = form["sig"].strip()[:500]
    body: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": f"Medication/med-{form['medicine']}"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "requester": {"reference": prescriber},
        "dosageInstruction": [dosage],
        "dispenseRequest": {
            "numberOfRepeatsAllowed": refills,
            "quantity": {"value": quantity},
            "expectedSupplyDuration": {"value": days, "system": UCUM, "code": "d"},
        },
        "extension": [{"url": FULFILMENT_EXTENSION, "valueCode": form["fulfilment"]}],
    }
    if form.get("pharmacy"):
        body["dispenseRequest"]["performer"] = {"reference": f"Organization/org-{form['pharmacy']}"}
    return Built(body)


def _number(
    form: Mapping[str, str], name: str, errors: dict[str, str], whole: bool = True, low: int = 1
) -> Any:
    text = form.get(name, "").strip().replace(",", ".")
    try:
        value: float | int = int(text) if whole else float(text)
    except ValueError:
        errors[name] = "rx.error.number"
        return None
    if value < low or value > 10_000:
        errors[name] = "rx.error.range"
        return None
    return int(value) if not whole and float(value).is_integer() else value


# Which form field an OperationOutcome location belongs to (the longest matching prefix wins).
LOCATIONS = {
    "MedicationRequest.medicationReference": "medicine",
    "MedicationRequest.dosageInstruction[0].doseAndRate": "dose",
    "MedicationRequest.dosageInstruction[0].timing": "frequency",
    "MedicationRequest.dosageInstruction[0].route": "route",
    "MedicationRequest.dispenseRequest.quantity": "quantity",
    "MedicationRequest.dispenseRequest.expectedSupplyDuration": "days",
    "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed": "refills",
    "MedicationRequest.dispenseRequest.performer": "pharmacy",
}


def field_of(expression: str) -> str | None:
    found = [key for key in LOCATIONS if expression.startswith(key)]
    return LOCATIONS[max(found, key=len)] if found else None
