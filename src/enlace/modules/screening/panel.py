"""The physician panel (docs/screening.md "Pages"): the physician's patients (Encounters where
they took part, Patient.generalPractitioner) ranked by risk — the latest screening RiskAssessment's
10-year CVD risk and diabetes (FINDRISC) risk, then the open care gaps and overdue referrals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, union

from enlace.kernel.clock import epoch_us
from enlace.modules.screening.care_gaps import Gap, care_gaps_many
from enlace.modules.screening.patient_record import parse_date
from enlace.modules.screening.referrals import open_referrals_of
from enlace.modules.screening.worklist import encounter_patients, patient_names
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index

PANEL_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Risk:
    cvd: float | None  # 10-year probability 0..1 (WHO 2019 chart)
    diabetes: float | None  # 10-year probability of type 2 diabetes (FINDRISC band)
    assessed: date | None
    reference: str | None  # RiskAssessment/…


@dataclass(frozen=True, slots=True)
class PanelRow:
    patient: str
    name: str
    risk: Risk
    gaps: tuple[Gap, ...]
    overdue_referrals: int

    @property
    def rank_key(self) -> tuple[float, int, int, str]:
        top = max(self.risk.cvd or 0.0, self.risk.diabetes or 0.0)
        return (-top, -len(self.gaps), -self.overdue_referrals, self.name)


def panel(
    conn: Connection,
    repo: FhirRepository,
    practitioner: str,
    today: date | None = None,
    limit: int = PANEL_LIMIT,
) -> list[PanelRow]:
    """The physician's patients, highest risk first (`practitioner`: a Practitioner id)."""
    now = repo.clock()
    patients = physician_patients(conn, practitioner)[:limit]
    names = patient_names(conn, repo, patients)
    gaps = care_gaps_many(conn, repo, patients, today or now.date())
    risks = latest_risks(conn, repo, patients)
    overdue: dict[str, int] = {}
    for referral in open_referrals_of(conn, repo, patients):
        if referral.overdue(epoch_us(now)):
            overdue[referral.patient] = overdue.get(referral.patient, 0) + 1
    rows = [
        PanelRow(
            p,
            names.get(p, p),
            risks.get(p, Risk(None, None, None, None)),
            tuple(gaps.get(p, ())),
            overdue.get(p, 0),
        )
        for p in patients
    ]
    return sorted(rows, key=lambda row: row.rank_key)


def physician_patients(conn: Connection, practitioner: str) -> list[str]:
    """Patients whose Encounters the practitioner took part in, or whose general practitioner
    they are (two index lookups in one query)."""
    seen = encounter_patients("practitioner", "Practitioner", practitioner)
    r = reference_index.c
    assigned = select(r.resource_id.label("patient")).where(
        r.resource_type == "Patient",
        r.param == "general-practitioner",
        r.target_type == "Practitioner",
        r.target_id == practitioner,
    )
    return sorted({str(row[0]) for row in conn.execute(union(seen, assigned))})


def latest_risks(
    conn: Connection, repo: FhirRepository, patients: Iterable[str]
) -> dict[str, Risk]:
    """Each patient's newest RiskAssessment, read as CVD and diabetes risk."""
    r = reference_index.c
    wanted = sorted(set(patients))
    ids: list[str] = []
    for start in range(0, len(wanted), 500):
        query = select(r.resource_id).where(
            r.resource_type == "RiskAssessment",
            r.param == "patient",
            r.target_type == "Patient",
            r.target_id.in_(wanted[start : start + 500]),
        )
        ids.extend(row[0] for row in conn.execute(query))
    newest: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for version in repo.current_many(conn, "RiskAssessment", ids).values():
        if version.deleted:
            continue
        body = version.resource()
        if body.get("status") in ("entered-in-error", "cancelled"):
            continue
        patient = str((body.get("subject") or {}).get("reference", "")).removeprefix("Patient/")
        key = f"{body.get('occurrenceDateTime', '')}|{body.get('id', '')}"
        if patient not in newest or key > newest[patient][0]:
            newest[patient] = (key, body)
    return {patient: risk_of(body) for patient, (_, body) in newest.items()}


def risk_of(assessment: Mapping[str, Any]) -> Risk:
    """CVD and diabetes probabilities from the predictions (outcome coded or named)."""
    cvd = diabetes = None
    for prediction in assessment.get("prediction") or ():
        value = prediction.get("probabilityDecimal")
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        outcome = prediction.get("outcome") or {}
        words = " ".join(
            [str(outcome.get("text", ""))]
            + [f"{c.get('code', '')} {c.get('display', '')}" for c in outcome.get("coding") or ()]
        ).lower()
        if any(w in words for w in ("cvd", "cardio", "infarct", "stroke")):
            cvd = float(value) if cvd is None else max(cvd, float(value))
        elif "diabet" in words:
            diabetes = float(value) if diabetes is None else max(diabetes, float(value))
    return Risk(
        cvd,
        diabetes,
        parse_date(assessment.get("occurrenceDateTime")),
        f"RiskAssessment/{assessment.get('id', '')}",
    )
