"""The clinic worklist (docs/screening.md "Follow-up"): the clinic's open referrals (overdue first,
then by due date) and the care gaps of its patients (the people seen at the clinic: Encounter
service-provider, plus those it was referred), each with the patient's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.orm import aliased

from enlace.kernel.clock import epoch_us
from enlace.modules.screening.care_gaps import Gap, care_gaps_many
from enlace.modules.screening.referrals import Referral, open_referrals
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index

PATIENT_LIMIT = 200  # patients whose gaps one page computes


@dataclass(frozen=True, slots=True)
class ReferralItem:
    referral: Referral
    name: str
    overdue: bool
    days_overdue: int  # 0 when not overdue


@dataclass(frozen=True, slots=True)
class GapItem:
    patient: str
    name: str
    gap: Gap


@dataclass(frozen=True, slots=True)
class Worklist:
    clinic: str
    referrals: tuple[ReferralItem, ...]
    gaps: tuple[GapItem, ...]
    patients_checked: int

    @property
    def overdue(self) -> int:
        return sum(item.overdue for item in self.referrals)


def worklist(
    conn: Connection,
    repo: FhirRepository,
    clinic: str,
    today: date | None = None,
    limit: int = PATIENT_LIMIT,
) -> Worklist:
    now = repo.clock()
    now_us = epoch_us(now)
    day = today or now.date()
    referrals = open_referrals(conn, repo, clinic)
    patients = list(dict.fromkeys([r.patient for r in referrals] + clinic_patients(conn, clinic)))
    checked = patients[:limit]
    names = patient_names(conn, repo, set(checked) | {r.patient for r in referrals})
    gaps = care_gaps_many(conn, repo, checked, day)
    gap_items = sorted(
        (GapItem(p, names.get(p, p), g) for p, found in gaps.items() for g in found),
        key=lambda item: (item.gap.due_since or date.min, item.name, item.gap.code),
    )
    items = tuple(
        ReferralItem(
            r,
            names.get(r.patient, r.patient),
            r.overdue(now_us),
            max((now_us - r.due_us) // 86_400_000_000, 0) if r.overdue(now_us) and r.due_us else 0,
        )
        for r in referrals
    )
    return Worklist(clinic, items, tuple(gap_items), len(checked))


def clinic_patients(conn: Connection, clinic: str) -> list[str]:
    """Patients with an Encounter at the clinic (one query)."""
    query = encounter_patients("service-provider", "Organization", clinic).distinct()
    return sorted(str(row[0]) for row in conn.execute(query))


def encounter_patients(param: str, target_type: str, target_id: str) -> Select[Any]:
    """The patients (column `patient`) of the Encounters whose reference `param` is
    `target_type/target_id`: two reference-index rows of each Encounter joined."""
    by = aliased(reference_index)
    subject = aliased(reference_index)
    return (
        select(subject.c.target_id.label("patient"))
        .join(
            by,
            (by.c.resource_type == subject.c.resource_type)
            & (by.c.resource_id == subject.c.resource_id),
        )
        .where(
            by.c.resource_type == "Encounter",
            by.c.param == param,
            by.c.target_type == target_type,
            by.c.target_id == target_id,
            subject.c.param == "patient",
            subject.c.target_type == "Patient",
        )
    )


def patient_names(
    conn: Connection, repo: FhirRepository, patients: Iterable[str]
) -> dict[str, str]:
    found = repo.current_many(conn, "Patient", sorted(set(patients)))
    return {pid: display_name(v.resource()) for pid, v in found.items() if not v.deleted}


def display_name(patient: Mapping[str, Any]) -> str:
    for name in patient.get("name") or ():
        given = " ".join(str(g) for g in name.get("given") or ())
        text = name.get("text") or f"{given} {name.get('family', '')}".strip()
        if text:
            return str(text)
    return str(patient.get("id", ""))
