"""Member-months per patient, for per-clinic PMPM (analytics' `claims_pmpm`): `member_months`
counts a payer's members; the indicators attribute each member to the patient's clinic, so
they need the months per beneficiary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Connection, text

from enlace.modules.coverage.members import _day, _months_in_force
from enlace.store.repository import FhirRepository

_COVERAGES = text(
    "SELECT DISTINCT resource_id FROM reference_index WHERE resource_type = 'Coverage' "
    "AND param = 'beneficiary'"
)
_BATCH = 1000
_PATIENT = "Patient/"


def member_months_by_patient(
    repo: FhirRepository, conn: Connection, first: date, last: date
) -> dict[str, float]:
    """Patient id -> months covered within [first, last] by active Coverages naming them as
    beneficiary (each calendar month's days in force over its length, as `member_months`; two
    overlapping Coverages count twice, as they do for the payer). Patients with none are absent."""
    ids = sorted({row[0] for row in conn.execute(_COVERAGES)})
    months: defaultdict[str, float] = defaultdict(float)
    for start in range(0, len(ids), _BATCH):
        stored = repo.current_many(conn, "Coverage", set(ids[start : start + _BATCH]))
        for version in stored.values():
            if version.deleted:
                continue
            resource = version.resource()
            patient = str(resource.get("beneficiary", {}).get("reference", ""))
            if resource.get("status", "active") != "active" or not patient.startswith(_PATIENT):
                continue
            period = resource.get("period", {})
            begins = max(first, _day(period.get("start")) or date.min)
            ends = min(last, _day(period.get("end")) or date.max)
            if begins <= ends:
                months[patient[len(_PATIENT) :]] += _months_in_force(begins, ends)
    return {patient: round(total, 4) for patient, total in months.items()}
