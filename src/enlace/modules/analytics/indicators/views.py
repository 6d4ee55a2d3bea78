"""The ViewDefinitions the indicators need beyond the built-in ones (builtin_views.py): who is
attributed to which clinic and physician, the organization tree, encounters, procedures and
dispenses. Registered through analytics' public `save_view` and materialized with `refresh`.

Indicators also read the built-in `observation_values`, `condition_list` and
`medication_requests`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.modules import analytics


def _column(name: str, path: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "path": path, "type": kind}


def _view(name: str, title: str, resource: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "ViewDefinition",
        "name": name,
        "title": title,
        "status": "active",
        "resource": resource,
        "select": [{"column": [_column("id", "getResourceKey()", "id"), *columns]}],
    }


PATIENTS = _view(
    "indicator_patients",
    "Patients as the indicators count them: sex, birth, death, clinic, physician, name",
    "Patient",
    [
        _column("gender", "gender", "code"),
        _column("birth_date", "birthDate", "date"),
        _column("deceased", "deceased.ofType(boolean).first()", "boolean"),
        _column("deceased_at", "deceased.ofType(dateTime).first()", "dateTime"),
        _column("clinic_id", "managingOrganization.getReferenceKey(Organization)"),
        _column("physician_id", "generalPractitioner.first().getReferenceKey(Practitioner)"),
        _column("family", "name.first().family"),
        _column("given", "name.first().given.first()"),
    ],
)

ORGANIZATIONS = _view(
    "indicator_organizations",
    "Organizations: name, parent (partOf), state",
    "Organization",
    [
        _column("name", "name"),
        _column("parent_id", "partOf.getReferenceKey(Organization)"),
        _column("state", "address.first().state"),
    ],
)

ENCOUNTERS = _view(
    "indicator_encounters",
    "Encounters: patient, status, start",
    "Encounter",
    [
        _column("patient_id", "subject.getReferenceKey(Patient)"),
        _column("status", "status", "code"),
        _column("start", "period.start", "dateTime"),
    ],
)

PROCEDURES = _view(
    "indicator_procedures",
    "Procedures: patient, code, status, date",
    "Procedure",
    [
        _column("patient_id", "subject.getReferenceKey(Patient)"),
        _column("code", "code.coding.first().code", "code"),
        _column("status", "status", "code"),
        _column("performed", "performed.ofType(dateTime).first()", "dateTime"),
    ],
)

DISPENSES = _view(
    "indicator_dispenses",
    "Dispenses: patient, prescription, status, handed over",
    "MedicationDispense",
    [
        _column("patient_id", "subject.getReferenceKey(Patient)"),
        _column(
            "prescription_id",
            "authorizingPrescription.first().getReferenceKey(MedicationRequest)",
        ),
        _column("status", "status", "code"),
        _column("handed_over", "whenHandedOver", "dateTime"),
        _column("quantity", "quantity.value", "decimal"),
    ],
)

INDICATOR_VIEWS: tuple[dict[str, Any], ...] = (
    PATIENTS,
    ORGANIZATIONS,
    ENCOUNTERS,
    PROCEDURES,
    DISPENSES,
)
BUILTIN_NEEDED = ("observation_values", "condition_list", "medication_requests")
VIEW_NAMES: tuple[str, ...] = (*(v["name"] for v in INDICATOR_VIEWS), *BUILTIN_NEEDED)


def register(conn: Connection) -> list[str]:
    """Saves (or replaces) the indicator views; returns their names."""
    return [analytics.save_view(conn, view).name for view in INDICATOR_VIEWS]


def refresh_sources(services: Any, *, full: bool = False) -> list[Any]:
    """Registers the views and materializes every table the indicators read into DuckDB."""
    with services.db.begin() as conn:
        register(conn)
    return analytics.refresh(services, VIEW_NAMES, full=full)
