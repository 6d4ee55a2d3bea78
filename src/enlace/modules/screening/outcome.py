"""Overall class per condition, after CASALUD's MIDO: healthy / at-risk / probable (refer to
confirm) / known (already diagnosed: check control) / not-assessed (nothing to judge by). Pure.

Only "probable" creates a referral; at-risk is counselling and re-screening. CVD risk is a
probability, not a disease: it is at-risk from 10 % (WHO HEARTS: counsel, consider treatment) and
never "probable".
"""

from __future__ import annotations

from enlace.modules.screening.domain import (
    BodyResult,
    BpResult,
    ConditionOutcome,
    CvdRisk,
    GlycaemiaResult,
    LipidResult,
    ScoreResult,
    ScreeningInput,
)

HBA1C_GOAL = 7.0  # ADA 2025 general goal for non-pregnant adults
BP_GOAL = (140, 90)  # NOM-030 control goal
FINDRISC_TEST_FROM = 12  # moderate band upwards: measure glucose


def diabetes_outcome(
    inp: ScreeningInput, glycaemia: GlycaemiaResult | None, findrisc: ScoreResult
) -> ConditionOutcome:
    if "diabetes" in inp.known_conditions:
        above = inp.hba1c_percent is not None and inp.hba1c_percent >= HBA1C_GOAL
        reason = "hba1c-above-goal" if above else "known-diabetes"
        return ConditionOutcome("diabetes", "known", (reason,), "check-control")
    if inp.pregnant:
        return ConditionOutcome(
            "diabetes", "not-assessed", ("pregnancy: gestational criteria",), "prenatal-care"
        )
    high_score = findrisc.score is not None and findrisc.score >= FINDRISC_TEST_FROM
    if glycaemia is None:
        if high_score:
            return ConditionOutcome("diabetes", "at-risk", ("findrisc",), "measure-glucose")
        if findrisc.computable:
            return ConditionOutcome("diabetes", "healthy", ("findrisc-low",))
        return ConditionOutcome("diabetes", "not-assessed", ("no glucose, HbA1c or FINDRISC",))
    category = glycaemia.category
    if category in ("probable-diabetes", "diabetes-criteria-met"):
        return ConditionOutcome("diabetes", "probable", (category,), "confirm-diagnosis")
    if category == "screen-positive":
        return ConditionOutcome("diabetes", "at-risk", (category,), "fasting-plasma-glucose")
    if category == "prediabetes" or high_score:
        reason = category if category == "prediabetes" else "findrisc"
        return ConditionOutcome("diabetes", "at-risk", (reason,), "lifestyle-and-rescreen")
    return ConditionOutcome("diabetes", "healthy", ("normal-glycaemia",))


def hypertension_outcome(inp: ScreeningInput, bp: BpResult | None) -> ConditionOutcome:
    if "hypertension" in inp.known_conditions:
        if bp is None:
            return ConditionOutcome("hypertension", "known", ("no reading",), "check-control")
        assert inp.systolic is not None and inp.diastolic is not None
        controlled = inp.systolic < BP_GOAL[0] and inp.diastolic < BP_GOAL[1]
        reason = "controlled" if controlled else "above-goal"
        action = "urgent-assessment" if bp.urgent else "check-control"
        return ConditionOutcome("hypertension", "known", (reason,), action)
    if bp is None:
        return ConditionOutcome("hypertension", "not-assessed", ("no blood pressure",))
    if bp.hypertensive_range:
        action = "urgent-assessment" if bp.urgent else "confirm-diagnosis"
        return ConditionOutcome("hypertension", "probable", (bp.category,), action)
    if bp.elevated:
        return ConditionOutcome("hypertension", "at-risk", (bp.category,), "lifestyle-and-rescreen")
    return ConditionOutcome("hypertension", "healthy", (bp.category,))


def obesity_outcome(inp: ScreeningInput, body: BodyResult) -> ConditionOutcome:
    if "obesity" in inp.known_conditions:
        return ConditionOutcome("obesity", "known", ("known-obesity",), "check-control")
    if inp.pregnant:
        return ConditionOutcome("obesity", "not-assessed", ("pregnancy",))
    klass = body.bmi_class
    if klass is not None and klass.startswith("obesity"):
        return ConditionOutcome("obesity", "probable", (klass,), "confirm-diagnosis")
    reasons: tuple[str, ...] = ()
    if klass == "overweight":
        reasons = ("overweight",)
    if body.waist_increased:
        reasons = (*reasons, "waist")
    if reasons:
        return ConditionOutcome("obesity", "at-risk", reasons, "lifestyle-and-rescreen")
    if klass is None and body.waist_increased is None:
        return ConditionOutcome("obesity", "not-assessed", ("no weight, height or waist",))
    return ConditionOutcome("obesity", "healthy", (klass or "waist-normal",))


def dyslipidemia_outcome(inp: ScreeningInput, lipids: LipidResult | None) -> ConditionOutcome:
    if "dyslipidemia" in inp.known_conditions:
        return ConditionOutcome("dyslipidemia", "known", ("known-dyslipidemia",), "check-control")
    if lipids is None:
        return ConditionOutcome("dyslipidemia", "not-assessed", ("no cholesterol",))
    very_low_hdl = inp.hdl_mg_dl is not None and inp.hdl_mg_dl < 40
    if lipids.total_class == "high" or very_low_hdl:
        reasons = tuple(
            r
            for r, hit in (("total-high", lipids.total_class == "high"), ("hdl-low", very_low_hdl))
            if hit
        )
        return ConditionOutcome("dyslipidemia", "probable", reasons, "confirm-diagnosis")
    if lipids.total_class == "borderline" or lipids.hdl_low:
        reason = "total-borderline" if lipids.total_class == "borderline" else "hdl-low"
        return ConditionOutcome("dyslipidemia", "at-risk", (reason,), "lifestyle-and-rescreen")
    return ConditionOutcome("dyslipidemia", "healthy", ("desirable",))


def cvd_outcome(risk: CvdRisk) -> ConditionOutcome:
    if risk.percent is None:
        return ConditionOutcome("cvd", "not-assessed", (risk.reason or "not computable",))
    reason = f"who-{risk.chart}-{risk.band}"
    if risk.percent >= 20:
        return ConditionOutcome("cvd", "at-risk", (reason,), "treat-high-cvd-risk")
    if risk.percent >= 10:
        return ConditionOutcome("cvd", "at-risk", (reason,), "counsel-and-rescreen")
    return ConditionOutcome("cvd", "healthy", (reason,))
