"""The glucose generators: deterministic by seed and day, CGM cadence and gaps, hypos below
their thresholds, and time in range falling with HbA1c as in T2D cohorts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from enlace.modules.monitoring.domain import CAPILLARY_GLUCOSE, CGM_GLUCOSE
from enlace.sim.devices.common import MINUTE_US, local_midnight_us
from enlace.sim.devices.glucose import (
    CGM_PER_DAY,
    GlucoseProfile,
    cgm_day,
    glucometer_day,
    hypo_episodes,
    hypos,
    true_glucose,
)

START = date(2026, 1, 1)


def cgm(key: str = "5:1", hba1c: float = 8.5) -> GlucoseProfile:
    return GlucoseProfile(key, "s5-1", hba1c, cgm=True)


def test_the_same_seed_and_day_give_the_same_readings_in_any_order() -> None:
    alone = cgm_day(cgm(), START, 9)
    for day in range(12):
        cgm_day(cgm(), START, day)
    assert cgm_day(cgm(), START, 9) == alone
    assert cgm_day(cgm("6:1"), START, 9) != alone
    assert [s.code for s in alone] == [CGM_GLUCOSE] * len(alone)


def test_cgm_reads_every_five_minutes_with_gaps() -> None:
    counts, longest_gap = [], 0
    for day in range(28):
        samples = cgm_day(cgm(), START, day)
        steps = np.diff([s.time_us for s in samples]) / MINUTE_US
        assert steps.min() == pytest.approx(5.0)
        assert all(step % 5 == pytest.approx(0.0, abs=1e-6) for step in steps)
        longest_gap = max(longest_gap, int(steps.max()))
        counts.append(len(samples))
        midnight = local_midnight_us(START, day)
        assert all(midnight <= s.time_us < midnight + 1440 * MINUTE_US for s in samples)
    assert max(counts) == CGM_PER_DAY == 288
    assert min(counts) < 288 - 11  # a warm-up (1 h) every 14 days, dropouts on some days
    assert longest_gap >= 60


def test_hypos_go_below_their_thresholds_and_the_sensor_sees_them() -> None:
    found = {"level1": 0, "level2": 0}
    for patient in range(40):
        profile = cgm(f"5:{patient}")
        for day in range(60):
            for hypo, episode in zip(
                hypos(profile, day), hypo_episodes(profile, START, day), strict=True
            ):
                minutes = np.linspace(0, 1440, 1441)
                nadir = true_glucose(profile, day, minutes).min()
                assert nadir == pytest.approx(hypo.nadir, abs=1.0)
                assert nadir < (54 if episode.severity == "level2" else 70)
                assert episode.onset_us < episode.event_us
                sent = [
                    s.value
                    for s in cgm_day(profile, START, day)
                    if episode.onset_us <= s.time_us <= episode.event_us
                ]
                assert episode.observed == (bool(sent) and min(sent) < 70)
                found[episode.severity] += 1
    assert found["level1"] > 10 and found["level2"] > 3


def test_outside_hypos_the_true_glucose_stays_in_the_normal_range() -> None:
    profile = cgm(hba1c=6.5)
    minutes = np.arange(0, 1440, 5.0)
    for day in range(60):
        if not hypos(profile, day):
            assert true_glucose(profile, day, minutes).min() >= 75


@pytest.mark.parametrize(
    ("hba1c", "low", "high"), [(7.0, 0.65, 0.9), (8.0, 0.42, 0.65), (9.0, 0.18, 0.4)]
)
def test_time_in_range_falls_with_hba1c(hba1c: float, low: float, high: float) -> None:
    values = np.array([s.value for day in range(30) for s in cgm_day(cgm(hba1c=hba1c), START, day)])
    in_range = ((values >= 70) & (values <= 180)).mean()
    assert low <= in_range <= high
    assert values.mean() == pytest.approx(28.7 * hba1c - 46.7, rel=0.05)  # ADAG


def test_a_glucometer_reads_twice_a_day_and_during_most_hypos() -> None:
    profile = GlucoseProfile("5:3", "s5-3", 9.0, cgm=False)
    per_day = [len(glucometer_day(profile, START, day)) for day in range(90)]
    assert 1.4 <= sum(per_day) / 90 <= 2.4
    assert all(s.code == CAPILLARY_GLUCOSE for s in glucometer_day(profile, START, 0))
    episodes = [e for d in range(360) for e in hypo_episodes(profile, START, d)]
    seen = sum(e.observed for e in episodes)
    assert episodes and 0.5 <= seen / len(episodes) < 1.0  # checks when symptoms come, not always
