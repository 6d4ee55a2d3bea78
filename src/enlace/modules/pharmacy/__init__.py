"""Pharmacy (issue 8): e-prescription intake, and — as it lands — dispensing, refills, delivery.

Public API (docs/pharmacy.md): `prescribe` behind `MedicationRequest/$prescribe` (the stored
prescription and the coverage answer at order), `dispense` behind `MedicationDispense/$dispense`
(scan, verify, issue stock, MedicationDispense, EPCIS event, claim — one unit of work), `parse` (a MedicationRequest read into a
`Prescription`, every problem naming its element) and `coverage_at_order`.
"""

from __future__ import annotations

from enlace.modules.pharmacy.dispense import DISPENSE_ROLES, dispense
from enlace.modules.pharmacy.dispense_fhir import PACK_EXTENSION
from enlace.modules.pharmacy.prescribe import (
    PRESCRIBE_ROLES,
    CoverageAtOrder,
    coverage_at_order,
    prescribe,
)
from enlace.modules.pharmacy.prescription import (
    FULFILMENT_EXTENSION,
    Prescription,
    parse,
)

__all__ = [
    "DISPENSE_ROLES",
    "FULFILMENT_EXTENSION",
    "PACK_EXTENSION",
    "PRESCRIBE_ROLES",
    "CoverageAtOrder",
    "Prescription",
    "coverage_at_order",
    "dispense",
    "parse",
    "prescribe",
]
