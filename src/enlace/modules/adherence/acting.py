"""The daily job's last step: the day's scores through the interventions (interventions.py:
randomization, rules, messages queued, nurse Tasks, physician notices, one transaction of its
own, idempotent per therapy and day), then delivery of the queued messages (messaging, after
that commit). Only here does the job build interventions.TherapyRisk from what it measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from enlace.modules import messaging
from enlace.modules.adherence.interventions import TherapyRisk, run_interventions
from enlace.modules.adherence.job_rows import Score
from enlace.modules.adherence.panel import medication_name
from enlace.store.database import Database
from enlace.store.repository import FhirRepository


@dataclass(frozen=True, slots=True)
class Acted:
    actions: int
    messages_sent: int


def act(
    db: Database,
    repo: FhirRepository,
    found: Sequence[Score],
    rows: Sequence[dict[str, Any]],
    names: Mapping[str, str],
    as_of: date,
    now_us: int,
    var_dir: Path,
) -> Acted:
    if not found:
        return Acted(0, 0)
    keyed = {(row["patient"], row["therapy"]): row for row in rows}
    risks = [risk(s, keyed.get((s.patient, s.therapy), {}), names, as_of) for s in found]
    report = run_interventions(db, repo, risks, as_of, now_us)
    delivered = messaging.deliver_due(db, repo, now_us, var_dir)
    return Acted(sum(report.actions.values()), delivered.delivered)


def risk(
    score: Score, row: Mapping[str, Any], names: Mapping[str, str], as_of: date
) -> TherapyRisk:
    left = row.get("supply_left")
    return TherapyRisk(
        patient=score.patient,
        therapy=score.therapy,
        probability=score.probability,
        days_supply_left=left,
        pdc=row.get("pdc"),
        clinic=f"Organization/{row['clinic']}" if row.get("clinic") else None,
        prescriber=f"Practitioner/{row['practitioner']}" if row.get("practitioner") else None,
        medicine=medication_name(row["medication"]) if row.get("medication") else "medicamento",
        name=names.get(score.patient, "Hola"),
        due=as_of + timedelta(days=left) if isinstance(left, int) else None,
        top_features={str(r["feature"]): float(r["contribution"]) for r in score.reasons},
    )
