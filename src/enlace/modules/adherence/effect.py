"""The measured effect of the interventions as the daily job leaves it for the network page
(docs/adherence.md "Daily job and pages"): every assignment of the study whose 90-day follow-up
is over (intervention_report.study_uplift, from the fills the job already read), reduced to JSON in the run's summary — the page then reads one row instead
of every dispense of the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from enlace.modules.adherence.domain import AdherenceSettings
from enlace.modules.adherence.intervention_report import study_uplift
from enlace.modules.adherence.therapies import Therapy
from enlace.modules.adherence.uplift import Effect, UpliftReport

BOOTSTRAP = 200  # draws: the page shows the normal CI; the bootstrap one is a check


def measure_uplift(
    conn: Connection, groups: Mapping[tuple[str, str], Therapy], as_of: date
) -> dict[str, Any] | None:
    """The uplift report as JSON, or None while no assignment has its follow-up over."""
    settings = AdherenceSettings()

    def fills_of(patient: str, therapy: str) -> tuple[Sequence[int], Sequence[int], int]:
        found = groups.get((patient, therapy))
        fills = found.fills if found else ()
        days = [f.day.toordinal() for f in fills]
        return days, [f.days_supply for f in fills], sum(f.imputed_supply for f in fills)

    report = study_uplift(conn, fills_of, as_of, settings.gap_for, bootstrap=BOOTSTRAP)
    therapies = sum(m.n_treated + m.n_control for m in report.monthly)
    return as_json(report, therapies) if therapies else None


def as_json(report: UpliftReport, therapies: int) -> dict[str, Any]:
    return {
        "therapies": therapies,
        "pdc": _effect(report.pdc),
        "abandonment": _effect(report.abandonment),
        "monthly": [
            {
                "month": m.month,
                "n_treated": m.n_treated,
                "n_control": m.n_control,
                "pdc_treated": m.pdc_treated,
                "pdc_control": m.pdc_control,
                "abandonment_treated": m.abandonment_treated,
                "abandonment_control": m.abandonment_control,
            }
            for m in report.monthly
        ],
    }


def _effect(effect: Effect) -> dict[str, Any]:
    return {
        "difference": effect.difference,
        "se": effect.se,
        "ci": list(effect.normal_ci) if effect.normal_ci else None,
        "bootstrap_ci": list(effect.bootstrap_ci) if effect.bootstrap_ci else None,
        "left_out": list(effect.left_out),
    }
