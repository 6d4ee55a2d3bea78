"""Score a MedicationDispense NDJSON file (plus an optional Observation file) at an as-of date:
what `enlace adherence score` runs. One row per therapy active at as-of (labels.active_at);
the file's bad lines come back with their line numbers, the rest is scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from enlace.modules.adherence import features, fill_table, labels, model
from enlace.modules.adherence.reader import ClinicalPoint, read_dispenses, read_observations

COLUMNS = (
    "patient",
    "therapy",
    "medication",
    "as_of",
    "probability",
    "risk_band",
    "days_supply_left",
    "pdc_180",
    "top_reasons",
)


@dataclass
class FileScores:
    rows: list[dict[str, object]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "dispenses.ndjson:12: not JSON (...)"
    skipped: int = 0
    fills: int = 0


def clinical_series(
    table: fill_table.FillTable, points: Sequence[ClinicalPoint]
) -> features.ClinicalSeries:
    """The points of the table's patients as the model's clinical columns."""
    index = {patient: i for i, patient in enumerate(table.patients)}
    kept = [p for p in points if p.patient in index and p.measure in features.CLINICAL]
    return features.ClinicalSeries(
        np.array([index[p.patient] for p in kept], np.int64),
        np.array([features.CLINICAL.index(p.measure) for p in kept], np.int64),
        np.array([fill_table.day_number(p.day) for p in kept], np.int64),
        np.array([p.value for p in kept], np.float64),
    ).sorted()


def score_files(
    found: model.AbandonmentModel,
    dispenses: Path,
    observations: Path | None,
    as_of: date,
    reasons_from: float = 0.0,
) -> FileScores:
    """Read, keep the therapies active at as-of, score them, and explain those whose
    probability is at least `reasons_from` (explaining is 11 re-predictions a row)."""
    out = FileScores()
    read = read_dispenses(dispenses, as_of)
    out.problems += [f"{dispenses}:{line}: {problem}" for line, problem in read.problems]
    out.skipped, out.fills = len(read.skipped), len(read.fills)
    points: list[ClinicalPoint] = []
    if observations is not None:
        clinical = read_observations(observations)
        out.problems += [f"{observations}:{line}: {problem}" for line, problem in clinical.problems]
        points = [p for p in clinical.points if p.day <= as_of]
    if not read.fills:
        return out
    table = fill_table.build(read.fills)
    day = fill_table.day_number(as_of)
    every = np.arange(table.therapies)
    therapy = every[labels.active_at(table, every, np.full(len(every), day))]
    when = np.full(len(therapy), day)
    x = features.compute(table, therapy, when, clinical_series(table, points))
    probabilities = found.predict(x)
    reasons = model.explain(found, x, at_least=reasons_from)
    last = table.last_fill_at(therapy, when)
    supply_left = x[:, features.FEATURES.index("supply_left")]
    pdc = x[:, features.FEATURES.index("pdc_180")]
    for row, t in enumerate(therapy.tolist()):
        out.rows.append(
            {
                "patient": table.patients[table.patient_of[t]],
                "therapy": table.therapy_keys[t],
                "medication": table.medications[table.medication[last[row]]],
                "as_of": as_of.isoformat(),
                "probability": round(float(probabilities[row]), 4),
                "risk_band": model.risk_band(float(probabilities[row])),
                "days_supply_left": int(supply_left[row]),
                "pdc_180": round(float(pdc[row]), 3),
                "top_reasons": ";".join(f"{g}(+{lift:.2f})" for g, lift in reasons[row]),
            }
        )
    return out
