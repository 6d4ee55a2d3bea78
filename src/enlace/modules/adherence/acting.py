"""The daily job's last steps: the day's scores through the interventions
(interventions.apply_interventions: randomization, rules, messages queued, nurse Tasks,
physician notices; in the job's store transaction, idempotent per therapy and day), then, after
that commit, delivery of the queued messages (messaging.deliver_due).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from enlace.modules import messaging
from enlace.modules.adherence.intervention_report import risk_from_score
from enlace.modules.adherence.interventions import TherapyRisk, apply_interventions
from enlace.modules.adherence.job_rows import Score
from enlace.modules.adherence.panel import medication_name
from enlace.store.database import Database
from enlace.store.repository import FhirRepository


def act(
    conn: Connection,
    repo: FhirRepository,
    found: Sequence[Score],
    rows: Sequence[dict[str, Any]],
    names: Mapping[str, str],
    as_of: date,
    now_us: int,
) -> int:
    """The interventions of the day's scores; how many actions were recorded."""
    if not found:
        return 0
    keyed = {(row["patient"], row["therapy"]): row for row in rows}
    risks = [risk(s, keyed.get((s.patient, s.therapy), {}), names, as_of) for s in found]
    report = apply_interventions(conn, repo, risks, as_of, now_us)
    return sum(report.actions.values())


def deliver(db: Database, repo: FhirRepository, now_us: int, var_dir: Path) -> int:
    """Send what the interventions queued (after their transaction committed)."""
    return int(messaging.deliver_due(db, repo, now_us, var_dir).delivered)


def risk(
    score: Score, row: Mapping[str, Any], names: Mapping[str, str], as_of: date
) -> TherapyRisk:
    left = row.get("supply_left")
    return risk_from_score(
        score.patient,
        score.therapy,
        score.probability,
        score.reasons,
        days_supply_left=left,
        pdc=row.get("pdc"),
        clinic=f"Organization/{row['clinic']}" if row.get("clinic") else None,
        prescriber=f"Practitioner/{row['practitioner']}" if row.get("practitioner") else None,
        medicine=medication_name(row["medication"]) if row.get("medication") else "medicamento",
        name=names.get(score.patient, "Hola"),
        due=as_of + timedelta(days=left) if isinstance(left, int) else None,
    )
