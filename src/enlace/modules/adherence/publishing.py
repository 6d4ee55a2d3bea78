"""The daily job's FHIR exposure (docs/adherence.md "Daily job and pages"): so FHIR clients see
the measures, the run publishes them through fhir_map —

- one Observation per patient x therapy per calendar month, id `adh-<digest>` of (patient,
  therapy, month): the month-end run writes its final value; a run asked to publish mid-month
  writes the month-to-date value under the same id (a new version), never a second resource;
- one summary MeasureReport per rollup dimension (clinic, pharmacy, payer, state) per month,
  id `adh-<dimension>-<YYYY-MM>`, small strata suppressed by fhir_map;
- the Measure they point at, id `adherence`.

Written with FhirRepository.put_many (batched; unchanged content keeps its version, so a rerun of
the same day writes nothing new).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.modules.adherence import fhir_map, rollups
from enlace.modules.adherence.measures import TherapyMeasures
from enlace.store.bulk import PutItem
from enlace.store.repository import FhirRepository

DIMENSIONS = ("clinic", "pharmacy", "payer", "state")
MEASURE_ID = "adherence"
BATCH = 1000


def publish(
    conn: Connection,
    repo: FhirRepository,
    measured: Sequence[TherapyMeasures],
    rows: Sequence[dict[str, Any]],
    as_of: date,
) -> int:
    """Write the month's resources; how many were created or changed."""
    month = as_of.strftime("%Y-%m")
    resources = [observation(m, month) for m in measured]
    resources.extend(reports(measured, rows, as_of))
    resources.append({**fhir_map.measure_definition(), "id": MEASURE_ID})
    changed = 0
    for start in range(0, len(resources), BATCH):
        counts = repo.put_many(conn, (PutItem(r) for r in resources[start : start + BATCH]))
        changed += counts.get("created", 0) + counts.get("updated", 0)
    return changed


def observation(measures: TherapyMeasures, month: str) -> dict[str, Any]:
    return {**fhir_map.observation(measures), "id": observation_id(measures, month)}


def observation_id(measures: TherapyMeasures, month: str) -> str:
    key = f"{measures.patient}|{measures.therapy}|{month}".encode()
    return "adh-" + hashlib.blake2b(key, digest_size=12).hexdigest()


def reports(
    measured: Sequence[TherapyMeasures], rows: Sequence[dict[str, Any]], as_of: date
) -> Iterable[dict[str, Any]]:
    """One MeasureReport per dimension, grouped by the keys the job stored for each therapy."""
    keys = {(row["patient"], row["therapy"]): row for row in rows}
    overall = rollups.summarize(measured)
    period = (as_of - timedelta(days=364), as_of)
    for dimension in DIMENSIONS:
        strata: dict[object, rollups.Rollup] = dict(
            rollups.rollup(measured, _key_of(keys, dimension))
        )
        report = fhir_map.measure_report(overall, strata, dimension=dimension, period=period)
        yield {**report, "id": f"adh-{dimension}-{as_of.strftime('%Y-%m')}"}


def _key_of(
    keys: dict[tuple[str, str], dict[str, Any]], dimension: str
) -> Callable[[TherapyMeasures], str | None]:
    def key(measures: TherapyMeasures) -> str | None:
        row = keys.get((measures.patient, measures.therapy))
        value = row.get(dimension) if row else None
        return str(value) if value else None

    return key
