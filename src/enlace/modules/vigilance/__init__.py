"""Pharmacovigilance (issue 14, docs/pharmacovigilance.md): adverse event capture from patients
and clinicians, signal detection (PRR, ROR, IC/BCPNN), signal review, ICH E2B(R3)-shaped ICSRs,
a COFEPRIS-style line listing and reporting deadlines. Other layers use these names only."""

from enlace.modules.vigilance.capture import (
    Captured,
    Reaction,
    SuspectDrug,
    adverse_event_checks,
    from_clinician,
    from_patient,
    map_plain_language,
)
from enlace.modules.vigilance.deadlines import Overdue, overdue
from enlace.modules.vigilance.disproportionality import PairStats, analyse
from enlace.modules.vigilance.icsr import icsr_xml, line_listing, mark_submitted
from enlace.modules.vigilance.signals import Signal, detect, history, listing, pair_stats, review

__all__ = [
    "Captured",
    "Overdue",
    "PairStats",
    "Reaction",
    "Signal",
    "SuspectDrug",
    "adverse_event_checks",
    "analyse",
    "detect",
    "from_clinician",
    "from_patient",
    "history",
    "icsr_xml",
    "line_listing",
    "listing",
    "map_plain_language",
    "mark_submitted",
    "overdue",
    "pair_stats",
    "review",
]
