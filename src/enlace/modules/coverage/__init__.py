"""Coverage: plans and benefits as machine-checkable rules, coverages, real-time eligibility.

Public API for other modules (docs/coverage.md): `check` and `record_usage` for prescribing and
dispensing (in the caller's transaction), `eligibility` behind
`CoverageEligibilityRequest/$submit`, `load_plans` (with `enlace catalog load`), and the
Coverage builder the simulation uses. Plans are stored as `InsurancePlan/plan-<payer>`.
"""

from __future__ import annotations

from enlace.modules.coverage import fhir_map
from enlace.modules.coverage.batch import CoverageBatch
from enlace.modules.coverage.domain import (
    CoverageFacts,
    EligibilityResult,
    Item,
    ItemResult,
    Plan,
    Reason,
)
from enlace.modules.coverage.eligibility import check_eligibility
from enlace.modules.coverage.members import member_months
from enlace.modules.coverage.patient_months import member_months_by_patient
from enlace.modules.coverage.plans_data import PLANS
from enlace.modules.coverage.service import (
    PURPOSES,
    LoadReport,
    check,
    eligibility,
    item,
    load_plans,
    plan_resources,
    record_usage,
    release_usage,
)

# Who may ask for eligibility through the FHIR operation (besides system clients and the
# platform): the payer, and the clinicians and pharmacists who prescribe and dispense.
ELIGIBILITY_ROLES = ("payer", "physician", "pharmacist", "nurse", "administrator")


def plan_for(affiliation: str) -> Plan | None:
    """The shipped plan of a payer (Organization slug), or None."""
    return next((p for p in PLANS if p.payer == affiliation), None)


__all__ = [
    "ELIGIBILITY_ROLES",
    "PLANS",
    "PURPOSES",
    "CoverageBatch",
    "CoverageFacts",
    "EligibilityResult",
    "Item",
    "ItemResult",
    "LoadReport",
    "Plan",
    "Reason",
    "check",
    "check_eligibility",
    "eligibility",
    "fhir_map",
    "item",
    "load_plans",
    "member_months",
    "member_months_by_patient",
    "plan_for",
    "plan_resources",
    "record_usage",
    "release_usage",
]
