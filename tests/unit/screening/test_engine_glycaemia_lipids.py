"""Glycaemic class (ADA 2025 / NOM-015) and lipid classes at their boundaries; a single
diabetes-range value is never "diabetes"."""

from __future__ import annotations

import pytest

from enlace.modules.screening.domain import Glucose, ScreeningInput
from enlace.modules.screening.glycaemia import assess_glycaemia, classify_glucose, classify_hba1c
from enlace.modules.screening.lipids import assess_lipids, total_cholesterol_class


@pytest.mark.parametrize(
    ("value", "kind", "sample", "expected"),
    [
        (99, "fasting", "plasma", "normal"),
        (100, "fasting", "plasma", "prediabetes"),
        (125, "fasting", "plasma", "prediabetes"),
        (126, "fasting", "plasma", "diabetes-range"),
        (139, "ogtt2h", "plasma", "normal"),
        (140, "ogtt2h", "plasma", "prediabetes"),
        (199, "ogtt2h", "plasma", "prediabetes"),
        (200, "ogtt2h", "plasma", "diabetes-range"),
        (139, "casual", "plasma", "normal"),
        (140, "casual", "plasma", "screen-positive"),
        (199, "casual", "plasma", "screen-positive"),
        (200, "casual", "plasma", "diabetes-range"),
        (99, "fasting", "capillary", "normal"),
        (100, "fasting", "capillary", "screen-positive"),
        (125, "fasting", "capillary", "screen-positive"),
        (126, "fasting", "capillary", "diabetes-range"),
        (139, "casual", "capillary", "normal"),
        (140, "casual", "capillary", "screen-positive"),
        (200, "casual", "capillary", "diabetes-range"),
    ],
)
def test_glucose_edges(value: float, kind: str, sample: str, expected: str) -> None:
    assert classify_glucose(Glucose(value, kind, sample)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5.6, "normal"), (5.7, "prediabetes"), (6.4, "prediabetes"), (6.5, "diabetes-range")],
)
def test_hba1c_edges(value: float, expected: str) -> None:
    assert classify_hba1c(value) == expected


def test_single_diagnostic_value_is_probable_and_asks_for_a_second_test() -> None:
    result = assess_glycaemia(ScreeningInput(glucose=Glucose(126, "fasting", "plasma")))
    assert result is not None
    assert (result.category, result.confirm_with) == ("probable-diabetes", "second-test")
    hba1c = assess_glycaemia(ScreeningInput(hba1c_percent=6.5))
    assert hba1c is not None and hba1c.category == "probable-diabetes"


def test_capillary_diabetes_range_is_confirmed_with_plasma() -> None:
    result = assess_glycaemia(ScreeningInput(glucose=Glucose(210, "casual", "capillary")))
    assert result is not None
    assert (result.category, result.confirm_with) == ("probable-diabetes", "fasting-plasma-glucose")


def test_capillary_never_meets_criteria_even_with_symptoms() -> None:
    inp = ScreeningInput(glucose=Glucose(300, "casual", "capillary"), hyperglycaemia_symptoms=True)
    result = assess_glycaemia(inp)
    assert result is not None and result.category == "probable-diabetes"


def test_symptomatic_casual_plasma_200_meets_criteria() -> None:
    inp = ScreeningInput(glucose=Glucose(200, "casual", "plasma"), hyperglycaemia_symptoms=True)
    result = assess_glycaemia(inp)
    assert result is not None and result.category == "diabetes-criteria-met"
    assert result.confirm_with is None


def test_two_different_tests_in_range_meet_criteria() -> None:
    inp = ScreeningInput(glucose=Glucose(130, "fasting", "plasma"), hba1c_percent=6.6)
    result = assess_glycaemia(inp)
    assert result is not None and result.category == "diabetes-criteria-met"


def test_discordant_tests_take_the_higher_and_ask_to_repeat_it() -> None:
    inp = ScreeningInput(glucose=Glucose(110, "fasting", "plasma"), hba1c_percent=6.7)
    result = assess_glycaemia(inp)
    assert result is not None
    assert (result.category, result.basis) == ("probable-diabetes", ("hba1c",))


def test_capillary_screen_positive_with_prediabetic_hba1c_is_prediabetes() -> None:
    inp = ScreeningInput(glucose=Glucose(110, "fasting", "capillary"), hba1c_percent=5.9)
    result = assess_glycaemia(inp)
    assert result is not None and result.category == "prediabetes"


def test_no_glycaemia_without_values_or_in_pregnancy() -> None:
    assert assess_glycaemia(ScreeningInput()) is None
    assert assess_glycaemia(ScreeningInput(hba1c_percent=7.0, pregnant=True, sex="female")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(199, "desirable"), (200, "borderline"), (239, "borderline"), (240, "high")],
)
def test_total_cholesterol_edges(value: float, expected: str) -> None:
    assert total_cholesterol_class(value) == expected


@pytest.mark.parametrize(
    ("sex", "hdl", "low"),
    [("male", 39, True), ("male", 40, False), ("female", 49, True), ("female", 50, False)],
)
def test_hdl_low_by_sex(sex: str, hdl: float, low: bool) -> None:
    result = assess_lipids(ScreeningInput(sex=sex, hdl_mg_dl=hdl))  # type: ignore[arg-type]
    assert result is not None and result.hdl_low is low
