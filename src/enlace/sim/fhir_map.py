"""FHIR R4 resources of a synthetic person: Patient, Conditions, baseline Observations.

Ids derive from the seed and the person's index (`s{seed}-{index}`), and every value from the
person, so the same seed gives byte-identical resources. The latent behaviours are not read here:
they stay in the ground truth (loader.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.sim.distributions import AFFILIATION_DISPLAY, CONDITIONS, STATES
from enlace.sim.population import Person

BASE = "https://enlace.health/fhir"
CURP_SYSTEM = f"{BASE}/sid/curp-synthetic"  # synthetic keys: never RENAPO's system
AFFILIATION_URL = f"{BASE}/StructureDefinition/affiliation"
AFFILIATION_SYSTEM = f"{BASE}/CodeSystem/affiliation"
SYNTHETIC_TAG = {"system": f"{BASE}/CodeSystem/data-origin", "code": "synthetic"}
GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_DISPLAY = {c.key: c for c in CONDITIONS}

# (id suffix, LOINC, display, UCUM unit, category) -- ../shared/REFERENCE.md §1; eGFR is not in
# §1: 98979-8 is the CKD-EPI 2021 creatinine-based eGFR.
_VALUES = (
    ("height", "8302-2", "Body height", "cm", "vital-signs"),
    ("weight", "29463-7", "Body weight", "kg", "vital-signs"),
    ("bmi", "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "vital-signs"),
    ("glucose", "1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory"),
    ("hba1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "laboratory"),
    ("egfr", "98979-8", "eGFR CKD-EPI 2021", "mL/min/{1.73_m2}", "laboratory"),
)  # fmt: skip


def patient_id(seed: int, index: int) -> str:
    return f"s{seed}-{index}"


def resources(person: Person, seed: int, on: date) -> list[dict[str, Any]]:
    """The person's resources, Patient first."""
    pid = patient_id(seed, person.index)
    out = [_patient(person, pid)]
    for key, onset in person.conditions.items():
        out.append(condition(pid, key, onset))
    if person.baseline is not None:
        out.extend(_observations(person, pid, on))
    return out


def registered(person: Person, pid: str, clinic_slug: str) -> dict[str, Any]:
    """The person's Patient as the registration desk of `clinic_slug` records it when they come
    under care there (or move there): managingOrganization names the clinic, which is how the
    indicators attribute a patient to a clinic (docs/simulation.md, "Attribution")."""
    patient = _patient(person, pid)
    patient["managingOrganization"] = {"reference": f"Organization/org-{clinic_slug}"}
    return patient


def _meta() -> dict[str, Any]:
    return {"tag": [dict(SYNTHETIC_TAG)]}


def _patient(p: Person, pid: str) -> dict[str, Any]:
    state = STATES[p.state]
    town = next(m for m in state.municipalities if m.inegi == p.municipality)
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": _meta(),
        "extension": [
            {
                "url": AFFILIATION_URL,
                "valueCoding": {
                    "system": AFFILIATION_SYSTEM,
                    "code": p.affiliation,
                    "display": AFFILIATION_DISPLAY[p.affiliation],
                },
            }
        ],
        "identifier": [{"use": "official", "system": CURP_SYSTEM, "value": p.curp}],
        "name": [
            {
                "use": "official",
                "family": f"{p.paternal} {p.maternal}",
                "given": [p.given],
            }
        ],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "city": town.name,
                "district": p.municipality,
                "state": state.name,
                "country": "MX",
                "extension": [
                    {
                        "url": GEOLOCATION,
                        "extension": [
                            {"url": "latitude", "valueDecimal": p.lat},
                            {"url": "longitude", "valueDecimal": p.lon},
                        ],
                    }
                ],
            }
        ],
    }


def condition(pid: str, key: str, onset: date) -> dict[str, Any]:
    cond = _DISPLAY[key]
    return {
        "resourceType": "Condition",
        "id": f"{pid}-{key}",
        "meta": _meta(),
        "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": ICD10, "code": cond.icd10, "display": cond.display}]},
        "subject": {"reference": f"Patient/{pid}"},
        "onsetDateTime": onset.isoformat(),
    }


def _observations(p: Person, pid: str, on: date) -> list[dict[str, Any]]:
    b = p.baseline
    assert b is not None
    values: dict[str, float] = {
        "height": b.height_cm,
        "weight": b.weight_kg,
        "bmi": b.bmi,
        "glucose": b.fasting_glucose,
        "hba1c": b.hba1c,
        "egfr": b.egfr,
    }
    when = on.isoformat()
    out = [
        observation(pid, suffix, loinc, display, category, when)
        | {"valueQuantity": quantity(values[suffix], unit)}
        for suffix, loinc, display, unit, category in _VALUES
    ]
    bp = observation(pid, "bp", "85354-9", "Blood pressure panel", "vital-signs", when)
    bp["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "valueQuantity": quantity(value, "mm[Hg]"),
        }
        for code, display, value in (
            ("8480-6", "Systolic blood pressure", b.systolic),
            ("8462-4", "Diastolic blood pressure", b.diastolic),
        )
    ]
    out.append(bp)
    return out


def observation(
    pid: str, suffix: str, loinc: str, display: str, category: str, when: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"{pid}-{suffix}",
        "meta": _meta(),
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
    }


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}
