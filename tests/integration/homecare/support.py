"""Shared by the homecare integration tests: two nurses in the north, a rituximab prescription
every 14 days from 2026-11-12 turned into a home-infusion need."""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.modules import homecare

DAY = date(2026, 11, 26)  # 2026-11-12 + 14 days: the second infusion
HOME = (19.4500, -99.1400)
FACILITY = "clinic-l1-imss-09015"


def prescription(patient: str, medication: str = "rituximab-500-vial") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "medicationCodeableConcept": {"coding": [{"code": medication}]},
        "dosageInstruction": [
            {
                "timing": {
                    "repeat": {
                        "frequency": 1,
                        "period": 2,
                        "periodUnit": "wk",
                        "boundsPeriod": {"start": "2026-11-12"},
                    }
                }
            }
        ],
    }


def setup(services: Services, medication: str = "rituximab-500-vial") -> tuple[str, str]:
    """Nurses ana (infusion) and bea (wound care) in zone norte; a patient whose infusion is due
    on DAY. The patient id and the need id."""
    with services.db.begin() as conn:
        repo = services.repo
        for ident, skill in (("ana", "infusion"), ("bea", "wound-care")):
            nurse = homecare.Nurse(
                ident, ident.title(), frozenset({skill}), frozenset({"norte"}), *HOME
            )
            homecare.add_nurse(conn, nurse)
        patient = repo.create(conn, {"resourceType": "Patient", "gender": "female"}).id
        request = repo.create(conn, prescription(patient, medication)).resource()
        need = homecare.need_from_prescription(
            request,
            zone="norte",
            latitude=HOME[0] + 0.01,
            longitude=HOME[1],
            address="Calle Norte 1",
            medication=medication,
            facility=FACILITY,
            visit_minutes=120,
            window_start=9 * 60,
            window_end=14 * 60,
        )
        homecare.add_need(conn, need)
    return patient, need.id
