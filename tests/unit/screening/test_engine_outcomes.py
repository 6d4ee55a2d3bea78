"""screen(): the overall class per condition, settings, and refusing implausible input."""

from __future__ import annotations

from dataclasses import replace

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.screening import Glucose, ScreeningInput, ScreeningSettings, screen, screen_many

HEALTHY = ScreeningInput(
    age_years=45,
    sex="female",
    weight_kg=60,
    height_cm=162,
    waist_cm=76,
    systolic=115,
    diastolic=75,
    glucose=Glucose(90, "fasting", "plasma"),
    total_cholesterol_mg_dl=180,
    hdl_mg_dl=60,
    family_history_diabetes="none",
    physically_active=True,
    daily_vegetables=True,
    ever_bp_medication=False,
    ever_high_glucose=False,
    smoker=False,
)


def classes(inp: ScreeningInput, settings: ScreeningSettings | None = None) -> dict[str, str]:
    result = screen(inp, settings or ScreeningSettings())
    return {o.condition: o.klass for o in result.outcomes}


def test_healthy_person_is_healthy_everywhere() -> None:
    result = screen(HEALTHY)
    assert classes(HEALTHY) == dict.fromkeys(
        ("diabetes", "hypertension", "obesity", "dyslipidemia", "cvd"), "healthy"
    )
    assert result.findrisc.score == 2 and result.cvd.percent is not None
    assert result.probable_conditions == ()


def test_at_risk_levels() -> None:
    inp = replace(
        HEALTHY,
        weight_kg=70,
        systolic=132,
        diastolic=86,
        glucose=Glucose(110),
        total_cholesterol_mg_dl=210,
    )
    assert classes(inp) == {
        "diabetes": "at-risk",
        "hypertension": "at-risk",
        "obesity": "at-risk",
        "dyslipidemia": "at-risk",
        "cvd": "healthy",
    }


def test_probable_disease_asks_to_confirm() -> None:
    inp = replace(
        HEALTHY,
        weight_kg=85,
        systolic=142,
        diastolic=88,
        hba1c_percent=6.8,
        total_cholesterol_mg_dl=250,
    )
    result = screen(inp)
    assert set(result.probable_conditions) == {
        "diabetes",
        "hypertension",
        "obesity",
        "dyslipidemia",
    }
    assert {o.action for o in result.outcomes if o.klass == "probable"} == {"confirm-diagnosis"}


def test_known_disease_checks_control() -> None:
    inp = replace(
        HEALTHY,
        known_conditions=frozenset({"diabetes", "hypertension"}),
        hba1c_percent=7.4,
        systolic=150,
        diastolic=85,
    )
    result = screen(inp)
    assert result.outcome("diabetes").klass == "known"
    assert result.outcome("diabetes").reasons == ("hba1c-above-goal",)
    assert result.outcome("hypertension").reasons == ("above-goal",)
    assert "diabetes" not in result.probable_conditions


def test_crisis_range_is_urgent() -> None:
    result = screen(replace(HEALTHY, systolic=185, diastolic=112))
    assert result.outcome("hypertension").action == "urgent-assessment"


def test_bp_scheme_is_a_setting() -> None:
    inp = replace(HEALTHY, systolic=132, diastolic=82)
    assert classes(inp)["hypertension"] == "at-risk"  # NOM-030 high-normal
    assert classes(inp, ScreeningSettings(bp_scheme="acc-aha-2017"))["hypertension"] == "probable"
    assert classes(inp, ScreeningSettings(bp_scheme="esc-2024"))["hypertension"] == "at-risk"


def test_missing_findrisc_answer_leaves_the_rest_computed() -> None:
    result = screen(replace(HEALTHY, daily_vegetables=None))
    assert result.findrisc.score is None and result.findrisc.missing == ("dailyVegetables",)
    assert result.bp is not None and result.cvd_lab.computable and result.body.bmi is not None


def test_cvd_outside_chart_ages_is_not_assessed_with_the_reason() -> None:
    result = screen(replace(HEALTHY, age_years=35))
    cvd = result.outcome("cvd")
    assert cvd.klass == "not-assessed" and cvd.reasons == (
        "age 35 outside the chart's 40-74 years",
    )


def test_lab_chart_falls_back_to_non_lab_without_cholesterol() -> None:
    result = screen(replace(HEALTHY, total_cholesterol_mg_dl=None, hdl_mg_dl=None))
    assert not result.cvd_lab.computable and result.cvd.chart == "non-lab"
    assert result.outcome("dyslipidemia").klass == "not-assessed"


def test_pregnancy() -> None:
    result = screen(replace(HEALTHY, pregnant=True, hba1c_percent=6.8))
    assert result.outcome("diabetes").klass == "not-assessed"
    assert result.outcome("obesity").klass == "not-assessed"
    assert any("pregnancy" in note for note in result.notes)


def test_unconfirmed_diabetes_in_the_chart_is_noted() -> None:
    result = screen(replace(HEALTHY, hba1c_percent=6.6))
    assert any("unconfirmed" in note for note in result.notes)


def test_no_glucose_uses_findrisc() -> None:
    high = replace(
        HEALTHY,
        glucose=None,
        ever_high_glucose=True,
        family_history_diabetes="first-degree",
        physically_active=False,
    )
    assert screen(high).outcome("diabetes").action == "measure-glucose"
    assert screen(replace(HEALTHY, glucose=None)).outcome("diabetes").klass == "healthy"


def test_implausible_input_is_refused_naming_the_field() -> None:
    with pytest.raises(FhirError) as caught:
        screen(replace(HEALTHY, waist_cm=900))
    assert caught.value.status == 422
    assert caught.value.issues[0].expression == "measurements.waist"


def test_screen_many_keeps_order() -> None:
    people = [replace(HEALTHY, age_years=age) for age in (41, 52, 63)]
    assert [r.findrisc.score for r in screen_many(people)] == [0, 2, 3]  # age points only


def test_result_is_deterministic_and_hashable() -> None:
    assert screen(HEALTHY) == screen(HEALTHY)
    assert hash(screen(HEALTHY).outcomes) == hash(screen(HEALTHY).outcomes)


def test_established_cvd_is_known_and_the_chart_does_not_apply() -> None:
    result = screen(replace(HEALTHY, known_conditions=frozenset({"cvd"})))
    cvd = result.outcome("cvd")
    assert (cvd.klass, cvd.action) == ("known", "secondary-prevention")
    assert not result.cvd_lab.computable and "does not apply" in (result.cvd_lab.reason or "")
