"""The alert rules at every threshold boundary, the CGM sustained-event logic, the hysteresis
margins and the Goal overrides (pure: no database)."""

from __future__ import annotations

import pytest

from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import rules
from enlace.modules.monitoring.thresholds import (
    ALERT_LIMITS,
    DEFAULT_LIMITS,
    GOAL_CATEGORY_SYSTEM,
    HOUR_US,
    MINUTE_US,
    limits_from_goals,
    refers,
)

T = 1_780_000_000_000_000
L = DEFAULT_LIMITS


def reading(code: str, value: float, at: int = T, value2: float | None = None) -> d.Reading:
    return d.Reading("p1", "dev1", code, value, at, at, value2)


def bp(sbp: float, dbp: float) -> rules.Verdict:
    return rules.bp_crisis(reading(d.BP_PANEL, sbp, value2=dbp), L)


@pytest.mark.parametrize(
    ("sbp", "dbp", "state"),
    [
        (180, 100, rules.BETWEEN),
        (181, 100, rules.ABNORMAL),
        (150, 120, rules.BETWEEN),
        (150, 121, rules.ABNORMAL),
        (170, 100, rules.BETWEEN),  # clear needs < 170/110
        (169, 109, rules.CLEAR),
        (169, 110, rules.BETWEEN),
    ],
)
def test_bp_crisis_boundaries(sbp: float, dbp: float, state: str) -> None:
    assert bp(sbp, dbp).state == state


def test_bp_crisis_explains() -> None:
    verdict = bp(185, 95)
    assert verdict.severity == "urgent"
    assert verdict.summary == "Crisis hipertensiva: 185/95 mmHg (umbral >180/>120)"
    assert verdict.figures["systolic"] == 185 and verdict.evidence[0].value2 == 95


@pytest.mark.parametrize(
    ("value", "state", "severity"),
    [
        (70, rules.BETWEEN, None),
        (69, rules.ABNORMAL, "warning"),
        (54, rules.ABNORMAL, "warning"),
        (53, rules.ABNORMAL, "urgent"),
        (79, rules.BETWEEN, None),
        (80, rules.CLEAR, None),
    ],
)
def test_capillary_hypo_levels(value: float, state: str, severity: str | None) -> None:
    verdict = rules.glucose_low(reading(d.CAPILLARY_GLUCOSE, value), L)
    assert (verdict.state, verdict.severity) == (state, severity)


@pytest.mark.parametrize(
    ("earlier", "value", "state"),
    [
        (260, 250, rules.BETWEEN),
        (260, 251, rules.ABNORMAL),  # two in a row above 250
        (250, 260, rules.BETWEEN),  # the earlier one was not above
        (None, 300, rules.BETWEEN),  # a single capillary value does not page the physician
        (260, 231, rules.BETWEEN),
        (260, 230, rules.BETWEEN),  # clearing takes two in a row too
        (225, 230, rules.CLEAR),
    ],
)
def test_capillary_hyper(earlier: float | None, value: float, state: str) -> None:
    prior = [] if earlier is None else [reading(d.CAPILLARY_GLUCOSE, earlier, T - 6 * HOUR_US)]
    verdict = rules.glucose_high(reading(d.CAPILLARY_GLUCOSE, value), L, prior)
    assert verdict.state == state
    assert verdict.state == state
    if state == rules.ABNORMAL:
        assert [r.value for r in verdict.evidence] == [earlier, value]
        assert "dos mediciones seguidas" in verdict.summary


def test_capillary_hyper_repeat_is_within_twelve_hours() -> None:
    old = [reading(d.CAPILLARY_GLUCOSE, 300, T - 13 * HOUR_US)]
    assert rules.glucose_high(reading(d.CAPILLARY_GLUCOSE, 300), L, old).state == rules.BETWEEN


def test_cgm_hyper_needs_four_hours() -> None:
    three_h = cgm_run(*([270] * 37))  # 3 h of readings above 250
    assert rules.glucose_high(three_h[-1], L, three_h).state == rules.BETWEEN
    four_h = cgm_run(*([270] * 49))
    verdict = rules.glucose_high(four_h[-1], L, four_h)
    assert verdict.state == rules.ABNORMAL and "sostenida 4 h" in verdict.summary
    dipped = cgm_run(*([270] * 30 + [240] + [270] * 18))
    assert rules.glucose_high(dipped[-1], L, dipped).state == rules.BETWEEN
    back = cgm_run(*([220] * 37))  # 3 h at or under 230: the episode stays open
    assert rules.glucose_high(back[-1], L, back).state == rules.BETWEEN
    back = cgm_run(*([220] * 49))
    assert rules.glucose_high(back[-1], L, back).state == rules.CLEAR


def cgm_run(*values: float, every_min: int = 5) -> list[d.Reading]:
    start = T - (len(values) - 1) * every_min * MINUTE_US
    return [
        reading(d.CGM_GLUCOSE, v, start + i * every_min * MINUTE_US) for i, v in enumerate(values)
    ]


def test_cgm_needs_fifteen_minutes() -> None:
    short = cgm_run(60, 60, 60)  # 10 minutes below 70
    assert rules.glucose_low(short[-1], L, short).state == rules.BETWEEN
    full = cgm_run(60, 60, 60, 60)  # 15 minutes
    verdict = rules.glucose_low(full[-1], L, full)
    assert verdict.state == rules.ABNORMAL and verdict.severity == "warning"
    assert len(verdict.evidence) == 4 and "sostenida 15 min" in verdict.summary


def test_cgm_single_noisy_sample_does_not_alert() -> None:
    run = cgm_run(110, 105, 40, 108)
    assert rules.glucose_low(run[2], L, run[:3]).state == rules.BETWEEN
    interrupted = cgm_run(60, 60, 75, 60, 60)
    assert rules.glucose_low(interrupted[-1], L, interrupted).state == rules.BETWEEN


def test_cgm_level2_needs_its_own_fifteen_minutes() -> None:
    run = cgm_run(60, 60, 60, 50, 50, 50)  # 25 min < 70, 10 min < 54
    assert rules.glucose_low(run[-1], L, run).severity == "warning"
    run = cgm_run(60, 50, 50, 50, 50)
    assert rules.glucose_low(run[-1], L, run).severity == "urgent"


def test_cgm_clears_after_fifteen_minutes_at_80() -> None:
    run = cgm_run(60, 85, 85, 85)
    assert rules.glucose_low(run[-1], L, run).state == rules.BETWEEN
    run = cgm_run(60, 85, 85, 85, 85)
    assert rules.glucose_low(run[-1], L, run).state == rules.CLEAR


def weights(*values: float) -> list[d.Reading]:
    return [
        reading(d.WEIGHT, v, T - (len(values) - i) * 24 * HOUR_US) for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("now", "state"),
    [(72.0, rules.BETWEEN), (72.1, rules.ABNORMAL), (71.0, rules.CLEAR), (71.1, rules.BETWEEN)],
)
def test_weight_gain_boundaries(now: float, state: str) -> None:
    prior = weights(70.5, 70.0, 70.4)  # baseline: the minimum, 70.0
    assert rules.weight_gain(reading(d.WEIGHT, now), prior, L).state == state


def test_weight_gain_counts_the_weigh_in_three_mornings_ago() -> None:
    # today's weigh-in is 20 minutes earlier than three days ago: still the same 3-day span
    three_mornings = [reading(d.WEIGHT, 70.0, T - 72 * HOUR_US - 20 * MINUTE_US)]
    assert rules.weight_gain(reading(d.WEIGHT, 72.1), three_mornings, L).state == rules.ABNORMAL


def test_weight_gain_explains_against_the_minimum() -> None:
    prior = weights(70.5, 70.0, 71.0)
    verdict = rules.weight_gain(reading(d.WEIGHT, 72.3), prior, L)
    assert verdict.severity == "urgent" and verdict.figures["gain_kg"] == 2.3
    assert verdict.figures["baseline_kg"] == 70.0 and len(verdict.evidence) == 2
    assert "2.3 kg en 3 días" in verdict.summary
    assert rules.weight_gain(reading(d.WEIGHT, 90), [], L).state == rules.BETWEEN


@pytest.mark.parametrize(
    ("spo2", "state", "severity"),
    [
        (93, rules.BETWEEN, None),
        (92, rules.ABNORMAL, "warning"),
        (88, rules.ABNORMAL, "warning"),
        (87, rules.ABNORMAL, "urgent"),
        (94, rules.CLEAR, None),
    ],
)
def test_copd_spo2(spo2: float, state: str, severity: str | None) -> None:
    verdict = rules.copd_spo2(reading(d.SPO2, spo2), L)
    assert (verdict.state, verdict.severity) == (state, severity)


def test_news2_verdict_lists_its_readings() -> None:
    latest = {
        d.HEART_RATE: reading(d.HEART_RATE, 135),
        d.SPO2: reading(d.SPO2, 93, T - MINUTE_US),
        d.RESPIRATORY_RATE: reading(d.RESPIRATORY_RATE, 22),
    }
    verdict = rules.news2_verdict(latest, scale2=False)
    assert verdict.severity == "emergency" and verdict.figures["total"] == 7
    assert verdict.figures["assumed"] == {"consciousness": "alert", "oxygen": "air"}
    assert len(verdict.evidence) == 3
    assert (
        rules.news2_verdict({d.HEART_RATE: reading(d.HEART_RATE, 70)}, False).state == rules.CLEAR
    )


def goal(code: str, low: float | None = None, high: float | None = None, **extra: object) -> dict:
    span: dict[str, object] = {}
    if low is not None:
        span["low"] = {
            "value": low,
            "unit": extra.pop("unit", None) or d.CODES.get(code, d.CODES[d.BP_PANEL]).unit,
        }
    if high is not None:
        span["high"] = {
            "value": high,
            **({"unit": extra["high_unit"]} if "high_unit" in extra else {}),
        }
    return {
        "resourceType": "Goal",
        "lifecycleStatus": extra.get("status", "active"),
        "category": [{"coding": [{"system": GOAL_CATEGORY_SYSTEM, "code": ALERT_LIMITS}]}],
        "target": [
            {
                "measure": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "detailRange": span,
            }
        ],
    }


def test_goal_overrides_glucose_and_bp() -> None:
    limits = limits_from_goals(
        [
            goal(d.CAPILLARY_GLUCOSE, 90, 200),
            goal(d.SYSTOLIC, high=160),
            goal(d.DIASTOLIC, high=100),
        ]
    )
    assert (limits.glucose_low, limits.glucose_high, limits.glucose_low_clear) == (90, 200, 100)
    assert rules.glucose_low(reading(d.CAPILLARY_GLUCOSE, 85), limits).severity == "warning"
    earlier = [reading(d.CAPILLARY_GLUCOSE, 205, T - HOUR_US)]
    high = reading(d.CAPILLARY_GLUCOSE, 201)
    assert rules.glucose_high(high, limits, earlier).state == rules.ABNORMAL
    assert rules.glucose_high(high, L, earlier).state == rules.CLEAR
    assert rules.bp_crisis(reading(d.BP_PANEL, 161, value2=90), limits).state == rules.ABNORMAL
    assert rules.bp_crisis(reading(d.BP_PANEL, 150, value2=101), limits).state == rules.ABNORMAL


def test_goal_overrides_copd_target_and_mmol() -> None:
    limits = limits_from_goals([goal(d.SPO2, 85, 90), goal(d.CGM_GLUCOSE, 4.0, unit="mmol/L")])
    assert (limits.spo2_target_low, limits.spo2_target_high, limits.spo2_clear) == (85, 90, 92)
    assert rules.copd_spo2(reading(d.SPO2, 91), limits).state == rules.BETWEEN
    assert limits.glucose_low == 72.1


def test_a_care_target_goal_sets_no_alert_limit() -> None:
    # "BP under 130/80" is what control is measured against, not where the physician is paged.
    target = goal(d.SYSTOLIC, high=130)
    target.pop("category")
    assert limits_from_goals([target]) == DEFAULT_LIMITS


def test_goals_ignored_when_inactive_or_unreadable() -> None:
    ignored = [
        goal(d.CAPILLARY_GLUCOSE, 90, status="cancelled"),
        goal(d.CAPILLARY_GLUCOSE, 90, unit="g/L"),
        goal(d.SYSTOLIC, high=150, high_unit="kPa"),
        goal(d.CAPILLARY_GLUCOSE, 200, 150),  # low above high
        goal(d.CAPILLARY_GLUCOSE, 5, 180),  # below what a glucometer shows
        goal(d.SPO2, 85, 120),  # SpO2 over 100 %
        goal("2339-0", 70, 180),  # not a code the rules use
        {"resourceType": "Goal", "lifecycleStatus": "active", "target": [{"detailQuantity": {}}]},
        {"resourceType": "Goal", "lifecycleStatus": "active"},
    ]
    assert limits_from_goals(ignored) == DEFAULT_LIMITS


def test_which_alerts_refer_to_hospital() -> None:
    assert refers("hf-weight-gain", "urgent") and refers("bp-crisis", "urgent")
    assert refers("news2", "emergency") and not refers("news2", "urgent")
    assert not refers("glucose-low", "warning") and refers("glucose-low", "urgent")
    assert not refers("glucose-high", "warning") and not refers("no-data", "urgent")
