"""FHIR R4 resources of a simulated visit: Encounter, measured Observations, MedicationRequests.

Ids derive from the patient and the visit's day (`<patient>-e<day>`, `<patient>-e<day>-bp`,
`<patient>-e<day>-rx-<medicine>`), so the same scenario writes the same resources. Times are in
Mexico's central time (UTC-06:00, without daylight saving since 2022).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from enlace.modules.catalog import Facility
from enlace.sim.fhir_map import BASE, LOINC, SYNTHETIC_TAG, UCUM, observation, quantity
from enlace.sim.regimens import ROUTE_DISPLAY, Dose
from enlace.sim.staff import StaffMember

CENTRAL = timezone(timedelta(hours=-6))
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_TYPE = f"{BASE}/CodeSystem/encounter-type"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
VISIT_MINUTES = 20

# measurement -> (LOINC, display, UCUM, category)
MEASURES = {
    "weight": ("29463-7", "Body weight", "kg", "vital-signs"),
    "glucose": ("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory"),
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "laboratory"),
    "egfr": ("98979-8", "eGFR CKD-EPI 2021", "mL/min/{1.73_m2}", "laboratory"),
}  # fmt: skip
VISIT_TYPES = {"follow-up": "Consulta de seguimiento", "screening": "Detección"}


def visit_start(on: date, minute_of_day: int) -> datetime:
    return datetime.combine(on, time(), CENTRAL) + timedelta(minutes=minute_of_day)


def encounter(
    encounter_id: str,
    pid: str,
    start: datetime,
    facility: Facility,
    doctor: StaffMember,
    kind: str,
    reasons: list[tuple[str, str]],
) -> dict[str, Any]:
    """A finished ambulatory visit; `reasons` are ICD-10 (code, display) pairs."""
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": encounter_id,
        "meta": {"tag": [dict(SYNTHETIC_TAG)]},
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [
            {"coding": [{"system": ENCOUNTER_TYPE, "code": kind, "display": VISIT_TYPES[kind]}]}
        ],
        "subject": {"reference": f"Patient/{pid}"},
        "participant": [{"individual": {"reference": f"Practitioner/{doctor.id}"}}],
        "period": {
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=VISIT_MINUTES)).isoformat(),
        },
        "location": [{"location": {"reference": f"Location/loc-{facility.slug}"}}],
        "serviceProvider": {"reference": f"Organization/org-{facility.slug}"},
    }
    if reasons:
        resource["reasonCode"] = [
            {"coding": [{"system": ICD10, "code": code, "display": display}]}
            for code, display in reasons
        ]
    return resource


def measured(
    encounter_id: str, pid: str, name: str, value: float, when: datetime, performer: str
) -> dict[str, Any]:
    loinc, display, unit, category = MEASURES[name]
    resource = observation(pid, "", loinc, display, category, when.isoformat())
    resource["id"] = f"{encounter_id}-{name}"
    resource["valueQuantity"] = quantity(value, unit)
    return _in_visit(resource, encounter_id, performer)


def blood_pressure(
    encounter_id: str, pid: str, systolic: int, diastolic: int, when: datetime, performer: str
) -> dict[str, Any]:
    resource = observation(
        pid, "", "85354-9", "Blood pressure panel", "vital-signs", when.isoformat()
    )
    resource["id"] = f"{encounter_id}-bp"
    resource["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "valueQuantity": quantity(value, "mm[Hg]"),
        }
        for code, display, value in (
            ("8480-6", "Systolic blood pressure", systolic),
            ("8462-4", "Diastolic blood pressure", diastolic),
        )
    ]
    return _in_visit(resource, encounter_id, performer)


def _in_visit(resource: dict[str, Any], encounter_id: str, performer: str) -> dict[str, Any]:
    resource["encounter"] = {"reference": f"Encounter/{encounter_id}"}
    resource["performer"] = [{"reference": performer}]
    return resource


def medication_request(
    encounter_id: str,
    pid: str,
    dose: Dose,
    display: str,
    authored: datetime,
    doctor: StaffMember,
    cadence_days: int,
    reason: tuple[str, str],
) -> dict[str, Any]:
    """A prescription for one 30-day supply, refillable until the next visit is due."""
    repeats = max(cadence_days // 30 - 1, 0)
    start = authored.date()
    end = start + timedelta(days=cadence_days + 15)  # a late visit must not leave a gap
    return {
        "resourceType": "MedicationRequest",
        "id": f"{encounter_id}-rx-{dose.slug}",
        "meta": {"tag": [dict(SYNTHETIC_TAG)]},
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": f"Medication/med-{dose.slug}", "display": display},
        "subject": {"reference": f"Patient/{pid}"},
        "encounter": {"reference": f"Encounter/{encounter_id}"},
        "authoredOn": authored.isoformat(),
        "requester": {"reference": f"Practitioner/{doctor.id}"},
        "reasonCode": [{"coding": [{"system": ICD10, "code": reason[0], "display": reason[1]}]}],
        "dosageInstruction": [_dosage(dose)],
        "dispenseRequest": {
            "validityPeriod": {"start": start.isoformat(), "end": end.isoformat()},
            "numberOfRepeatsAllowed": repeats,
            "quantity": {"value": dose.units_per_30_days, "unit": "unidades"},
            "expectedSupplyDuration": {"value": 30, "unit": "días", "system": UCUM, "code": "d"},
        },
    }


def _dosage(dose: Dose) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "text": dose.text,
        "timing": {
            "repeat": {
                "frequency": dose.frequency,
                "period": dose.period,
                "periodUnit": dose.period_unit,
            }
        },
        "route": {
            "coding": [{"system": SNOMED, "code": dose.route, "display": ROUTE_DISPLAY[dose.route]}]
        },
        "doseAndRate": [{"doseQuantity": quantity(dose.amount, dose.unit)}],
    }
    if dose.as_needed:
        dosage["asNeededBoolean"] = True
    return dosage
