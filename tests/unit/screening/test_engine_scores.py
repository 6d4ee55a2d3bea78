"""FINDRISC item edges and golden cases hand-computed from the published form; WHO 2019 Central
Latin America chart cells read from the printed chart (docs/screening.md, "Sources")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from enlace.modules.screening.domain import ScreeningInput
from enlace.modules.screening.findrisc import (
    WAIST_FINDRISC,
    age_points,
    band_for,
    bmi_points,
    findrisc,
    waist_points,
)
from enlace.modules.screening.who_cvd import band, lab_risk, non_lab_risk

COMPLETE = ScreeningInput(
    age_years=58,
    sex="male",
    weight_kg=90,
    height_cm=170,  # BMI 31.1
    waist_cm=101,
    physically_active=False,
    daily_vegetables=False,
    ever_bp_medication=False,
    ever_high_glucose=True,
    family_history_diabetes="first-degree",
)


@pytest.mark.parametrize(("age", "points"), [(44, 0), (45, 2), (54, 2), (55, 3), (64, 3), (65, 4)])
def test_age_item(age: int, points: int) -> None:
    assert age_points(age) == points


@pytest.mark.parametrize(("value", "points"), [(24.9, 0), (25.0, 1), (30.0, 1), (30.1, 3)])
def test_bmi_item(value: float, points: int) -> None:
    assert bmi_points(value) == points


@pytest.mark.parametrize(
    ("sex", "waist", "points"),
    [
        ("male", 93.9, 0),
        ("male", 94, 3),
        ("male", 102, 3),
        ("male", 102.5, 4),
        ("female", 79.9, 0),
        ("female", 80, 3),
        ("female", 88, 3),
        ("female", 88.5, 4),
    ],
)
def test_waist_item(sex: str, waist: float, points: int) -> None:
    assert waist_points(waist, WAIST_FINDRISC[sex]) == points


@pytest.mark.parametrize(
    ("score", "band_name", "risk"),
    [
        (0, "low", 0.01),
        (6, "low", 0.01),
        (7, "slightly-elevated", 0.04),
        (11, "slightly-elevated", 0.04),
        (12, "moderate", 0.17),
        (14, "moderate", 0.17),
        (15, "high", 0.33),
        (20, "high", 0.33),
        (21, "very-high", 0.50),
        (26, "very-high", 0.50),
    ],
)
def test_bands(score: int, band_name: str, risk: float) -> None:
    assert band_for(score) == (band_name, risk)


def test_golden_findrisc_22() -> None:
    # 3 (58 y) + 3 (BMI 31.1) + 3 (waist 101) + 2 (inactive) + 1 (no daily vegetables)
    # + 0 (no BP drugs) + 5 (high glucose before) + 5 (parent with diabetes) = 22
    result = findrisc(COMPLETE)
    assert (result.score, result.band, result.ten_year_risk) == (22, "very-high", 0.50)


def test_golden_findrisc_low() -> None:
    inp = ScreeningInput(
        age_years=30,
        sex="female",
        weight_kg=55,
        height_cm=160,
        waist_cm=72,
        physically_active=True,
        daily_vegetables=True,
        ever_bp_medication=False,
        ever_high_glucose=False,
        family_history_diabetes="second-degree",
    )
    assert findrisc(inp).score == 3


def test_la_findrisc_changes_only_the_waist_item_and_is_marked_unverified() -> None:
    base = findrisc(_with(COMPLETE, waist_cm=92))
    latin = findrisc(_with(COMPLETE, waist_cm=92), latin_american=True)
    assert base.score == 19 and latin.score == 22  # waist 92 men: 0 points vs 3 points
    assert base.verified and not latin.verified


def test_missing_answer_makes_the_score_not_computable_and_names_it() -> None:
    result = findrisc(_with(COMPLETE, daily_vegetables=None, waist_cm=None))
    assert result.score is None and not result.computable
    assert result.missing == ("waist", "dailyVegetables")


def _with(inp: ScreeningInput, **changes: object) -> ScreeningInput:
    return replace(inp, **changes)  # type: ignore[arg-type]


WHO = ScreeningInput(
    age_years=72, sex="male", smoker=False, systolic=185, total_cholesterol_mg_dl=150
)


@pytest.mark.parametrize(
    ("changes", "percent"),
    [
        ({}, 18),  # men, no diabetes, non-smoker, 70-74, SBP >= 180, TC < 4 mmol/L
        ({"total_cholesterol_mg_dl": 174}, 20),  # TC 4.5 mmol/L: 4-4.9 column
        ({"age_years": 62, "systolic": 150, "total_cholesterol_mg_dl": 290}, 11),
        ({"age_years": 62, "systolic": 139, "total_cholesterol_mg_dl": 290}, 9),
        ({"age_years": 62, "systolic": 140, "total_cholesterol_mg_dl": 193}, 8),  # 4.99 mmol/L
        ({"age_years": 62, "systolic": 140, "total_cholesterol_mg_dl": 194}, 9),  # 5.02 mmol/L
    ],
)
def test_lab_chart_cells(changes: dict[str, object], percent: int) -> None:
    risk = lab_risk(_with(WHO, **changes), diabetes=False)
    assert risk.percent == percent and risk.verified


def test_diabetes_and_smoking_select_other_panels() -> None:
    inp = _with(WHO, age_years=57, systolic=150, total_cholesterol_mg_dl=250)  # 6.47 mmol/L
    # men, 55-59, SBP 140-159, TC 6-6.9: no diabetes 7, smoker 12, diabetes 13 (the cell the two
    # transcriptions disagree on: 13 keeps the row's progression 8, 9, 11, 13, 15)
    assert lab_risk(inp, diabetes=False).percent == 7
    assert lab_risk(_with(inp, smoker=True), diabetes=False).percent == 12
    assert lab_risk(inp, diabetes=True).percent == 13


@pytest.mark.parametrize(("age", "computable"), [(39, False), (40, True), (74, True), (75, False)])
def test_chart_ages_40_to_74_only(age: int, computable: bool) -> None:
    risk = lab_risk(_with(WHO, age_years=age), diabetes=False)
    assert risk.computable is computable
    if not computable:
        assert risk.reason == f"age {age} outside the chart's 40-74 years" and risk.band is None


def test_missing_inputs_are_named() -> None:
    risk = lab_risk(_with(WHO, smoker=None, total_cholesterol_mg_dl=None), diabetes=False)
    assert risk.reason == "missing smoking, totalCholesterol"


def test_non_lab_chart_is_read_and_marked_unverified() -> None:
    inp = ScreeningInput(
        age_years=52, sex="male", smoker=False, systolic=190, weight_kg=110, height_cm=170
    )
    risk = non_lab_risk(inp)  # BMI 38.1: >= 35 column
    assert (risk.percent, risk.band, risk.verified) == (12, "10-<20", False)


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (4, "<5"),
        (5, "5-<10"),
        (9, "5-<10"),
        (10, "10-<20"),
        (19, "10-<20"),
        (20, "20-<30"),
        (30, ">=30"),
    ],
)
def test_risk_bands(percent: int, expected: str) -> None:
    assert band(percent) == expected
