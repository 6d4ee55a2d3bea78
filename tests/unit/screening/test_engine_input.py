"""Bad input in the raw screening JSON: each problem named with its location, unit mistakes
explained, nothing guessed (docs/screening.md, "Raw screening JSON")."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.screening.engine_input import RawScreening, parse_screening, require_screening


def raw(measurements: dict[str, Any] | None = None, **answers: Any) -> dict[str, Any]:
    return {
        "patient": "Patient/p1",
        "performedAt": "2026-03-01T09:30:00-06:00",
        "setting": "community",
        "measurements": {"weight": 70, "height": 165, "waist": 88, **(measurements or {})},
        "answers": {"age": 50, "sex": "female", **answers},
    }


def issues_of(body: Any) -> dict[str, str]:
    parsed = parse_screening(body)
    assert isinstance(parsed, list), parsed
    return {issue.expression or "": issue.diagnostics for issue in parsed}


def test_a_good_screening_parses_with_units_converted() -> None:
    parsed = parse_screening(
        raw(
            {
                "height": {"value": 1.65, "unit": "m"},
                "glucose": {"value": 7.0, "unit": "mmol/L", "kind": "fasting", "sample": "plasma"},
                "totalCholesterol": {"value": 5.2, "unit": "mmol/L"},
                "hba1c": {"value": 48, "unit": "mmol/mol"},
                "bloodPressure": {"systolic": 128, "diastolic": 82},
            },
            knownConditions=["hypertension"],
            smoker=False,
        )
    )
    assert isinstance(parsed, RawScreening)
    inp = parsed.input
    assert inp.height_cm == pytest.approx(165.0)
    assert inp.glucose is not None and inp.glucose.mg_dl == pytest.approx(126.1, abs=0.1)
    assert inp.total_cholesterol_mg_dl == pytest.approx(201.1, abs=0.1)
    assert inp.hba1c_percent == pytest.approx(6.54, abs=0.01)
    assert (inp.systolic, inp.diastolic) == (128, 82)
    assert inp.known_conditions == frozenset({"hypertension"}) and parsed.setting == "community"
    assert parsed.performed_at.utcoffset() is not None


def test_waist_900_cm() -> None:
    found = issues_of(raw({"waist": 900}))
    assert "outside 40-200 cm" in found["measurements.waist"]


def test_glucose_in_mmol_labelled_mg_dl() -> None:
    found = issues_of(raw({"glucose": {"value": 6.5, "unit": "mg/dL"}}))
    assert "did you mean mmol/L?" in found["measurements.glucose"]


def test_height_in_metres_sent_as_centimetres() -> None:
    found = issues_of(raw({"height": 1.65}))
    assert "looks like metres" in found["measurements.height"]


def test_cholesterol_in_mmol_labelled_mg_dl() -> None:
    assert "mmol/L" in issues_of(raw({"totalCholesterol": 5.2}))["measurements.totalCholesterol"]


def test_hba1c_in_mmol_mol_without_unit() -> None:
    assert "mmol/mol" in issues_of(raw({"hba1c": 48}))["measurements.hba1c"]


def test_unknown_unit_is_refused() -> None:
    found = issues_of(raw({"weight": {"value": 150, "unit": "lb"}}))
    assert "measurements.weight.unit" in found


def test_every_problem_is_reported_at_once() -> None:
    body = raw(
        {"wiast": 90, "bloodPressure": {"systolic": 80, "diastolic": 120}},
        sex="other",
        age=15,
        smoker="yes",
    )
    found = issues_of(body)
    assert {
        "measurements.wiast",
        "measurements.bloodPressure",
        "answers.sex",
        "answers.age",
        "answers.smoker",
    } <= set(found)


def test_pregnant_man_and_unknown_condition() -> None:
    found = issues_of(raw(sex="male", pregnant=True, knownConditions=["gout"]))
    assert "answers.pregnant" in found and "answers.knownConditions" in found


def test_half_a_blood_pressure() -> None:
    found = issues_of(raw({"bloodPressure": {"systolic": 130}}))
    assert "both systolic and diastolic" in found["measurements.bloodPressure"]


@pytest.mark.parametrize(
    ("performed_at", "message"),
    [(None, "required"), ("yesterday", "not an ISO 8601"), ("2026-03-01T09:30:00", "timezone")],
)
def test_performed_at(performed_at: Any, message: str) -> None:
    body = raw()
    body["performedAt"] = performed_at
    assert message in issues_of(body)["performedAt"]


def test_wrong_shapes() -> None:
    assert issues_of([1, 2])[""] == "a screening must be a JSON object"
    found = issues_of({**raw(), "measurements": [70]})
    assert "must be a JSON object" in found["measurements"]
    assert "must be a number" in issues_of(raw({"weight": True}))["measurements.weight"]


def test_require_screening_status() -> None:
    with pytest.raises(FhirError) as caught:
        require_screening(raw({"waist": 900}))
    assert caught.value.status == 422
    with pytest.raises(FhirError) as caught:
        require_screening(raw({"wiast": 90}))
    assert caught.value.status == 400


def test_missing_findrisc_answers_are_not_an_input_error() -> None:
    assert isinstance(parse_screening(raw()), RawScreening)


def test_fast_plausibility_path_agrees_with_the_full_check() -> None:
    """The batch engine's one-pass check must accept exactly what the issue list accepts."""
    import random
    from dataclasses import replace

    from enlace.modules.screening.domain import Glucose, ScreeningInput
    from enlace.modules.screening.engine_plausibility import (
        RANGES,
        _obviously_plausible,
        plausibility_issues,
    )

    rng = random.Random(3)
    fields = {
        "weight_kg": "weight",
        "height_cm": "height",
        "waist_cm": "waist",
        "hba1c_percent": "hba1c",
        "total_cholesterol_mg_dl": "totalCholesterol",
        "hdl_mg_dl": "hdl",
    }
    for _ in range(2000):
        changes: dict[str, Any] = {}
        for attribute, name in fields.items():
            low, high, _unit = RANGES[name]
            edge = rng.choice((low, high, low - 0.1, high + 0.1, (low + high) / 2, None))
            changes[attribute] = edge
        sbp, dbp = rng.choice((59, 60, 120, 300, 301)), rng.choice((29, 30, 80, 120, 200, 201))
        age = rng.choice((17, 18, 50, 120, 121, None))
        glucose = Glucose(rng.choice((19.9, 20.0, 100.0, 1000.0, 1000.1)))
        sex: Any = rng.choice(("male", "female"))
        pregnant = rng.random() < 0.2
        inp = replace(
            ScreeningInput(),
            **changes,
            systolic=sbp,
            diastolic=dbp,
            age_years=age,
            glucose=glucose,
            sex=sex,
            pregnant=pregnant,
        )
        assert _obviously_plausible(inp) == (plausibility_issues(inp) == []), inp


def test_kind_and_sample_belong_to_glucose_only() -> None:
    found = issues_of(raw({"weight": {"value": 70, "unit": "kg", "kind": "fasting"}}))
    assert "measurements.weight.kind" in found
