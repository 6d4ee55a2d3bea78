"""A valid e-prescription to start from, and a world with prescribers (licensed, unlicensed,
inactive) on top of the coverage tests' insured world."""

from __future__ import annotations

import copy
from typing import Any

from enlace.interactions.context import Services
from enlace.store.bulk import PutItem

LICENCE = "https://enlace.health/sid/cedula-profesional-synthetic"
SNOMED = "http://snomed.info/sct"


def metformin_rx(**change: Any) -> dict[str, Any]:
    """Metformin 850 mg, 1 tablet twice a day, 60 tablets for 30 days, 2 refills."""
    body: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
        "subject": {"reference": "Patient/p-imss"},
        "requester": {"reference": "Practitioner/dr-1"},
        "dosageInstruction": [
            {
                "text": "1 tableta cada 12 horas con alimentos",
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"system": SNOMED, "code": "26643006"}]},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": 1,
                            "unit": "tableta",
                            "system": "http://unitsofmeasure.org",
                            "code": "{tbl}",
                        }
                    }
                ],
            }
        ],
        "dispenseRequest": {
            "numberOfRepeatsAllowed": 2,
            "quantity": {"value": 60, "unit": "tabletas"},
            "expectedSupplyDuration": {
                "value": 30,
                "unit": "días",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        },
    }
    body = copy.deepcopy(body)
    body.update(change)
    return body


def prescribers(services: Services) -> Services:
    def practitioner(pid: str, licence: bool = True, active: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"resourceType": "Practitioner", "id": pid, "active": active}
        if licence:
            body["identifier"] = [{"system": LICENCE, "value": f"9{len(pid)}12345"}]
        return body

    resources = [
        practitioner("dr-1"),
        practitioner("dr-2"),
        practitioner("dr-unlicensed", licence=False),
        practitioner("dr-retired", active=False),
    ]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    return services
