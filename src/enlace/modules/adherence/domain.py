"""The adherence module's vocabulary (issue 11; docs/adherence.md): what a fill is, what a
therapy is, and the settings every measure and the model share. Pure: no database, no I/O.

A *fill* is one MedicationDispense reduced to what adherence needs. A *therapy* is one patient
taking one therapeutic class: fills are grouped by `therapy_key`, the ATC level-4 class when the
medicine's class is known (so metformin 500 → metformin 850, or enalapril → another ACE
inhibitor, is the same therapy and a switch within class is never abandonment), else the
medication's own code. A therapy is *discontinued* on the day after its covered supply ends
when no supply follows for `gap_days(therapy)` days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

# Default discontinuation gap (REFERENCE.md §4: 60 or 90 days, a per-drug setting). HIV ARVs
# (ATC J05AR/J05AG...) and insulins get 90 by default: a missed month is common and not abandonment.
DEFAULT_GAP_DAYS = 60
DEFAULT_PDC_THRESHOLD = 0.80  # PQA: adherent if PDC >= 80%
ARV_PDC_THRESHOLD = 0.90  # historically for HIV ARVs
DEFAULT_DAYS_SUPPLY = 30  # imputed when a dispense carries none (flagged on the fill)
MAX_DAYS_SUPPLY = 365  # more than a year in one dispense is treated as an error, not a supply
T = TypeVar("T")
HORIZON = (28, 42)  # the model predicts discontinuation this many days ahead (inclusive)


@dataclass(frozen=True, slots=True)
class Fill:
    """One dispense of one medicine to one patient."""

    dispense_id: str
    patient: str  # Patient id (local id, no "Patient/")
    medication: str  # "system|code" as dispensed, or "Medication/<id>" for a reference
    therapy: str  # therapy_key(): "atc:<level-4 class>" when known, else `medication`
    day: date  # whenHandedOver (else whenPrepared) as a date
    days_supply: int  # > 0; DEFAULT_DAYS_SUPPLY when imputed
    quantity: float | None = None
    imputed_supply: bool = False  # days' supply was missing or zero and was imputed
    pharmacy: str | None = None  # Organization/Location reference of the dispenser, if any
    prescription: str | None = None  # MedicationRequest reference, if any


@dataclass(frozen=True, slots=True)
class Interruption:
    """Days a patient's supply is covered elsewhere (a hospital stay: the ward gives the
    medicines) — PDC does not count them against the patient, and a gap that overlaps them is
    shortened by their length. `end` is inclusive."""

    patient: str
    start: date
    end: date
    kind: str = "inpatient"


@dataclass(frozen=True, slots=True)
class AdherenceSettings:
    """Per-therapy settings; keys are therapy keys or their prefixes ("atc:J05" covers ARVs)."""

    gap_days: dict[str, int] = field(
        default_factory=lambda: {"atc:J05": 90, "atc:A10A": 90}  # ARVs, insulins
    )
    pdc_threshold: dict[str, float] = field(default_factory=lambda: {"atc:J05": ARV_PDC_THRESHOLD})

    def gap_for(self, therapy: str) -> int:
        return _longest_prefix(self.gap_days, therapy, DEFAULT_GAP_DAYS)

    def threshold_for(self, therapy: str) -> float:
        return _longest_prefix(self.pdc_threshold, therapy, DEFAULT_PDC_THRESHOLD)


def therapy_key(medication: str, atc: str | None) -> str:
    """The therapy a medication belongs to: its ATC level-4 class (5 characters, e.g. A10BA)
    when known, else the medication itself."""
    if atc and len(atc) >= 5:
        return f"atc:{atc[:5].upper()}"
    return medication


def _longest_prefix(table: dict[str, T], key: str, default: T) -> T:
    matches = [prefix for prefix in table if key.startswith(prefix)]
    return table[max(matches, key=len)] if matches else default
