"""Generated refill histories as FHIR R4 resources, as a pharmacy and a laboratory would send
them: MedicationDispense (completed, ATC-coded medication, daysSupply, quantity when countable,
whenHandedOver) and Observation (HbA1c 4548-4, systolic pressure inside a BP panel 85354-9,
fasting glucose 1558-6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from enlace.modules.adherence.fill_table import from_day_number
from enlace.sim.refill_histories import RefillHistories
from enlace.sim.refill_process import CLASS_NAMES, CLASSES, CODES

ATC = "http://www.whocc.no/atc"
LOINC = "http://loinc.org"


def dispenses(h: RefillHistories) -> Iterator[dict[str, Any]]:
    therapy, day, supply, code = h.columns()
    pills = [CLASSES[name][1] for name in CLASS_NAMES]
    for n, (t, d, s, c) in enumerate(zip(therapy.tolist(), day.tolist(), supply.tolist(),
                                         code.tolist(), strict=True)):  # fmt: skip
        resource: dict[str, Any] = {
            "resourceType": "MedicationDispense",
            "id": f"rh-md-{n}",
            "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": CODES[c]}]},
            "subject": {"reference": f"Patient/{h.patients[h.therapy_patient[t]]}"},
            "daysSupply": {"value": s, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"},
            "whenHandedOver": f"{from_day_number(d).isoformat()}T10:00:00-06:00",
        }  # fmt: skip
        per_day = pills[h.therapy_class[t]]
        if per_day:
            resource["quantity"] = {"value": per_day * s, "unit": "tab"}
        yield resource


def observations(h: RefillHistories) -> Iterator[dict[str, Any]]:
    patient, measure, day, value = h.points
    for n, (p, m, d, v) in enumerate(zip(patient.tolist(), measure.tolist(), day.tolist(),
                                         value.tolist(), strict=True)):  # fmt: skip
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"rh-obs-{n}",
            "status": "final",
            "subject": {"reference": f"Patient/{h.patients[p]}"},
            "effectiveDateTime": from_day_number(d).isoformat(),
        }
        if m == 1:
            resource["code"] = {"coding": [{"system": LOINC, "code": "85354-9"}]}
            resource["component"] = [
                {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                 "valueQuantity": {"value": v, "unit": "mm[Hg]"}}
            ]  # fmt: skip
        else:
            code, unit = ("4548-4", "%") if m == 0 else ("1558-6", "mg/dL")
            resource["code"] = {"coding": [{"system": LOINC, "code": code}]}
            resource["valueQuantity"] = {"value": v, "unit": unit}
        yield resource


def write_ndjson(resources: Iterator[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("wb") as out:
        for resource in resources:
            out.write(orjson.dumps(resource) + b"\n")
            count += 1
    return count
