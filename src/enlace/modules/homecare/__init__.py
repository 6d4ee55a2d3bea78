"""Home care (issue 14 part 3): nursing visits, home infusions of biologics with their cold
chain, oral-oncology symptom follow-up (docs/homecare.md).

Needs schedule visits at a cadence; planning assigns them to nurses by skill and zone and routes
each nurse with the delivery module's solver; documentation writes the visit's Observations and
MedicationAdministration (refusing a lot in cold-chain quarantine) and escalates a visit missed
by the end of its window to the coordinator as a Task, once.
"""

from __future__ import annotations

from enlace.modules.homecare.documentation import (
    COORDINATOR,
    VITALS,
    Administration,
    VisitRecord,
    document_visit,
    escalate_missed,
)
from enlace.modules.homecare.needs import (
    KIND_SKILL,
    Need,
    add_need,
    list_needs,
    need_from_prescription,
    schedule_day,
)
from enlace.modules.homecare.nurses import SKILLS, Nurse, add_nurse, list_nurses
from enlace.modules.homecare.planning import REASONS, DayPlan, Unassigned, Visit, plan
from enlace.modules.homecare.service import VisitView, day_visits, get_visit, plan_day

__all__ = [
    "COORDINATOR",
    "KIND_SKILL",
    "REASONS",
    "SKILLS",
    "VITALS",
    "Administration",
    "DayPlan",
    "Need",
    "Nurse",
    "Unassigned",
    "Visit",
    "VisitRecord",
    "VisitView",
    "add_need",
    "add_nurse",
    "day_visits",
    "document_visit",
    "escalate_missed",
    "get_visit",
    "list_needs",
    "list_nurses",
    "need_from_prescription",
    "plan",
    "plan_day",
    "schedule_day",
]
