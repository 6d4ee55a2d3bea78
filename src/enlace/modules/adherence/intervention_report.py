"""What the daily job and the pages call: a model score turned into a `TherapyRisk`, and the
study's uplift report for the network page (treated vs control over time)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import Connection

from .experiment import FillsOf, study_outcomes
from .interventions import TherapyRisk
from .randomization import Study, recorded
from .uplift import UpliftReport, uplift_report

_RISK_FIELDS = {f.name for f in fields(TherapyRisk)}


def risk_from_score(
    patient: str,
    therapy: str,
    probability: float,
    reasons: Iterable[Mapping[str, Any]] = (),
    **measures: Any,
) -> TherapyRisk:
    """A scored therapy for the rules. `reasons` are the model's explanation ({"feature",
    "contribution"}); `measures` any of TherapyRisk's other fields (days_supply_left, pdc,
    copay_centavos, delivery_available, clinic, prescriber, medicine...); unknown names are a
    programming error and raise."""
    unknown = set(measures) - _RISK_FIELDS
    if unknown:
        raise TypeError(f"not TherapyRisk fields: {sorted(unknown)}")
    top = {str(r["feature"]): float(r.get("contribution", 0.0)) for r in reasons}
    return TherapyRisk(patient, therapy, probability, top_features=top, **measures)


def study_uplift(
    conn: Connection,
    fills_of: FillsOf,
    as_of: date,
    gap_for: Callable[[str], int],
    study: Study | None = None,
    bootstrap: int = 1000,
) -> UpliftReport:
    """The uplift report of a study (default: the interventions' study) over the assignments
    whose 90-day follow-up ended by `as_of`. `fills_of(patient, therapy)` gives the therapy's
    fill days as date ordinals and their days' supply (and a count the report ignores);
    `gap_for(therapy)` its discontinuation gap (domain.AdherenceSettings.gap_for)."""
    study = study or Study()
    outcomes = study_outcomes(recorded(conn, study.id), fills_of, as_of, gap_for)
    return uplift_report(outcomes, bootstrap)
