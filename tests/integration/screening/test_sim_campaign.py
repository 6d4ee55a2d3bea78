"""Community screening campaigns in the scenario driver on both stores (a small population, a
fixed seed): the CHW's screenings are stored by the screening module, the undiagnosed found are
referred to their clinic, some are confirmed (and treated) or ruled out at the clinic, the rest
are overdue on the clinic worklist; the same seed gives the same outcome."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.catalog import load_catalogs
from enlace.modules.screening import referrals
from enlace.modules.screening.indicators import indicators
from enlace.modules.screening.tables import followups
from enlace.sim import campaigns
from enlace.sim.actors.campaign import CampaignActor
from enlace.sim.actors.screening import ScreeningActor
from enlace.sim.driver import run_scenario, scenario_world
from enlace.sim.loader import load_population
from enlace.sim.population import generate

SEED = 7
PEOPLE = 400
SHARE = 0.25  # a small town: a quarter of each neighbourhood per campaign


@pytest.fixture
def town(services: Services) -> Services:
    load_catalogs(services)
    load_population(services, generate(PEOPLE, SEED, ["JAL"]))
    return services


def test_campaign_plan_is_pure_and_finds_hidden_disease(town: Services) -> None:
    world = scenario_world(town)
    places = campaigns.neighbourhoods(world)
    again = campaigns.neighbourhoods(world)
    assert {k: [p.index for p in v] for k, v in places.items()} == {
        k: [p.index for p in v] for k, v in again.items()
    }
    screened = [p for people in places.values() for p in campaigns.visited(world, people, 3)]
    assert screened, "every clinic screens at least one person"
    raw = campaigns.raw_screening(world, screened[0], 3)
    assert raw == campaigns.raw_screening(world, screened[0], 3)
    assert raw["setting"] == "community" and raw["measurements"]["glucose"]["sample"] == "capillary"


@pytest.mark.slow
def test_campaign_refers_confirms_and_leaves_overdue(town: Services) -> None:
    actor = CampaignActor(SHARE)
    run_scenario(town, 100, actors=[ScreeningActor(), actor])
    assert actor.refused == 0
    end = scenario_world(town).date_of(100)
    now_us = epoch_us(datetime(end.year, end.month, end.day, tzinfo=UTC))
    with town.db.read() as conn:
        tasks = [
            referrals.referral_of(t) for t in referrals.referral_tasks(conn, town.repo, None, False)
        ]
        lines = indicators(conn, town.repo, now_us=now_us)
        rows = list(conn.execute(select(followups)))
        risks = conn.execute(
            select(followups.c.task_id).where(followups.c.outcome == "confirmed")
        ).all()
    assert len(tasks) >= 5, "the campaigns found undiagnosed people and referred them"
    conditions = Counter(t.condition for t in tasks)
    assert conditions["hypertension"] + conditions["diabetes"] > 0
    outcomes = Counter(row.outcome for row in rows)
    assert outcomes["confirmed"] > 0, outcomes
    overdue = sum(line.overdue for line in lines)
    assert overdue > 0, "people lost to follow-up are overdue"
    assert sum(line.referred for line in lines) == len(tasks)
    assert 0 < len(rows) < len(tasks)  # some decided, some lost
    assert all(row.decided_us > row.opened_us for row in rows)
    assert risks


@pytest.mark.slow
def test_same_seed_same_outcome_when_the_run_is_split(town: Services) -> None:
    run_scenario(town, 40, actors=[ScreeningActor(), CampaignActor(SHARE)])
    run_scenario(town, 40, actors=[ScreeningActor(), CampaignActor(SHARE)])
    with town.db.read() as conn:
        split = sorted(
            (t.patient, t.condition, t.status)
            for t in map(
                referrals.referral_of, referrals.referral_tasks(conn, town.repo, None, False)
            )
        )
    world = scenario_world(town)
    expected = set()
    places = campaigns.neighbourhoods(world)
    for day in range(campaigns.FIRST_CAMPAIGN_DAY, 80, campaigns.CAMPAIGN_EVERY):
        for people in places.values():
            expected |= {
                world.patient_id(p.index) for p in campaigns.visited(world, people, day, SHARE)
            }
    assert split and {patient for patient, _, _ in split} <= expected
