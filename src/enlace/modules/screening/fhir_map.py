"""Screening -> FHIR resources (pure: dicts, no ids assigned here).

Measurements become Observations with LOINC codes and UCUM units (REFERENCE.md §1) in the
vital-signs, laboratory or survey category; questionnaire answers use Enlace's own code system
(there is no LOINC for the FINDRISC items). Derived results (BMI, FINDRISC, LA-FINDRISC, WHO CVD
risk, BP class, glycaemic class) are Observations whose `derivedFrom` lists the measurements they
were computed from; the RiskAssessment predicts each condition with `basis` all of them; a probable
disease becomes a referral Task (docs/screening.md, "Stored resources").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from enlace.modules.screening.domain import (
    ConditionOutcome,
    CvdRisk,
    ScoreResult,
    ScreeningInput,
    ScreeningResult,
)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
BASE = "https://enlace.health/fhir/CodeSystem"
ANSWER_SYSTEM = f"{BASE}/screening-answer"
RESULT_SYSTEM = f"{BASE}/screening-result"
CONDITION_SYSTEM = f"{BASE}/screening-condition"
CLASS_SYSTEM = f"{BASE}/screening-class"
TASK_SYSTEM = f"{BASE}/screening-task"
SETTING_SYSTEM = f"{BASE}/screening-setting"

# measurement key -> (LOINC, display, UCUM unit, category)
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "weight": ("29463-7", "Body weight", "kg", "vital-signs"),
    "height": ("8302-2", "Body height", "cm", "vital-signs"),
    "waist": ("8280-0", "Waist circumference", "cm", "vital-signs"),
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "laboratory"),
    "totalCholesterol": (
        "2093-3",
        "Cholesterol [Mass/volume] in Serum or Plasma",
        "mg/dL",
        "laboratory",
    ),
    "hdl": ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory"),
}
# (sample, kind) -> (LOINC, display)
GLUCOSE_CODES: dict[tuple[str, str], tuple[str, str]] = {
    ("plasma", "fasting"): ("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma"),
    ("plasma", "casual"): ("2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
    ("plasma", "ogtt2h"): (
        "20438-8",
        "Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO",
    ),
    ("capillary", "fasting"): ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"),
    ("capillary", "casual"): ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"),
    ("capillary", "ogtt2h"): ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"),
}
ANSWER_NAMES = {
    "physically_active": "Actividad física ≥30 min diarios",
    "daily_vegetables": "Verduras o frutas todos los días",
    "ever_bp_medication": "Alguna vez medicamento para la presión",
    "ever_high_glucose": "Alguna vez glucosa alta",
    "family_history_diabetes": "Familiares con diabetes",
}
RISK_OF = {"healthy": "low", "at-risk": "moderate", "probable": "high", "known": "certain"}
CONDITION_NAMES = {
    "diabetes": "Diabetes mellitus tipo 2",
    "hypertension": "Hipertensión arterial",
    "obesity": "Obesidad",
    "dyslipidemia": "Dislipidemia",
    "cvd": "Evento cardiovascular a 10 años (infarto o EVC)",
}
Resource = dict[str, Any]


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 2), "unit": unit, "system": UCUM, "code": unit}


def _observation(head: Mapping[str, Any], category: str, code: dict[str, Any]) -> Resource:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [_concept(CATEGORY, category)],
        "code": code,
        **head,
    }


def measurement_observations(inp: ScreeningInput, head: Mapping[str, Any]) -> dict[str, Resource]:
    """key -> Observation for every measurement and answer present (absent ones are skipped)."""
    values = {
        "weight": inp.weight_kg,
        "height": inp.height_cm,
        "waist": inp.waist_cm,
        "hba1c": inp.hba1c_percent,
        "totalCholesterol": inp.total_cholesterol_mg_dl,
        "hdl": inp.hdl_mg_dl,
    }
    found: dict[str, Resource] = {}
    for key, value in values.items():
        if value is not None:
            loinc, display, unit, category = MEASURES[key]
            found[key] = _observation(head, category, _concept(LOINC, loinc, display))
            found[key]["valueQuantity"] = _quantity(value, unit)
    if inp.glucose is not None:
        loinc, display = GLUCOSE_CODES[(inp.glucose.sample, inp.glucose.kind)]
        found["glucose"] = _observation(head, "laboratory", _concept(LOINC, loinc, display))
        found["glucose"]["valueQuantity"] = _quantity(inp.glucose.mg_dl, "mg/dL")
        found["glucose"]["note"] = [{"text": f"{inp.glucose.kind}, {inp.glucose.sample}"}]
    if inp.systolic is not None and inp.diastolic is not None:
        found["bloodPressure"] = _blood_pressure(inp.systolic, inp.diastolic, head)
    if inp.smoker is not None:
        smoker = ("77176002", "Smoker") if inp.smoker else ("8392000", "Non-smoker")
        found["smoker"] = _observation(
            head, "social-history", _concept(LOINC, "72166-2", "Tobacco smoking status")
        )
        found["smoker"]["valueCodeableConcept"] = _concept(SNOMED, *smoker)
    for attribute, display in ANSWER_NAMES.items():
        answer = getattr(inp, attribute)
        if answer is not None:
            code = _concept(ANSWER_SYSTEM, attribute.replace("_", "-"), display)
            found[attribute] = _observation(head, "survey", code)
            value_key = "valueBoolean" if isinstance(answer, bool) else "valueString"
            found[attribute][value_key] = answer
    return found


def _blood_pressure(systolic: int, diastolic: int, head: Mapping[str, Any]) -> Resource:
    panel = _observation(head, "vital-signs", _concept(LOINC, "85354-9", "Blood pressure panel"))
    panel["component"] = [
        {
            "code": _concept(LOINC, "8480-6", "Systolic blood pressure"),
            "valueQuantity": _quantity(systolic, "mm[Hg]"),
        },
        {
            "code": _concept(LOINC, "8462-4", "Diastolic blood pressure"),
            "valueQuantity": _quantity(diastolic, "mm[Hg]"),
        },
    ]
    return panel


def _refs(ids: Mapping[str, str], keys: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"reference": f"Observation/{ids[k]}"} for k in keys if k in ids]


FINDRISC_BASIS = ("weight", "height", "waist", *ANSWER_NAMES)


def _score(score: ScoreResult, head: Mapping[str, Any], ids: Mapping[str, str]) -> Resource:
    obs = _observation(head, "survey", _concept(RESULT_SYSTEM, score.name, score.name.upper()))
    obs["derivedFrom"] = _refs(ids, FINDRISC_BASIS)
    if score.score is None:
        obs["dataAbsentReason"] = _concept(DATA_ABSENT, "not-applicable", "Not applicable")
        obs["note"] = [{"text": "not computable: missing " + ", ".join(score.missing)}]
        return obs
    obs["valueInteger"] = score.score
    obs["interpretation"] = [
        {"text": f"{score.band} (~{round((score.ten_year_risk or 0) * 100)}% a 10 años)"}
    ]
    if not score.verified:
        obs["note"] = [{"text": "waist cut-offs unverified (docs/screening.md)"}]
    return obs


def _cvd(risk: CvdRisk, head: Mapping[str, Any], ids: Mapping[str, str]) -> Resource:
    basis: tuple[str, ...] = ("bloodPressure", "smoker", "totalCholesterol", "glucose", "hba1c")
    if risk.chart == "non-lab":
        basis = ("bloodPressure", "smoker", "weight", "height")
    code = _concept(RESULT_SYSTEM, "who-cvd-risk-10y", "WHO 2019 CVD risk, Central Latin America")
    obs = _observation(head, "survey", code)
    obs["derivedFrom"] = _refs(ids, basis)
    obs["method"] = {
        "text": f"WHO 2019 {risk.chart} chart" + ("" if risk.verified else " (unverified)")
    }
    if risk.percent is None:
        obs["dataAbsentReason"] = _concept(DATA_ABSENT, "not-applicable", "Not applicable")
        obs["note"] = [{"text": f"not computable: {risk.reason}"}]
    else:
        obs["valueQuantity"] = _quantity(risk.percent, "%")
        obs["interpretation"] = [{"text": risk.band}]
    return obs


def derived_observations(
    result: ScreeningResult, head: Mapping[str, Any], ids: Mapping[str, str]
) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    if result.body.bmi is not None:
        bmi = _observation(
            head, "vital-signs", _concept(LOINC, "39156-5", "Body mass index (BMI) [Ratio]")
        )
        bmi["valueQuantity"] = _quantity(result.body.bmi, "kg/m2")
        bmi["derivedFrom"] = _refs(ids, ("weight", "height"))
        if result.body.bmi_class:
            bmi["interpretation"] = [{"text": result.body.bmi_class}]
        found["bmi"] = bmi
    found["findrisc"] = _score(result.findrisc, head, ids)
    found["la-findrisc"] = _score(result.la_findrisc, head, ids)
    found["who-cvd"] = _cvd(result.cvd, head, ids)
    if result.bp is not None:
        bp = _observation(
            head, "survey", _concept(RESULT_SYSTEM, "bp-class", "Blood pressure class")
        )
        bp["valueCodeableConcept"] = _concept(
            f"{BASE}/bp-class-{result.bp.scheme}", result.bp.category
        )
        bp["method"] = {"text": result.bp.scheme}
        bp["derivedFrom"] = _refs(ids, ("bloodPressure",))
        found["bp-class"] = bp
    if result.glycaemia is not None:
        code = _concept(RESULT_SYSTEM, "glycaemic-class", "Glycaemic class")
        glycaemic = _observation(head, "survey", code)
        glycaemic["valueCodeableConcept"] = _concept(
            f"{BASE}/glycaemic-class", result.glycaemia.category
        )
        glycaemic["derivedFrom"] = _refs(ids, ("glucose", "hba1c"))
        found["glycaemic-class"] = glycaemic
    return found


def _prediction(item: ConditionOutcome, result: ScreeningResult) -> dict[str, Any]:
    prediction: dict[str, Any] = {
        "outcome": _concept(CONDITION_SYSTEM, item.condition, CONDITION_NAMES[item.condition]),
        "rationale": "; ".join(
            (item.klass, *item.reasons, *(() if item.action is None else (item.action,)))
        ),
    }
    if item.klass in RISK_OF:
        prediction["qualitativeRisk"] = _concept(RISK_PROBABILITY, RISK_OF[item.klass])
        prediction["qualitativeRisk"]["coding"].append({"system": CLASS_SYSTEM, "code": item.klass})
    probability = None
    if item.condition == "diabetes" and item.klass not in ("known", "probable"):
        probability = result.findrisc.ten_year_risk
    if item.condition == "cvd" and result.cvd.percent is not None:
        probability = result.cvd.percent / 100
    if probability is not None:
        prediction["probabilityDecimal"] = probability
        prediction["whenRange"] = {"high": {"value": 10, "unit": "a", "system": UCUM, "code": "a"}}
    return prediction


def risk_assessment(result: ScreeningResult, head: Mapping[str, Any], basis: list[str]) -> Resource:
    return {
        "resourceType": "RiskAssessment",
        **({"meta": head["meta"]} if "meta" in head else {}),
        "status": "final",
        "subject": head["subject"],
        "occurrenceDateTime": head["effectiveDateTime"],
        **({"performer": head["performer"][0]} if head.get("performer") else {}),
        "method": {"text": "Enlace screening engine (MIDO; docs/screening.md)"},
        "basis": [{"reference": f"Observation/{rid}"} for rid in basis],
        "prediction": [_prediction(item, result) for item in result.outcomes],
        **({"note": [{"text": n} for n in result.notes]} if result.notes else {}),
    }


def referral_task(
    item: ConditionOutcome,
    *,
    head: Mapping[str, Any],
    risk_id: str,
    clinic: str,
    authored: str,
    due: date,
) -> Resource:
    """Confirm a probable disease: for the patient, owned by the patient's clinic, due by `due`."""
    return {
        "resourceType": "Task",
        **({"meta": head["meta"]} if "meta" in head else {}),
        "status": "requested",
        "intent": "order",
        "priority": "urgent" if item.action == "urgent-assessment" else "routine",
        "code": _concept(TASK_SYSTEM, "confirm-diagnosis", "Confirmar diagnóstico"),
        "description": f"Confirmar o descartar: {CONDITION_NAMES[item.condition]}",
        "reasonCode": _concept(CONDITION_SYSTEM, item.condition, CONDITION_NAMES[item.condition]),
        "focus": {"reference": f"RiskAssessment/{risk_id}"},
        "for": head["subject"],
        "owner": {"reference": f"Organization/{clinic}"},
        "authoredOn": authored,
        **({"requester": head["performer"][0]} if head.get("performer") else {}),
        "restriction": {"period": {"end": due.isoformat()}},
    }
