"""MedicationRequests read into what the checks need: the ATC code, a display, and the daily
dose of each ingredient in mg when the dosage says it. Pure.

A medicine named `Medication/med-<slug>` is the catalog formulary's (ATC, strengths, packs); one
outside the formulary (an order from another EHR, a medicine bought elsewhere) is recognised by an
ATC coding in `medicationCodeableConcept`. An order with neither has no ATC and is only shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from enlace.modules.catalog import Medicine, medicine_by_slug

ATC_SYSTEM = "http://www.whocc.no/atc"
PER_DAY = {"h": 24.0, "d": 1.0, "wk": 1 / 7, "mo": 1 / 30}
UNIT_DOSES = ("{tbl}", "{cap}", "tableta", "tabletas", "cápsula", "capsule", "tablet")


@dataclass(frozen=True)
class Order:
    reference: str  # "MedicationRequest/<id>" (a draft without id: "MedicationRequest/draft-<n>")
    atc: str | None
    display: str
    medicine: Medicine | None
    draft: bool
    resource: dict[str, Any] = field(repr=False, compare=False)
    daily_mg: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return self.reference.split("/", 1)[1]


def order_of(resource: dict[str, Any], draft: bool, position: int = 0) -> Order:
    rid = resource.get("id") or f"draft-{position}"
    medicine = _catalog_medicine(resource)
    atc = medicine.atc if medicine else _coded_atc(resource)
    display = medicine.display if medicine else _display(resource)
    return Order(
        f"MedicationRequest/{rid}",
        atc,
        display,
        medicine,
        draft,
        resource,
        _daily_mg(resource, medicine),
    )


def _catalog_medicine(resource: dict[str, Any]) -> Medicine | None:
    reference = str((resource.get("medicationReference") or {}).get("reference", ""))
    if not reference.startswith("Medication/med-"):
        return None
    return medicine_by_slug(reference.removeprefix("Medication/med-"))


def _coded_atc(resource: dict[str, Any]) -> str | None:
    concept = resource.get("medicationCodeableConcept") or {}
    for coding in concept.get("coding") or []:
        if coding.get("system") == ATC_SYSTEM and isinstance(coding.get("code"), str):
            return str(coding["code"]).upper()
    return None


def _display(resource: dict[str, Any]) -> str:
    concept = resource.get("medicationCodeableConcept") or {}
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    reference = resource.get("medicationReference") or {}
    return str(reference.get("display") or reference.get("reference") or "?")


def _daily_mg(resource: dict[str, Any], medicine: Medicine | None) -> dict[str, float]:
    """mg a day of each ingredient; empty when the dosage does not say (text only, as needed)."""
    instructions = resource.get("dosageInstruction") or []
    if not instructions or not isinstance(instructions[0], dict):
        return {}
    first = instructions[0]
    dose = ((first.get("doseAndRate") or [{}])[0] or {}).get("doseQuantity") or {}
    repeat = (first.get("timing") or {}).get("repeat") or {}
    amount, frequency = dose.get("value"), repeat.get("frequency", 1)
    period, unit = repeat.get("period", 1), repeat.get("periodUnit", "d")
    numbers = (amount, frequency, period)
    if not all(isinstance(n, int | float) and n > 0 for n in numbers) or unit not in PER_DAY:
        return {}
    assert isinstance(amount, int | float)
    per_day = float(frequency) / float(period) * PER_DAY[unit]
    dose_unit = str(dose.get("code") or dose.get("unit") or "")
    if medicine is not None and dose_unit in UNIT_DOSES:
        return {i.name: float(amount) * i.amount * per_day for i in medicine.ingredients}
    if medicine is not None and dose_unit == "mg" and len(medicine.ingredients) == 1:
        return {medicine.ingredients[0].name: float(amount) * per_day}
    return {}
