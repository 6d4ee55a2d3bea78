"""Pharmacy (issue 8): e-prescription intake, and — as it lands — dispensing, refills, delivery.

Public API (docs/pharmacy.md): `prescribe` behind `MedicationRequest/$prescribe` (the stored
prescription and the coverage answer at order), `dispense` behind `MedicationDispense/$dispense`
(scan, verify, issue stock, MedicationDispense, EPCIS event, claim — one unit of work),
`refill_status` and `plan_refills` (the daily refill orders and renewal requests), `parse` (a MedicationRequest read into a
`Prescription`, every problem naming its element) and `coverage_at_order`.
"""

from __future__ import annotations

from enlace.modules.pharmacy.deliveries import (
    DeliveryReport,
    Outcome,
    delivery_id,
    home_of,
    plan_deliveries,
    record_outcome,
)
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
from enlace.modules.pharmacy.refills import (
    AUTO_REFILL_EXTENSION,
    RefillReport,
    RefillStatus,
    plan_refills,
    refill_status,
)

__all__ = [
    "AUTO_REFILL_EXTENSION",
    "DISPENSE_ROLES",
    "FULFILMENT_EXTENSION",
    "PACK_EXTENSION",
    "PRESCRIBE_ROLES",
    "CoverageAtOrder",
    "DeliveryReport",
    "Outcome",
    "Prescription",
    "RefillReport",
    "RefillStatus",
    "coverage_at_order",
    "delivery_id",
    "dispense",
    "home_of",
    "parse",
    "plan_deliveries",
    "plan_refills",
    "prescribe",
    "record_outcome",
    "refill_status",
]
