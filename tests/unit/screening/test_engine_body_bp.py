"""BMI, waist and blood-pressure classes at every published boundary (docs/screening.md)."""

from __future__ import annotations

import pytest

from enlace.modules.screening.body import assess_body, bmi, bmi_class, waist_increased
from enlace.modules.screening.bp import classify_bp
from enlace.modules.screening.domain import ScreeningInput, ScreeningSettings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (18.4, "underweight"),
        (18.5, "normal"),
        (24.9, "normal"),
        (25.0, "overweight"),
        (29.9, "overweight"),
        (30.0, "obesity-1"),
        (34.9, "obesity-1"),
        (35.0, "obesity-2"),
        (39.9, "obesity-2"),
        (40.0, "obesity-3"),
    ],
)
def test_who_bmi_classes_at_their_edges(value: float, expected: str) -> None:
    assert bmi_class(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(22.9, "normal"), (23.0, "overweight"), (24.9, "overweight"), (25.0, "obesity-1")],
)
def test_nom008_short_stature_cutoffs(value: float, expected: str) -> None:
    assert bmi_class(value, short_stature=True) == expected


def test_bmi_is_rounded_to_one_decimal_before_classifying() -> None:
    assert bmi(72.2, 170) == 25.0  # 24.98 -> 25.0: overweight, as the printed table reads
    assert bmi(65, 162) == 24.8


@pytest.mark.parametrize(
    ("waist", "sex", "increased"),
    [(89, "male", False), (90, "male", True), (79, "female", False), (80, "female", True)],
)
def test_idf_central_south_america_waist(waist: float, sex: str, increased: bool) -> None:
    assert waist_increased(waist, sex) is increased  # type: ignore[arg-type]


def test_short_stature_is_noted_under_who_and_applied_under_the_setting() -> None:
    short = ScreeningInput(sex="female", weight_kg=54, height_cm=148)  # BMI 24.7
    plain = assess_body(short, ScreeningSettings())
    assert plain.bmi_class == "normal" and plain.notes
    assert (
        assess_body(short, ScreeningSettings(short_stature_cutoffs=True)).bmi_class == "overweight"
    )


def test_pregnancy_leaves_bmi_unclassified() -> None:
    body = assess_body(
        ScreeningInput(sex="female", weight_kg=80, height_cm=160, waist_cm=95, pregnant=True),
        ScreeningSettings(),
    )
    assert body.bmi_class is None and body.waist_increased is None


@pytest.mark.parametrize(
    ("sbp", "dbp", "category", "hypertensive", "elevated"),
    [
        (119, 79, "optimal", False, False),
        (120, 79, "normal", False, False),
        (129, 84, "normal", False, False),
        (130, 84, "high-normal", False, True),
        (139, 89, "high-normal", False, True),
        (140, 89, "isolated-systolic", True, False),
        (139, 90, "grade-1", True, False),
        (140, 90, "grade-1", True, False),
        (160, 95, "grade-2", True, False),
        (150, 100, "grade-2", True, False),
        (180, 110, "grade-3", True, False),
        (185, 85, "isolated-systolic", True, False),
    ],
)
def test_nom030(sbp: int, dbp: int, category: str, hypertensive: bool, elevated: bool) -> None:
    result = classify_bp(sbp, dbp)
    assert (result.category, result.hypertensive_range, result.elevated) == (
        category,
        hypertensive,
        elevated,
    )


@pytest.mark.parametrize(
    ("sbp", "dbp", "category"),
    [
        (119, 79, "normal"),
        (120, 79, "elevated"),
        (129, 79, "elevated"),
        (130, 79, "stage-1"),
        (119, 80, "stage-1"),
        (139, 89, "stage-1"),
        (140, 89, "stage-2"),
        (139, 90, "stage-2"),
        (181, 100, "crisis"),
        (170, 121, "crisis"),
    ],
)
def test_acc_aha_2017(sbp: int, dbp: int, category: str) -> None:
    assert classify_bp(sbp, dbp, "acc-aha-2017").category == category


@pytest.mark.parametrize(
    ("sbp", "dbp", "category"),
    [
        (119, 69, "non-elevated"),
        (120, 69, "elevated"),
        (119, 70, "elevated"),
        (139, 89, "elevated"),
        (140, 89, "hypertension"),
        (139, 90, "hypertension"),
    ],
)
def test_esc_2024(sbp: int, dbp: int, category: str) -> None:
    assert classify_bp(sbp, dbp, "esc-2024").category == category


def test_crisis_range_is_urgent_in_every_scheme() -> None:
    assert classify_bp(180, 100).urgent and not classify_bp(179, 109).urgent
    assert (
        classify_bp(181, 90, "acc-aha-2017").urgent
        and not classify_bp(180, 120, "acc-aha-2017").urgent
    )
    assert classify_bp(150, 110, "esc-2024").urgent
