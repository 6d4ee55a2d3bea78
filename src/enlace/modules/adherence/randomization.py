"""Who gets proactive interventions and who is held out, so their effect can be measured.

A *study* holds out a configurable share of therapies as control (default 20 %). The arm is a
deterministic function of (study id, patient, therapy) — a SHA-256 read as a number in [0, 1) —
so it can be recomputed and audited, and is the same on every node. It is drawn within the risk
band the therapy was in when first assigned (the stratum); with the hash uniform, every band
gets the share in expectation, and the analysis (uplift.py) compares arms within each stratum.
The assignment is recorded once (intervention_assignments) and never changed, even if the risk
moves to another band later: the analysis is by intention to treat.

Ethics: the highest band (by default "high", probability ≥ 0.7) is excluded from the holdout —
these are the patients about to abandon, for whom a proven-enough intervention (a nurse call)
is withheld from no one. The measured uplift is therefore the effect in the lower bands. A
control therapy that later climbs to the high band still gets the nurse outreach Task
(clinically required) but no proactive message; the action is recorded as a clinical override.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select

from enlace.modules.messaging.tables import assignments

BANDS: tuple[tuple[str, float], ...] = (  # (band, lower bound of its probability), ascending
    ("low", 0.0),
    ("moderate", 0.3),
    ("moderate-high", 0.5),
    ("high", 0.7),
)
TREATED, CONTROL = "treated", "control"


@dataclass(frozen=True, slots=True)
class Study:
    id: str = "adherence-interventions-v1"
    control_share: float = 0.20
    excluded_bands: tuple[str, ...] = ("high",)  # never held out (ethics, see above)
    eligible_from: float = 0.3  # therapies below this risk are not enrolled (nothing to do)

    def __post_init__(self) -> None:
        if not 0.0 <= self.control_share < 1.0:
            raise ValueError("control_share must be in [0, 1)")


@dataclass(frozen=True, slots=True)
class Assignment:
    patient: str
    therapy: str
    arm: str
    stratum: str
    probability: float
    day: str


def risk_band(probability: float) -> str:
    band = BANDS[0][0]
    for name, lower in BANDS:
        if probability >= lower:
            band = name
    return band


def unit_hash(study: str, patient: str, therapy: str) -> float:
    digest = hashlib.sha256(f"{study}|{patient}|{therapy}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_for(study: Study, patient: str, therapy: str, stratum: str) -> str:
    if stratum in study.excluded_bands:
        return TREATED
    return CONTROL if unit_hash(study.id, patient, therapy) < study.control_share else TREATED


def assign(
    conn: Connection,
    study: Study,
    scored: Sequence[tuple[str, str, float]],
    day: date,
    now_us: int,
) -> dict[tuple[str, str], Assignment]:
    """The arm of each eligible (patient, therapy, probability): the recorded one when there is
    one, else drawn now and recorded. Ineligible therapies (risk below `eligible_from`, never
    enrolled before) are left out of the answer."""
    keys = [(p, t) for p, t, _ in scored]
    known = _recorded(conn, study.id, keys)
    new_rows = []
    for patient, therapy, probability in scored:
        if (patient, therapy) in known or probability < study.eligible_from:
            continue
        stratum = risk_band(probability)
        found = Assignment(
            patient,
            therapy,
            arm_for(study, patient, therapy, stratum),
            stratum,
            probability,
            day.isoformat(),
        )
        known[(patient, therapy)] = found
        new_rows.append({"study": study.id, "assigned_us": now_us, **_row(found)})
    if new_rows:
        conn.execute(insert(assignments), new_rows)
    return known


def recorded(conn: Connection, study: str) -> list[Assignment]:
    """Every assignment of a study (for the uplift analysis)."""
    c = assignments.c
    rows = conn.execute(select(assignments).where(c.study == study))
    return [_assignment(row) for row in rows]


def _recorded(
    conn: Connection, study: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Assignment]:
    """The recorded assignments among `keys`, read by patient in chunks (an index range scan of
    the primary key) and filtered to the therapies asked for."""
    c = assignments.c
    wanted = set(keys)
    patients = sorted({p for p, _ in wanted})
    found: dict[tuple[str, str], Assignment] = {}
    for start in range(0, len(patients), 500):
        chunk = patients[start : start + 500]
        for row in conn.execute(select(assignments).where(c.study == study, c.patient.in_(chunk))):
            if (row.patient, row.therapy) in wanted:
                found[(row.patient, row.therapy)] = _assignment(row)
    return found


def _row(a: Assignment) -> dict[str, object]:
    return {
        "patient": a.patient,
        "therapy": a.therapy,
        "arm": a.arm,
        "stratum": a.stratum,
        "probability": a.probability,
        "day": a.day,
    }


def _assignment(row: Any) -> Assignment:
    return Assignment(row.patient, row.therapy, row.arm, row.stratum, row.probability, row.day)
