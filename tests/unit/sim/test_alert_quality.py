"""Alert-quality scoring on a hand-made truth and alert set: matching by patient, kind and
window, sensitivity (all and observed), lead time, non-actionable alerts per patient-month."""

from __future__ import annotations

import pytest

from enlace.sim.alert_quality import Alert, matches, score
from enlace.sim.devices.common import DAY_US, HOUR_US, MINUTE_US, Episode

HF = Episode("p1", "hf-decompensation", 10 * DAY_US, 14 * DAY_US, "severe")
HYPO = Episode("p2", "hypo", 20 * DAY_US, 20 * DAY_US + HOUR_US, "level2")
MISSED = Episode("p2", "hypo", 30 * DAY_US, 30 * DAY_US + HOUR_US, "level1", observed=False)
CRISIS = Episode("p3", "bp-crisis", 40 * DAY_US, 41 * DAY_US, "moderate")
LATE = Episode("p1", "hf-decompensation", 88 * DAY_US, 93 * DAY_US, "moderate")  # after the end


def alert(patient: str, rule: str, at_us: int, n: int = 0) -> Alert:
    return Alert(f"f{n}", patient, rule, at_us)


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (alert("p1", "hf-weight-gain", 13 * DAY_US), True),
        (alert("p1", "hf-weight-gain", 9 * DAY_US), True),  # within the 1-day margin
        (alert("p1", "hf-weight-gain", 9 * DAY_US - 1), False),
        (alert("p1", "hf-weight-gain", 14 * DAY_US), True),  # at the event
        (alert("p1", "hf-weight-gain", 14 * DAY_US + 1), False),  # too late to act on
        (alert("p2", "hf-weight-gain", 13 * DAY_US), False),  # another patient
        (alert("p1", "bp-crisis", 13 * DAY_US), False),  # a rule for another kind
    ],
)
def test_an_alert_matches_its_patient_kind_and_window(candidate: Alert, expected: bool) -> None:
    assert matches(candidate, HF) is expected


def test_sensitivity_lead_time_and_non_actionable_alerts() -> None:
    alerts = [
        alert("p1", "hf-weight-gain", 12 * DAY_US, 1),
        alert("p1", "hf-weight-gain", 13 * DAY_US, 2),  # a second alert of the same episode
        alert("p2", "glucose-low", 20 * DAY_US + 20 * MINUTE_US, 3),
        alert("p2", "glucose-high", 25 * DAY_US, 4),  # no hyperglycaemia episode: non-actionable
        alert("p3", "bp-crisis", 50 * DAY_US, 5),  # long after the crisis: non-actionable
        alert("p3", "bp-crisis", 41 * DAY_US + 30 * MINUTE_US, 7),  # just after it ended: late
        alert("p1", "hf-weight-gain", 89 * DAY_US, 6),  # the episode under way: not a false alarm
    ]
    quality = score([HF, HYPO, MISSED, CRISIS, LATE], alerts, 6.0, 90 * DAY_US)
    kinds = {k.kind: k for k in quality.kinds}
    assert (kinds["hf-decompensation"].episodes, kinds["hf-decompensation"].detected) == (1, 1)
    assert kinds["hf-decompensation"].median_lead_hours == pytest.approx(48.0)
    hypo = kinds["hypo"]
    assert (hypo.episodes, hypo.detected, hypo.observed, hypo.observed_detected) == (2, 1, 1, 1)
    assert hypo.sensitivity == 0.5 and hypo.observed_sensitivity == 1.0
    assert hypo.median_lead_hours == pytest.approx(40 / 60)
    assert kinds["bp-crisis"].sensitivity == 0.0 and kinds["copd-exacerbation"].sensitivity is None
    total = quality.total()
    assert (total.episodes, total.detected) == (4, 2)
    assert quality.pending_episodes == 1
    assert (quality.alerts, quality.non_actionable, quality.late) == (7, 2, 1)
    assert quality.non_actionable_per_patient_month == pytest.approx(2 / 6)
    assert quality.by_rule == {
        "bp-crisis": (2, 1),
        "glucose-high": (1, 1),
        "glucose-low": (1, 0),
        "hf-weight-gain": (3, 0),
    }


def test_nothing_to_score() -> None:
    quality = score([], [], 0.0, DAY_US)
    assert quality.total().sensitivity is None
    assert quality.non_actionable_per_patient_month is None
