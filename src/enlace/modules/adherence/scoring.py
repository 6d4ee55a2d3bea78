"""The daily job's use of the abandonment model (model.py, features.py) and of the interventions
(interventions.py), in one place so service.py reads as the list of steps.

Scoring: every therapy *active* on the day (labels.active_at: its last fill's supply, plus the
therapy's gap setting, has not run out) of a living patient gets the model's calibrated
probability, its band (model.risk_band) and its top reasons (model.explain: the feature groups
that raise it most). Patient covariates come from the record (age, sex, affiliation); those no
source here provides are NaN, as the model was trained to expect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from enlace.kernel.settings import Settings
from enlace.modules import catalog, delivery
from enlace.modules.adherence import features, fill_table, labels, model
from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.file_scoring import clinical_series
from enlace.modules.adherence.job_rows import Score
from enlace.modules.adherence.reader import ClinicalPoint, parse_observation_lines
from enlace.modules.adherence.sources import PatientFacts, Record

log = logging.getLogger("enlace.adherence.job")
SMALL_BATCH = 20_000  # rows scored on one thread
EXPLAIN_FROM = 0.10  # model.RISK_BANDS' medium floor: lower scores are shown nowhere


def clinical_points(lines: Iterable[bytes]) -> list[ClinicalPoint]:
    """The reader's clinical points of stored Observations."""
    return parse_observation_lines(lines).points


def load_default(settings: Settings) -> model.AbandonmentModel | None:
    """The trained model in var/models, or None when none has been trained (or it was trained
    on other features: the run then measures without scoring, and says why in its log)."""
    directory = model.default_directory(settings.var_dir)
    try:
        return model.load(directory)
    except FileNotFoundError:
        return None
    except ValueError as stale:
        log.warning("adherence model not used: %s", stale)
        return None


def version(found: model.AbandonmentModel | None) -> str | None:
    if found is None:
        return None
    meta = found.metadata
    return f"v{meta.get('version', '?')} {meta.get('trained_at', '')}".strip()


def score(
    found: model.AbandonmentModel | None,
    fills: Sequence[Fill],
    points: Sequence[ClinicalPoint],
    record: Record,
    as_of: date,
) -> list[Score]:
    """Each active therapy's probability of discontinuation 28-42 days after `as_of`."""
    if found is None or not fills:
        return []
    table = fill_table.build(fills)
    day = fill_table.day_number(as_of)
    every = np.arange(table.therapies)
    unknown = PatientFacts()
    alive = np.array([not record.patients.get(p, unknown).deceased for p in table.patients])
    active = labels.active_at(table, every, np.full(len(every), day)) & alive[table.patient_of]
    therapy = every[active]
    x = features.compute(
        table,
        therapy,
        np.full(len(therapy), day),
        clinical_series(table, points),
        covariates(table, record, as_of, fills),
    )
    # Few rows: OpenMP threads cost more than they save (16 ms a tree on a busy 2-core box).
    with threadpool_limits(limits=1 if len(x) < SMALL_BATCH else None):
        probabilities = found.predict(x)
        # Reasons only where a page or a rule shows them (medium band and up): explaining
        # costs 11 re-predictions a row.
        reasons = model.explain(found, x, at_least=EXPLAIN_FROM)
    return [
        Score(
            patient=table.patients[table.patient_of[t]],
            therapy=table.therapy_keys[t],
            probability=round(float(p), 4),
            band=model.risk_band(float(p)),
            reasons=tuple(
                {"feature": group, "value": None, "contribution": round(lift, 4)}
                for group, lift in why
            ),
        )
        for t, p, why in zip(therapy.tolist(), probabilities, reasons, strict=True)
    ]


def covariates(
    table: fill_table.FillTable, record: Record, as_of: date, fills: Sequence[Fill] = ()
) -> np.ndarray:
    """(patients x COVARIATES): age, sex and affiliation from the Patient, the distance from
    home to the pharmacy of the patient's last fill, home-delivery use (1/0 once the network
    delivers at all: with no SupplyDelivery anywhere it is unknown); NaN where unknown."""
    out = np.full((len(table.patients), len(features.COVARIATES)), np.nan, np.float32)
    names = ("age", "female", "affiliation", "distance_km", "delivery")
    age, female, affiliation, distance, delivery_use = (
        features.COVARIATES.index(name) for name in names
    )
    if record.delivered:
        out[:, delivery_use] = [p in record.delivered for p in table.patients]
    pharmacies = last_pharmacies(fills)
    for row, patient in enumerate(table.patients):
        facts = record.patients.get(patient)
        if facts is None:
            continue
        if facts.birth_date:
            out[row, age] = (as_of - facts.birth_date).days / 365.25
        if facts.gender in ("female", "male"):
            out[row, female] = 1.0 if facts.gender == "female" else 0.0
        if facts.affiliation in features.AFFILIATIONS:
            out[row, affiliation] = features.AFFILIATIONS.index(facts.affiliation)
        place = pharmacies.get(patient)
        if facts.home and place:
            out[row, distance] = delivery.great_circle_km([facts.home, place])[0, 1]
    return out


def last_pharmacies(fills: Sequence[Fill]) -> dict[str, tuple[float, float]]:
    """Where each patient last filled (a catalog pharmacy `Organization/org-<slug>`)."""
    latest: dict[str, Fill] = {}
    for fill in fills:
        seen = latest.get(fill.patient)
        if fill.pharmacy and (seen is None or fill.day >= seen.day):
            latest[fill.patient] = fill
    found: dict[str, tuple[float, float]] = {}
    for patient, fill in latest.items():
        slug = str(fill.pharmacy).removeprefix("Organization/org-")
        facility = catalog.facility(slug)
        if facility is not None:
            found[patient] = (facility.latitude, facility.longitude)
    return found
