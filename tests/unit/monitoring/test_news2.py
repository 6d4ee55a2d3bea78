"""NEWS2 bands at every boundary (RCP 2017, REFERENCE.md §3) and the response thresholds."""

from __future__ import annotations

import pytest

from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import news2


@pytest.mark.parametrize(
    ("rate", "points"),
    [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3)],
)
def test_respiratory_rate(rate: float, points: int) -> None:
    assert news2.respiratory_rate(rate) == points


@pytest.mark.parametrize(
    ("spo2", "points"), [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)]
)
def test_spo2_scale1(spo2: float, points: int) -> None:
    assert news2.spo2_scale1(spo2) == points


@pytest.mark.parametrize(
    ("spo2", "points"),
    [(83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (99, 0)],
)
def test_spo2_scale2_on_air(spo2: float, points: int) -> None:
    assert news2.spo2_scale2(spo2) == points


@pytest.mark.parametrize(
    ("sbp", "points"),
    [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)],
)
def test_systolic(sbp: float, points: int) -> None:
    assert news2.systolic(sbp) == points


@pytest.mark.parametrize(
    ("rate", "points"),
    [(40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)],
)
def test_pulse(rate: float, points: int) -> None:
    assert news2.pulse(rate) == points


@pytest.mark.parametrize(
    ("celsius", "points"),
    [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2)],
)
def test_temperature(celsius: float, points: int) -> None:
    assert news2.temperature(celsius) == points


def test_response_bands() -> None:
    calm = news2.score({d.HEART_RATE: 70, d.SPO2: 98, d.RESPIRATORY_RATE: 16})
    assert calm.total == 0 and calm.severity is None and calm.clear
    # 4 points, no single 3: no alert, and not clear either (low band is <= 3)
    four = news2.score({d.HEART_RATE: 115, d.RESPIRATORY_RATE: 22})
    assert four.total == 4 and four.severity is None and not four.clear
    five = news2.score({d.HEART_RATE: 115, d.RESPIRATORY_RATE: 22, d.SPO2: 95})
    assert five.total == 5 and five.severity == "urgent"
    single_three = news2.score({d.SPO2: 91})
    assert single_three.total == 3 and single_three.severity == "urgent"
    assert not single_three.clear
    six = news2.score({d.HEART_RATE: 115, d.RESPIRATORY_RATE: 22, d.SPO2: 93})
    assert six.total == 6 and six.severity == "urgent"
    seven = news2.score(
        {d.HEART_RATE: 115, d.RESPIRATORY_RATE: 22, d.SPO2: 93, d.TEMPERATURE: 38.5}
    )
    assert seven.total == 7 and seven.severity == "emergency"


def test_scale2_for_copd() -> None:
    assert news2.score({d.SPO2: 89}, scale2=True).total == 0
    assert news2.score({d.SPO2: 89}).total == 3
    assert news2.score({d.SPO2: 89}, scale2=True).parts == {"spo2": 0}


def test_unknown_vital_is_refused() -> None:
    with pytest.raises(ValueError, match="not a NEWS2 vital"):
        news2.points(d.WEIGHT, 70)
