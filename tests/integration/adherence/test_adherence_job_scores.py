"""The daily job with a trained model on both stores: only active therapies of living patients
are scored, each with its band and reasons, one row per therapy per day; the day's
interventions follow the scores (a high-risk therapy gets a nurse outreach Task)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules.adherence import features, model, service
from enlace.modules.adherence.tables import scores
from tests.integration.adherence.job_support import AS_OF, dispense, patient, small_world


@cache
def tiny_model(risky_below: float) -> model.AbandonmentModel:
    """A model that learned one thing: supply_left under `risky_below` days means abandonment
    (so the test knows which therapy is at risk without the real training data)."""
    rng = np.random.default_rng(7)
    n = 3000
    x = rng.uniform(0, 1, (n, len(features.FEATURES))).astype(np.float32)  # noise
    x[:, features.FEATURES.index("affiliation")] = rng.integers(0, 5, n)
    left = rng.uniform(0, 60, n)
    x[:, features.FEATURES.index("supply_left")] = left
    y = (left < risky_below).astype(np.int8)
    as_of = np.repeat(np.arange(10), n // 10)
    trained, _ = model.train(x, y, as_of, seed=1, max_iter=8)
    return trained


@pytest.fixture
def with_model(services: Services) -> Services:
    model.save(tiny_model(10.0), model.default_directory(services.settings.var_dir))
    return services


def score_rows(services: Services) -> dict[str, dict[str, Any]]:
    with services.db.read() as conn:
        return {r.patient: dict(r._mapping) for r in conn.execute(select(scores))}


def test_active_therapies_are_scored_with_band_and_reasons(with_model: Services) -> None:
    small_world(with_model)
    # p3 filled 2025-12-25 for 30 days: 24 days left on 2025-12-31, low risk by the tiny model.
    patient(with_model, "p3", "Tres")
    dispense(with_model, "d3-1", "p3", "losartan-50-tab", "2025-11-25")
    dispense(with_model, "d3-2", "p3", "losartan-50-tab", "2025-12-25")
    # p4 died: never scored.
    patient(with_model, "p4", "Cuatro", deceasedDateTime="2025-12-20")
    dispense(with_model, "d4-1", "p4", "losartan-50-tab", "2025-12-01")
    report = service.run_daily(with_model, AS_OF)
    found = score_rows(with_model)
    # p1's supply ran out on 2025-12-30 (0 left, gap 60 not reached): active, at risk.
    # p2 stopped in July: not active. p4 is dead.
    assert set(found) == {"p1", "p3"} and report.scored == 2
    assert found["p1"]["probability"] > 0.5 and found["p1"]["band"] == "high"
    assert found["p3"]["probability"] < 0.1 and found["p3"]["band"] == "low"
    assert '"supply_running_out"' in found["p1"]["reasons"]
    assert found["p1"]["model"].startswith("v1")
    # a rerun replaces the day's scores, it does not add to them
    service.run_daily(with_model, AS_OF)
    assert score_rows(with_model) == found


def test_high_risk_gets_an_outreach_task_once(with_model: Services) -> None:
    small_world(with_model)
    first = service.run_daily(with_model, AS_OF)
    assert first.interventions >= 1
    with with_model.db.read() as conn:
        tasks = [v.resource() for v in with_model.repo.scan(conn, "Task")]
    outreach = [t for t in tasks if t["code"]["coding"][0]["code"] == "adherence-outreach"]
    # p1 is at high risk (>= 0.7): the clinic's nurses get one Task, whatever its arm
    assert [(t["for"]["reference"], t["owner"]["reference"]) for t in outreach] == [
        ("Patient/p1", "Organization/org-c1")
    ]
    again = service.run_daily(with_model, AS_OF)
    assert again.interventions == 0  # done today already


def test_a_backfill_without_acting_scores_but_opens_nothing(with_model: Services) -> None:
    small_world(with_model)
    report = service.run_daily(with_model, AS_OF, act=False)
    assert report.scored == 1 and report.interventions == 0
    with with_model.db.read() as conn:
        assert with_model.repo.scan(conn, "Task") == []
