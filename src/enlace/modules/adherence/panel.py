"""The physician's "Terapias en riesgo" (docs/adherence.md "Daily job and pages"): the therapies
of the physician's patients (the last prescriber of the therapy) that the latest daily run scored
at high or medium risk of abandonment, highest probability first, each with its reasons, days'
supply left, PDC, last fill and the actions already taken.

Reads only this module's tables (one query) and the patients' names (one batch read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from enlace.modules import catalog
from enlace.modules.adherence.interventions import actions_on
from enlace.modules.adherence.sources import display_name
from enlace.modules.adherence.tables import runs, scores, therapies
from enlace.store.repository import FhirRepository

PANEL_LIMIT = 200
AT_RISK = ("high", "medium")


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str  # the model's feature name (adherence_strings has its words)
    value: float | None
    contribution: float


@dataclass(frozen=True, slots=True)
class TherapyRisk:
    patient: str
    name: str
    therapy: str
    medication: str  # display name
    condition: str | None
    probability: float
    band: str
    reasons: tuple[Reason, ...]
    supply_left: int
    pdc: float | None
    last_fill: date
    discontinued_on: date | None
    actions: tuple[str, ...] = ()  # the intervention rules applied on the day (R1-reminder...)


def latest_run(conn: Connection) -> date | None:
    """The newest day the job ran, or None before its first run."""
    found = conn.execute(select(func.max(runs.c.as_of))).scalar()
    return date.fromisoformat(found) if found else None


def at_risk(
    conn: Connection,
    repo: FhirRepository,
    practitioner: str,
    limit: int = PANEL_LIMIT,
) -> tuple[date | None, list[TherapyRisk]]:
    """The day of the latest run and the physician's therapies at risk on it."""
    day = latest_run(conn)
    if day is None:
        return None, []
    t, s = therapies.c, scores.c
    query = (
        select(*therapies.columns, s.probability, s.band, s.reasons)
        .join(scores, (s.patient == t.patient) & (s.therapy == t.therapy))
        .where(
            t.practitioner == practitioner,
            s.as_of == day.isoformat(),
            s.band.in_(AT_RISK),
        )
        .order_by(s.probability.desc(), t.patient, t.therapy)
        .limit(limit)
    )
    rows = [dict(row._mapping) for row in conn.execute(query)]
    names = patient_names(conn, repo, (row["patient"] for row in rows))
    done = actions_by_therapy(conn, day)
    return day, [risk_of(row, names.get(row["patient"], row["patient"]), done) for row in rows]


def actions_by_therapy(conn: Connection, day: date) -> dict[tuple[str, str], tuple[str, ...]]:
    """The rules the interventions applied on the day, per therapy (e.g. "R1-reminder")."""
    found: dict[tuple[str, str], list[str]] = {}
    for action in actions_on(conn, day):
        key = (str(action["patient"]), str(action["therapy"]))
        found.setdefault(key, []).append(str(action["rule"]))
    return {key: tuple(sorted(rules)) for key, rules in found.items()}


def risk_of(
    row: Mapping[str, Any], name: str, done: Mapping[tuple[str, str], tuple[str, ...]]
) -> TherapyRisk:
    return TherapyRisk(
        patient=row["patient"],
        name=name,
        therapy=row["therapy"],
        medication=medication_name(row["medication"]),
        condition=row["condition"],
        probability=float(row["probability"]),
        band=row["band"],
        reasons=reasons_of(row["reasons"]),
        supply_left=int(row["supply_left"]),
        pdc=row["pdc"],
        last_fill=date.fromisoformat(row["last_fill"]),
        discontinued_on=(
            date.fromisoformat(row["discontinued_on"]) if row["discontinued_on"] else None
        ),
        actions=done.get((row["patient"], row["therapy"]), ()),
    )


def reasons_of(text: str) -> tuple[Reason, ...]:
    """The stored top features (JSON list of {feature, value, contribution})."""
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError:
        return ()
    found = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not item.get("feature"):
            continue
        value = item.get("value")
        found.append(
            Reason(
                str(item["feature"]),
                float(value) if isinstance(value, int | float) else None,
                float(item.get("contribution") or 0.0),
            )
        )
    return tuple(found)


def medication_name(medication: str) -> str:
    """A person's name for a medication key: the formulary's display for `Medication/med-x`,
    the code otherwise."""
    if medication.startswith("Medication/med-"):
        medicine = catalog.medicine_by_slug(medication.removeprefix("Medication/med-"))
        if medicine is not None:
            return medicine.display
    return medication.rsplit("|", 1)[-1].removeprefix("Medication/")


def patient_names(
    conn: Connection, repo: FhirRepository, patients: Iterable[str]
) -> dict[str, str]:
    found = repo.current_many(conn, "Patient", sorted(set(patients)))
    return {pid: display_name(v.resource()) for pid, v in found.items() if not v.deleted}
