"""The views every Enlace installation materializes: flat tables the indicators are built on.

Each is a plain SQL-on-FHIR v2 ViewDefinition; a view saved under the same name replaces it.
Keys: `getResourceKey()` is the resource id and `getReferenceKey(T)` the id a reference points
at, so `observation.patient_id = patient.id` joins them.
"""

from __future__ import annotations

from typing import Any


def _column(name: str, path: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "path": path, "type": kind}


PATIENTS: dict[str, Any] = {
    "resourceType": "ViewDefinition",
    "name": "patient_demographics",
    "title": "Patients: sex, birth date, state, deceased",
    "status": "active",
    "resource": "Patient",
    "select": [
        {
            "column": [
                _column("id", "getResourceKey()", "id"),
                _column("gender", "gender", "code"),
                _column("birth_date", "birthDate", "date"),
                _column("deceased", "deceased.ofType(boolean).first()", "boolean"),
                _column("deceased_at", "deceased.ofType(dateTime).first()", "dateTime"),
                _column("family", "name.first().family"),
                _column("state", "address.first().state"),
                _column("organization_id", "managingOrganization.getReferenceKey(Organization)"),
                _column("last_updated", "meta.lastUpdated", "instant"),
            ]
        }
    ],
}

OBSERVATIONS: dict[str, Any] = {
    "resourceType": "ViewDefinition",
    "name": "observation_values",
    "title": "Observations: one row per coded value (components expanded)",
    "status": "active",
    "resource": "Observation",
    "select": [
        {
            "column": [
                _column("id", "getResourceKey()", "id"),
                _column("patient_id", "subject.getReferenceKey(Patient)"),
                _column("status", "status", "code"),
                _column("effective", "effective.ofType(dateTime).first()", "dateTime"),
            ]
        },
        {
            "unionAll": [
                {
                    "column": [
                        _column("code", "code.coding.first().code", "code"),
                        _column("value", "value.ofType(Quantity).value", "decimal"),
                        _column("unit", "value.ofType(Quantity).code", "code"),
                    ]
                },
                {
                    "forEach": "component",
                    "column": [
                        _column("code", "code.coding.first().code", "code"),
                        _column("value", "value.ofType(Quantity).value", "decimal"),
                        _column("unit", "value.ofType(Quantity).code", "code"),
                    ],
                },
            ]
        },
    ],
}

CONDITIONS: dict[str, Any] = {
    "resourceType": "ViewDefinition",
    "name": "condition_list",
    "title": "Conditions: patient, code, clinical status, onset",
    "status": "active",
    "resource": "Condition",
    "select": [
        {
            "column": [
                _column("id", "getResourceKey()", "id"),
                _column("patient_id", "subject.getReferenceKey(Patient)"),
                _column("code", "code.coding.first().code", "code"),
                _column("system", "code.coding.first().system", "uri"),
                _column("clinical_status", "clinicalStatus.coding.first().code", "code"),
                _column("onset", "onset.ofType(dateTime).first()", "dateTime"),
                _column("recorded", "recordedDate", "dateTime"),
            ]
        }
    ],
}

MEDICATION_REQUESTS: dict[str, Any] = {
    "resourceType": "ViewDefinition",
    "name": "medication_requests",
    "title": "Prescriptions: patient, medicine, status, date, quantity, days",
    "status": "active",
    "resource": "MedicationRequest",
    "select": [
        {
            "column": [
                _column("id", "getResourceKey()", "id"),
                _column("patient_id", "subject.getReferenceKey(Patient)"),
                _column("status", "status", "code"),
                _column(
                    "medication_code",
                    "medication.ofType(CodeableConcept).coding.first().code",
                    "code",
                ),
                _column("authored_on", "authoredOn", "dateTime"),
                _column("requester_id", "requester.getReferenceKey()"),
                _column("quantity", "dispenseRequest.quantity.value", "decimal"),
                _column("days_supply", "dispenseRequest.expectedSupplyDuration.value", "decimal"),
            ]
        }
    ],
}

BUILTIN_VIEWS: tuple[dict[str, Any], ...] = (
    PATIENTS,
    OBSERVATIONS,
    CONDITIONS,
    MEDICATION_REQUESTS,
)
