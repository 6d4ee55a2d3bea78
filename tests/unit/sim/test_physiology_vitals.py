"""Blood pressure, heart-failure weight and COPD vitals: crises above the crisis line and nothing
above it outside them, HF gain > 2 kg in the 3 days before the event and normal fluctuation well
below it, exacerbations that bring SpO2 to the COPD threshold; and the uploads normalize clean."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.modules.monitoring.domain import BP_PANEL, SPO2
from enlace.modules.monitoring.normalize import Source, normalize
from enlace.sim.devices import cardio, copd, enrollment
from enlace.sim.devices.common import DAY_US, block_of, local_midnight_us
from enlace.sim.devices.glucose import GlucoseProfile, cgm_day
from enlace.sim.devices.uploads import uploads
from enlace.sim.population import generate

START = date(2026, 1, 1)


def test_bp_readings_cross_the_crisis_line_only_in_a_crisis() -> None:
    crises = 0
    for patient in range(60):
        profile = cardio.BpProfile(f"8:{patient}", f"s8-{patient}", 162.0, 96.0)
        for day in range(90):
            crisis = cardio.crisis_of(profile, START, block_of(day))
            for s in cardio.bp_day(profile, START, day):
                assert s.code == BP_PANEL and s.value2 is not None and s.value2 < s.value
                inside = crisis is not None and crisis.onset_us <= s.time_us < crisis.end_us
                assert (s.value > 180) == inside
                if not inside:
                    assert s.value <= 178 and s.value2 <= 118
            for episode in cardio.crisis_episodes(profile, START, day):
                crises += 1
                assert episode.kind == "bp-crisis" and episode.onset_us < episode.event_us
    assert crises >= 3


def test_bp_is_taken_morning_and_evening_with_day_to_day_variation() -> None:
    profile = cardio.BpProfile("8:1", "s8-1", 135.0, 84.0)
    days = [cardio.bp_day(profile, START, d) for d in range(60)]
    assert 1.5 <= sum(map(len, days)) / 60 <= 2.0
    systolic = [s.value for day in days for s in day]
    assert 125 <= sum(systolic) / len(systolic) <= 145
    assert max(systolic) - min(systolic) > 15
    assert cardio.bp_day(profile, START, 7) == days[7]


def decompensations() -> list[tuple[cardio.WeightProfile, cardio.Decompensation]]:
    out = []
    for patient in range(40):
        profile = cardio.WeightProfile(f"9:{patient}", f"s9-{patient}", 80.0)
        for block in range(4):
            found = cardio.decompensation_of(profile, block)
            if found is not None:
                out.append((profile, found))
    return out


def test_hf_gains_more_than_2_kg_in_the_3_days_before_the_event() -> None:
    found = decompensations()
    assert len(found) >= 10
    checked = 0
    for profile, episode in found:
        event = episode.event_day + episode.event_minute / 1440
        assert episode.gain_at(event) - episode.gain_at(event - 3) > 2.0
        assert 2.5 <= episode.gain_kg <= 4.0 and 3 <= episode.days <= 7
        weights = {
            d: s.value
            for d in range(episode.onset_day - 3, episode.event_day + 1)
            for s in cardio.weight_day(profile, START, d, episode)
        }
        before = weights.get(episode.event_day - 3)
        if episode.event_day in weights and before is not None:
            # ≥ 2.6 kg true gain; the day-to-day fluctuation is at most ±0.5 kg
            assert weights[episode.event_day] - before > 1.6
            checked += 1
        in_hospital = range(episode.event_day + 1, episode.event_day + episode.hospital_days + 1)
        assert all(not cardio.weight_day(profile, START, d, episode) for d in in_hospital)
    assert checked >= 5


def test_normal_weight_fluctuation_never_reaches_2_kg_in_3_days() -> None:
    profile = cardio.WeightProfile("9:1", "s9-1", 72.4)
    weights = [(d, s.value) for d in range(120) for s in cardio.weight_day(profile, START, d, None)]
    assert len(weights) > 95  # weighed on most days
    assert all(abs(w - 72.4) <= 0.5 + 1e-9 for _, w in weights)
    for day, weight in weights:
        recent = [w for d, w in weights if day - 3 <= d < day]
        assert not recent or weight - min(recent) <= 1.0


def test_hf_episode_truth_is_observed_when_weights_were_sent() -> None:
    profile, episode = decompensations()[0]
    sent = [
        s
        for d in range(episode.onset_day - 1, episode.event_day + 1)
        for s in cardio.weight_day(profile, START, d, episode)
    ]
    truth = cardio.hf_episode(profile, START, episode, sent)
    assert truth.kind == "hf-decompensation" and truth.onset_us < truth.event_us
    assert truth.onset_us == local_midnight_us(START, episode.onset_day)
    assert cardio.hf_episode(profile, START, episode, []).observed is False


def test_copd_exacerbations_bring_spo2_down_to_the_threshold() -> None:
    episodes = []
    for patient in range(60):
        profile = copd.CopdProfile(f"10:{patient}", f"s10-{patient}")
        for day in range(60):
            for episode in copd.copd_episodes(profile, START, day):
                episodes.append(episode)
                assert episode.event_us - episode.onset_us <= 3 * DAY_US
            exacerbation = copd.exacerbation_of(profile, START, block_of(day))
            for s in copd.copd_day(profile, START, day):
                if s.code == SPO2 and (
                    exacerbation is None or exacerbation.severity_at(s.time_us) == 0
                ):
                    assert 91 <= s.value <= 99
    assert len(episodes) >= 5
    assert sum(e.observed for e in episodes) / len(episodes) > 0.7


@pytest.mark.parametrize("kind", ["cgm", "bp-cuff", "scale", "pulse-oximeter"])
def test_uploads_arrive_after_their_readings_and_normalize_clean(kind: str) -> None:
    day, midnight = 3, local_midnight_us(START, 3)
    samples = {
        "cgm": cgm_day(GlucoseProfile("11:1", "s11-1", 8.0, cgm=True), START, day),
        "bp-cuff": cardio.bp_day(cardio.BpProfile("11:1", "s11-1", 150, 90), START, day),
        "scale": cardio.weight_day(cardio.WeightProfile("11:1", "s11-1", 90), START, day, None),
        "pulse-oximeter": copd.copd_day(copd.CopdProfile("11:1", "s11-1"), START, day),
    }[kind]
    sent = uploads(kind, samples, midnight, 11, kind, day)
    assert sum(len(u.samples) for u in sent) == len(samples)
    if kind == "cgm":
        assert len(sent) >= 20 and all(len(u.samples) <= 12 for u in sent[:-1])
    for upload in sent:
        assert upload.at_us > max(s.time_us for s in upload.samples)
        normalized = normalize(upload.body(), Source("dev-1", "s11-1", upload.at_us))
        assert normalized.refusals == ()
        assert [r.value for r in normalized.readings] == [s.value for s in upload.samples]


def test_the_demo_patient_decompensates_every_block_and_sends_nothing_from_hospital() -> None:
    people = generate(300, 42, ["CMX", "JAL", "NLE"]).people
    monitored = enrollment.enroll(people, 42, START, enrollment.DeviceSettings(share=0.0))
    assert [m.demo for m in monitored] == [True]  # share 0: only the demo patient
    demo = monitored[0]
    assert demo.heart_failure and set(demo.kinds) == {"bp-cuff", "scale"}
    for block in range(6):
        episode = demo.decompensation(block)
        assert episode is not None and episode.event_day == block * 30 + 23
        event = episode.event_day + episode.event_minute / 1440
        assert episode.gain_at(event) - episode.gain_at(event - 3) > 2.0
        for day in range(block * 30 + 24, block * 30 + 30):
            assert not any(enrollment.readings(demo, START, day).values())
    truth = [e for d in range(180) for e in enrollment.episodes(demo, START, d)]
    assert [e.kind for e in truth].count("hf-decompensation") == 6
