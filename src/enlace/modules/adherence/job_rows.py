"""The daily job's writes to this module's tables (docs/adherence.md "Daily job and pages").

`therapy_rows` turns measures into `adherence_therapies` rows with their rollup keys; `replace_*`
write a day's results so that a rerun of the same day leaves the same rows (delete the day's
rows, insert the new ones, in the caller's transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert

from enlace.modules.adherence.measures import TherapyMeasures
from enlace.modules.adherence.sources import PatientFacts, PrescriptionKeys, condition_group
from enlace.modules.adherence.tables import runs, scores, therapies
from enlace.modules.adherence.therapies import Therapy

BATCH = 2000  # rows per INSERT statement


@dataclass(frozen=True, slots=True)
class Score:
    patient: str
    therapy: str
    probability: float
    band: str
    reasons: tuple[dict[str, Any], ...]  # {"feature", "value", "contribution"}


def therapy_rows(
    measured: Iterable[TherapyMeasures],
    groups: Mapping[tuple[str, str], Therapy],
    patients: Mapping[str, PatientFacts],
    payers: Mapping[str, str],
    prescriptions: Mapping[str, PrescriptionKeys],
    as_of: date,
) -> list[dict[str, Any]]:
    rows = []
    for m in measured:
        fills = groups[(m.patient, m.therapy)].fills
        last = fills[-1]
        keys = prescriptions.get(_local(last.prescription, "MedicationRequest") or "")
        facts = patients.get(m.patient, PatientFacts())
        rows.append(
            {
                "patient": m.patient,
                "therapy": m.therapy,
                "as_of": as_of.isoformat(),
                "medication": last.medication,
                "condition": condition_group(m.therapy),
                "fills": m.fills,
                "first_fill": m.first_fill.isoformat(),
                "last_fill": m.last_fill.isoformat(),
                "pdc": m.pdc,
                "mpr": m.mpr,
                "supply_left": m.days_supply_left,
                "covered_until": m.supply_runs_out.isoformat(),
                "discontinued_on": _iso(m.discontinued_on),
                "persistence_days": m.persistence_days,
                "switched": m.switched,
                "clinic": keys.clinic if keys else None,
                "pharmacy": _local(last.pharmacy, "Organization"),
                "payer": payers.get(m.patient),
                "state": facts.state,
                "practitioner": keys.practitioner if keys else None,
            }
        )
    return rows


def replace_therapies(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The table holds the latest run's measures: every row is rewritten (a therapy no longer
    in the record, e.g. its dispenses deleted, leaves the table)."""
    conn.execute(delete(therapies))
    _insert(conn, therapies, rows)


def replace_scores(conn: Connection, found: Sequence[Score], as_of: date, model: str) -> None:
    day = as_of.isoformat()
    conn.execute(delete(scores).where(scores.c.as_of == day))
    rows = [
        {
            "patient": s.patient,
            "therapy": s.therapy,
            "as_of": day,
            "probability": s.probability,
            "band": s.band,
            "reasons": orjson.dumps(list(s.reasons)).decode(),
            "model": model,
        }
        for s in found
    ]
    _insert(conn, scores, rows)


def replace_run(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(delete(runs).where(runs.c.as_of == row["as_of"]))
    conn.execute(insert(runs), [row])


def _insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(table), list(rows[start : start + BATCH]))


def _local(reference: str | None, resource_type: str) -> str | None:
    prefix = f"{resource_type}/"
    if reference and reference.startswith(prefix):
        return reference.removeprefix(prefix)
    return None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
