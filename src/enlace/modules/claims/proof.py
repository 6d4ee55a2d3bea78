"""Matching a claim's packs to dispensing events in the transparency log (the proof of dispense).

A pack proves an item when a dispensing event named it at the claiming pharmacy (its catalog
facility's synthetic GLN, the location registry's id), within `WINDOW_DAYS` of the service date,
and, when the event names the prescription it filled, for that prescription's patient. An event
without a prescription proves pack, place and date only: the claim goes to review for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from enlace.modules.trace import DispenseRecord, facility_location_id

WINDOW_DAYS = 3  # a pharmacy may claim up to three days after, or before, the dispense
MEXICO_CENTRAL = timezone(timedelta(hours=-6))  # no daylight saving since October 2022

SubjectOf = Callable[[str], str | None]  # MedicationRequest id -> its subject "Patient/x"


@dataclass(frozen=True, slots=True)
class PackMatch:
    record: DispenseRecord | None
    problem: str  # why no event proves the pack (empty when one does)
    patient_proven: bool = False


def match_pack(
    epc: str,
    records: Iterable[DispenseRecord],
    pharmacy_slug: str,
    service_date: date,
    patient_id: str,
    subject_of: SubjectOf,
) -> PackMatch:
    """The first dispensing event proving the pack, else the reason none does (the closest
    miss: place, then date, then patient)."""
    place = facility_location_id(pharmacy_slug)
    problem = f"no dispensing event names pack {epc}"
    for record in records:
        if record.biz_location != place:
            problem = f"pack {epc} was dispensed at {record.biz_location}, not at this pharmacy"
            continue
        day = _local_date(record.event_time_us)
        if abs((day - service_date).days) > WINDOW_DAYS:
            problem = f"pack {epc} was dispensed on {day.isoformat()}, outside the window"
            continue
        if not record.prescriptions:
            return PackMatch(record, "", patient_proven=False)
        patients = {subject_of(rx) for rx in record.prescriptions}
        if f"Patient/{patient_id}" in patients:
            return PackMatch(record, "", patient_proven=True)
        problem = f"pack {epc} was dispensed against another patient's prescription"
    return PackMatch(None, problem)


def _local_date(time_us: int) -> date:
    return datetime.fromtimestamp(time_us / 1_000_000, MEXICO_CENTRAL).date()
