"""An e-prescription (a MedicationRequest) read into a `Prescription`; every problem names its
element. Pure: nothing here touches the database.

What a pharmacy needs to fill it safely, structured (not only the sig text): the medicine of
the catalog formulary, one dose and how often (`dosageInstruction[0]`: `doseAndRate`,
`timing.repeat`, `route`), the quantity of pack units and the days it must last
(`dispenseRequest.quantity`, `expectedSupplyDuration`), refills and the validity period. For a
dose counted in pack units (tablets, capsules) that is not "as needed", the quantity must
cover the days' supply and not exceed it by more than rounding up to whole packs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from enlace.fhir.references import local_id
from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.modules.catalog import Medicine, medicine_by_slug

WHERE = "MedicationRequest"
SD = "https://enlace.health/fhir/StructureDefinition/"
FULFILMENT_EXTENSION = SD + "prescription-fulfilment"  # valueCode pickup | home-delivery
FULFILMENTS = ("pickup", "home-delivery")
COUNTED_UNITS = ("{tbl}", "{cap}")  # a dose in these counts pack units
PERIOD_DAYS = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0}
SUPPLY_DAYS = {"d": 1, "wk": 7, "mo": 30}
MAX_SUPPLY_DAYS = 180
MAX_REPEATS = 11  # a year of monthly fills with the first
MAX_VALIDITY_DAYS = 366
DEFAULT_VALIDITY_DAYS = 180


@dataclass(frozen=True)
class Prescription:
    patient_id: str
    requester_id: str  # Practitioner id
    medicine: Medicine | None  # None: not in the formulary (a 422, decided by the use case)
    medication_reference: str
    dose: float
    dose_unit: str
    doses_per_day: float
    as_needed: bool
    quantity_units: int
    supply_days: int
    repeats: int
    valid_from: date
    valid_until: date
    performer_slug: str | None  # the pharmacy it is routed to (Organization/org-<slug>)
    fulfilment: str  # pickup | home-delivery
    coverage_id: str | None

    @property
    def packs(self) -> int:
        """Packs one fill takes (whole packs: a pharmacy does not split them)."""
        size = self.medicine.pack_size if self.medicine else 1
        return max(math.ceil(self.quantity_units / size), 1)


def parse(body: dict[str, Any], today: date) -> Prescription:
    issues: list[Issue] = []
    if body.get("status") != "active":
        issues.append(_bad("a new prescription is active", "status"))
    if body.get("intent") != "order":
        issues.append(_bad("a prescription is an order (intent 'order')", "intent"))
    patient = _reference_id(body.get("subject"), "Patient", "subject", issues)
    requester = _reference_id(body.get("requester"), "Practitioner", "requester", issues)
    medication_ref = str((body.get("medicationReference") or {}).get("reference", ""))
    if not medication_ref.startswith("Medication/"):
        issues.append(_bad("name the medicine as Medication/med-<slug>", "medicationReference"))
    dose = _dosage(body.get("dosageInstruction") or [], issues)
    supply = _dispense(body.get("dispenseRequest") or {}, today, body.get("authoredOn"), issues)
    performer = _performer(body.get("dispenseRequest") or {}, issues)
    fulfilment = _fulfilment(body, issues)
    coverage = _coverage(body, issues)
    if issues:
        raise errors.FhirError(400, issues)
    assert patient and requester and dose and supply
    medicine = medicine_by_slug(medication_ref.removeprefix("Medication/med-"))
    amount, unit, per_day, as_needed = dose
    quantity, days, repeats, valid_from, valid_until = supply
    rx = Prescription(
        patient_id=patient,
        requester_id=requester,
        medicine=medicine,
        medication_reference=medication_ref,
        dose=amount,
        dose_unit=unit,
        doses_per_day=per_day,
        as_needed=as_needed,
        quantity_units=quantity,
        supply_days=days,
        repeats=repeats,
        valid_from=valid_from,
        valid_until=valid_until,
        performer_slug=performer,
        fulfilment=fulfilment,
        coverage_id=coverage,
    )
    _check_quantity(rx)
    return rx


def _dosage(instructions: list[Any], issues: list[Issue]) -> tuple[float, str, float, bool] | None:
    path = "dosageInstruction[0]"
    if not instructions:
        issues.append(_bad("a prescription needs a structured dosage", "dosageInstruction"))
        return None
    first = instructions[0]
    before = len(issues)
    dose = ((first.get("doseAndRate") or [{}])[0]).get("doseQuantity") or {}
    amount = dose.get("value")
    if not isinstance(amount, int | float) or amount <= 0:
        issues.append(
            _bad("the dose is a positive quantity", f"{path}.doseAndRate[0].doseQuantity")
        )
    repeat = (first.get("timing") or {}).get("repeat") or {}
    frequency, period, unit = (
        repeat.get("frequency"),
        repeat.get("period"),
        repeat.get("periodUnit"),
    )
    if not isinstance(frequency, int) or frequency < 1:
        issues.append(_bad("how many times a period (≥ 1)", f"{path}.timing.repeat.frequency"))
    if not isinstance(period, int | float) or period <= 0 or unit not in PERIOD_DAYS:
        issues.append(
            _bad("a positive period in h, d, wk or mo", f"{path}.timing.repeat.periodUnit")
        )
    if not (first.get("route") or {}).get("coding"):
        issues.append(_bad("the route of administration is coded", f"{path}.route"))
    if len(issues) > before:
        return None
    assert isinstance(frequency, int) and isinstance(amount, int | float)
    per_day = frequency / (float(period or 1) * PERIOD_DAYS[str(unit)])
    unit_code = str(dose.get("code") or dose.get("unit") or "")
    return float(amount), unit_code, per_day, bool(first.get("asNeededBoolean"))


def _dispense(
    request: dict[str, Any], today: date, authored: Any, issues: list[Issue]
) -> tuple[int, int, int, date, date] | None:
    path = "dispenseRequest"
    before = len(issues)
    quantity = (request.get("quantity") or {}).get("value")
    if not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        issues.append(
            _bad("pack units to dispense: a whole number, 1 to 10000", f"{path}.quantity")
        )
    duration = request.get("expectedSupplyDuration") or {}
    value, unit = duration.get("value"), duration.get("code")
    days = value * SUPPLY_DAYS[unit] if isinstance(value, int) and unit in SUPPLY_DAYS else None
    if days is None or not 1 <= days <= MAX_SUPPLY_DAYS:
        issues.append(
            _bad(
                f"the days one fill lasts: 1 to {MAX_SUPPLY_DAYS} (UCUM d, wk or mo)",
                f"{path}.expectedSupplyDuration",
            )
        )
    repeats = request.get("numberOfRepeatsAllowed", 0)
    if not isinstance(repeats, int) or not 0 <= repeats <= MAX_REPEATS:
        issues.append(_bad(f"refills: 0 to {MAX_REPEATS}", f"{path}.numberOfRepeatsAllowed"))
    window = _validity(request.get("validityPeriod"), today, authored, issues)
    if len(issues) > before or window is None:
        return None
    assert isinstance(quantity, int) and days is not None
    return quantity, days, repeats, window[0], window[1]


def _validity(
    period: dict[str, Any] | None, today: date, authored: Any, issues: list[Issue]
) -> tuple[date, date] | None:
    where = "dispenseRequest.validityPeriod"
    try:
        start = _day((period or {}).get("start") or authored) or today
        end = _day((period or {}).get("end")) or start + timedelta(days=DEFAULT_VALIDITY_DAYS)
    except ValueError:
        issues.append(_bad("dates are YYYY-MM-DD (or a dateTime)", where))
        return None
    if end < start or (end - start).days > MAX_VALIDITY_DAYS:
        issues.append(_bad(f"ends after it starts, at most {MAX_VALIDITY_DAYS} days later", where))
        return None
    if end < today:
        issues.append(_bad(f"expired on {end.isoformat()}", f"{where}.end"))
        return None
    return start, end


def _day(raw: Any) -> date | None:
    if not raw:
        return None
    text = str(raw)
    return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text[:10])


def _performer(request: dict[str, Any], issues: list[Issue]) -> str | None:
    performer = request.get("performer")
    if performer is None:
        return None
    found = _reference_id(performer, "Organization", "dispenseRequest.performer", issues)
    return found.removeprefix("org-") if found else None


def _fulfilment(body: dict[str, Any], issues: list[Issue]) -> str:
    for n, extension in enumerate(body.get("extension", [])):
        if extension.get("url") == FULFILMENT_EXTENSION:
            code = extension.get("valueCode")
            if code not in FULFILMENTS:
                issues.append(_bad("pickup or home-delivery", f"extension[{n}].valueCode"))
            return str(code)
    return "pickup"


def _coverage(body: dict[str, Any], issues: list[Issue]) -> str | None:
    insurance = body.get("insurance") or []
    if not insurance:
        return None
    return _reference_id(insurance[0], "Coverage", "insurance[0]", issues)


def _check_quantity(rx: Prescription) -> None:
    medicine = rx.medicine
    if medicine is None or rx.as_needed or rx.dose_unit not in COUNTED_UNITS:
        return
    needed = rx.dose * rx.doses_per_day * rx.supply_days
    most = math.ceil(math.ceil(needed - 1e-9) / medicine.pack_size) * medicine.pack_size
    if rx.quantity_units < math.floor(needed + 1e-9):
        message = (
            f"{rx.quantity_units} units do not last {rx.supply_days} days at this dosage "
            f"(it needs {needed:g})"
        )
    elif rx.quantity_units > most:
        message = (
            f"{rx.quantity_units} units are more than {rx.supply_days} days at this dosage need "
            f"({needed:g}, at most {most} in whole packs of {medicine.pack_size})"
        )
    else:
        return
    raise errors.FhirError(
        422, [Issue("business-rule", message, f"{WHERE}.dispenseRequest.quantity")]
    )


def _reference_id(ref: Any, kind: str, path: str, issues: list[Issue]) -> str | None:
    found = local_id(ref, kind)
    if found is None:
        issues.append(_bad(f"must reference a {kind} by id", path))
    return found


def _bad(diagnostics: str, path: str) -> Issue:
    return Issue("invalid", diagnostics, f"{WHERE}.{path}")
