"""The raw JSON screening (what the HTTP form and the offline device send) -> ScreeningInput, or
every Issue with its location. Shape (docs/screening.md, "Raw screening JSON"):

    {"patient": "Patient/123", "performedAt": "2026-03-01T09:30:00-06:00",
     "setting": "clinic" | "community",
     "measurements": {"weight": 72.5, "height": {"value": 1.62, "unit": "m"}, "waist": 91,
                      "bloodPressure": {"systolic": 132, "diastolic": 84},
                      "glucose": {"value": 104, "unit": "mg/dL", "kind": "fasting",
                                  "sample": "capillary"},
                      "hba1c": 5.8, "totalCholesterol": {"value": 5.4, "unit": "mmol/L"},
                      "hdl": 45},
     "answers": {"age": 52, "sex": "female", "familyHistoryDiabetes": "first-degree",
                 "physicalActivity": false, "dailyVegetables": true, "everBpMedication": false,
                 "everHighGlucose": false, "smoker": false, "knownConditions": ["hypertension"],
                 "hyperglycaemiaSymptoms": false, "pregnant": false}}

A bare number means the default unit (kg, cm, mg/dL, %); other units are accepted only where listed
in UNITS and converted. Unknown keys are refused, so a typo ("wiast") is not silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enlace.kernel.errors import FhirError, Issue
from enlace.modules.screening.domain import (
    MG_DL_PER_MMOL_L_CHOLESTEROL,
    MG_DL_PER_MMOL_L_GLUCOSE,
    Glucose,
    ScreeningInput,
)
from enlace.modules.screening.engine_plausibility import plausibility_issues

# measurement -> {accepted unit: factor to the engine's unit}; the first unit is the default.
UNITS: dict[str, dict[str, float]] = {
    "weight": {"kg": 1.0},
    "height": {"cm": 1.0, "m": 100.0},
    "waist": {"cm": 1.0},
    "glucose": {"mg/dL": 1.0, "mmol/L": MG_DL_PER_MMOL_L_GLUCOSE},
    "hba1c": {"%": 1.0},  # mmol/mol handled apart: the IFCC-NGSP master equation is affine
    "totalCholesterol": {"mg/dL": 1.0, "mmol/L": MG_DL_PER_MMOL_L_CHOLESTEROL},
    "hdl": {"mg/dL": 1.0, "mmol/L": MG_DL_PER_MMOL_L_CHOLESTEROL},
}
MEASUREMENTS = (*UNITS, "bloodPressure")
BOOLEAN_ANSWERS = {
    "physicalActivity": "physically_active",
    "dailyVegetables": "daily_vegetables",
    "everBpMedication": "ever_bp_medication",
    "everHighGlucose": "ever_high_glucose",
    "smoker": "smoker",
    "hyperglycaemiaSymptoms": "hyperglycaemia_symptoms",
    "pregnant": "pregnant",
}
ENUM_ANSWERS = {
    "sex": ("male", "female"),
    "familyHistoryDiabetes": ("none", "second-degree", "first-degree"),
}
ANSWERS = (*BOOLEAN_ANSWERS, *ENUM_ANSWERS, "age", "knownConditions")
TOP_LEVEL = ("patient", "performedAt", "setting", "measurements", "answers")
SETTINGS = ("clinic", "community")
GLUCOSE_KINDS = ("fasting", "casual", "ogtt2h")
SAMPLES = ("capillary", "plasma")


@dataclass(frozen=True, slots=True)
class RawScreening:
    input: ScreeningInput
    patient: str | None  # "Patient/<id>" as sent, if sent
    performed_at: datetime
    setting: str | None


class _Reader:
    """Collects every problem instead of stopping at the first, so a form shows them all."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, where: str, message: str, code: str = "invalid") -> None:
        self.issues.append(Issue(code, message, where))

    def obj(self, value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, f"{where} must be a JSON object", "structure")
            return {}
        for key in value:
            if key not in allowed:
                self.fail(f"{where}.{key}", f"unknown field '{key}'; expected one of {allowed}")
        return value

    def number(self, value: Any, where: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"{where} must be a number")
            return None
        return float(value)

    def measure(self, name: str, value: Any, where: str) -> float | None:
        if value is None:
            return None
        unit = next(iter(UNITS[name]))
        if isinstance(value, dict):
            extra = ("kind", "sample") if name == "glucose" else ()
            self.obj(value, where, ("value", "unit", *extra))
            unit = value.get("unit", unit)
            value = value.get("value")
            where = f"{where}.value"
        number = self.number(value, where)
        if number is None:
            return None
        if name == "hba1c" and unit == "mmol/mol":
            return round(0.09148 * number + 2.152, 2)  # IFCC -> NGSP master equation
        factors = UNITS[name]
        if unit not in factors:
            self.fail(
                where.removesuffix(".value") + ".unit",
                f"{name} unit '{unit}' not in {list(factors)}",
            )
            return None
        return number * factors[unit]

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> Any:
        if value is not None and value not in allowed:
            self.fail(where, f"'{value}' is not one of {allowed}", "code-invalid")
            return None
        return value

    def boolean(self, value: Any, where: str) -> bool | None:
        if value is not None and not isinstance(value, bool):
            self.fail(where, f"{where} must be true or false")
            return None
        return value


def _glucose(reader: _Reader, raw: Any) -> Glucose | None:
    where = "measurements.glucose"
    mg_dl = reader.measure("glucose", raw, where)
    if mg_dl is None:
        return None
    details = raw if isinstance(raw, dict) else {}
    kind = reader.choice(details.get("kind", "fasting"), f"{where}.kind", GLUCOSE_KINDS)
    sample = reader.choice(details.get("sample", "plasma"), f"{where}.sample", SAMPLES)
    return Glucose(mg_dl, kind or "fasting", sample or "plasma")


def _blood_pressure(reader: _Reader, raw: Any) -> tuple[int | None, int | None]:
    where = "measurements.bloodPressure"
    values = reader.obj(raw, where, ("systolic", "diastolic", "unit"))
    if values.get("unit", "mm[Hg]") not in ("mm[Hg]", "mmHg"):
        reader.fail(f"{where}.unit", "blood pressure unit must be mm[Hg]")
    sides = []
    for side in ("systolic", "diastolic"):
        value = values.get(side)
        number = None if value is None else reader.number(value, f"{where}.{side}")
        sides.append(None if number is None else round(number))
    if (sides[0] is None) != (sides[1] is None) and values:
        reader.fail(where, "blood pressure needs both systolic and diastolic", "required")
    return sides[0], sides[1]


def _performed_at(reader: _Reader, value: Any) -> datetime | None:
    if not isinstance(value, str):
        reader.fail("performedAt", "performedAt is required: an ISO 8601 date-time", "required")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        reader.fail("performedAt", f"performedAt '{value}' is not an ISO 8601 date-time")
        return None
    if moment.tzinfo is None:
        reader.fail("performedAt", "performedAt needs a timezone offset (e.g. -06:00)")
        return None
    return moment


def _answers(reader: _Reader, raw: Any) -> dict[str, Any]:
    answers = reader.obj(raw, "answers", ANSWERS)
    fields: dict[str, Any] = {}
    for key, attribute in BOOLEAN_ANSWERS.items():
        value = reader.boolean(answers.get(key), f"answers.{key}")
        if value is not None:
            fields[attribute] = value
    fields["sex"] = reader.choice(answers.get("sex"), "answers.sex", ENUM_ANSWERS["sex"])
    fields["family_history_diabetes"] = reader.choice(
        answers.get("familyHistoryDiabetes"),
        "answers.familyHistoryDiabetes",
        ENUM_ANSWERS["familyHistoryDiabetes"],
    )
    age = answers.get("age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int)):
        reader.fail("answers.age", "age must be a whole number of years")
        age = None
    fields["age_years"] = age
    known = answers.get("knownConditions", [])
    if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
        reader.fail("answers.knownConditions", "knownConditions must be a list of strings")
        known = []
    fields["known_conditions"] = frozenset(known)
    return fields


def parse_screening(raw: Any) -> RawScreening | list[Issue]:
    """The screening, or every Issue found (structure first, then plausibility)."""
    reader = _Reader()
    top = reader.obj(raw, "$", TOP_LEVEL) if isinstance(raw, dict) else None
    if top is None:
        return [Issue("structure", "a screening must be a JSON object")]
    measurements = reader.obj(top.get("measurements"), "measurements", MEASUREMENTS)
    values = {
        name: reader.measure(name, measurements.get(name), f"measurements.{name}")
        for name in ("weight", "height", "waist", "hba1c", "totalCholesterol", "hdl")
    }
    systolic, diastolic = _blood_pressure(reader, measurements.get("bloodPressure"))
    fields = _answers(reader, top.get("answers"))
    inp = ScreeningInput(
        weight_kg=values["weight"],
        height_cm=values["height"],
        waist_cm=values["waist"],
        systolic=systolic,
        diastolic=diastolic,
        glucose=_glucose(reader, measurements.get("glucose")),
        hba1c_percent=values["hba1c"],
        total_cholesterol_mg_dl=values["totalCholesterol"],
        hdl_mg_dl=values["hdl"],
        **fields,
    )
    performed_at = _performed_at(reader, top.get("performedAt"))
    setting = reader.choice(top.get("setting"), "setting", SETTINGS)
    patient = top.get("patient")
    if patient is not None and not isinstance(patient, str):
        reader.fail("patient", "patient must be a reference string like 'Patient/123'")
        patient = None
    issues = reader.issues + plausibility_issues(inp)
    if issues or performed_at is None:
        return issues
    return RawScreening(inp, patient, performed_at, setting)


def require_screening(raw: Any) -> RawScreening:
    """parse_screening, raising FhirError: 400 when the shape is wrong, 422 when only values are."""
    parsed = parse_screening(raw)
    if isinstance(parsed, list):
        only_values = all(issue.code == "value" for issue in parsed)
        raise FhirError(422 if only_values else 400, parsed)
    return parsed
