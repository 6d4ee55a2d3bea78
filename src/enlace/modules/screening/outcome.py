"""Overall class per condition, after CASALUD's MIDO: healthy / at-risk / probable (refer to
confirm) / known (already diagnosed: check control) / not-assessed (nothing to judge by). Pure.

Only "probable" creates a referral; at-risk is counselling and re-screening. CVD risk is a
probability, not a disease: it is at-risk from 10 % (WHO HEARTS: counsel, consider treatment) and
never "probable".
"""

from __future__ import annotations

from functools import lru_cache

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

# Results are immutable and a campaign repeats the same few hundred outcomes: share them.
_outcome = lru_cache(maxsize=4096)(ConditionOutcome)

HBA1C_GOAL = 7.0  # ADA 2025 general goal for non-pregnant adults
BP_GOAL = (140, 90)  # NOM-030 control goal
FINDRISC_TEST_FROM = 12  # moderate band upwards: measure glucose


def diabetes_outcome(
    inp: ScreeningInput, glycaemia: GlycaemiaResult | None, findrisc: ScoreResult
) -> ConditionOutcome:
    if "diabetes" in inp.known_conditions:
        above = inp.hba1c_percent is not None and inp.hba1c_percent >= HBA1C_GOAL
        reason = "hba1c-above-goal" if above else "known-diabetes"
        return _outcome("diabetes", "known", (reason,), "check-control")
    if inp.pregnant:
        return _outcome(
            "diabetes", "not-assessed", ("pregnancy: gestational criteria",), "prenatal-care"
        )
    high_score = findrisc.score is not None and findrisc.score >= FINDRISC_TEST_FROM
    if glycaemia is None:
        if high_score:
            return _outcome("diabetes", "at-risk", ("findrisc",), "measure-glucose")
        if findrisc.computable:
            return _outcome("diabetes", "healthy", ("findrisc-low",))
        return _outcome("diabetes", "not-assessed", ("no glucose, HbA1c or FINDRISC",))
    category = glycaemia.category
    if category in ("probable-diabetes", "diabetes-criteria-met"):
        return _outcome("diabetes", "probable", (category,), "confirm-diagnosis")
    if category == "screen-positive":
        return _outcome("diabetes", "at-risk", (category,), "fasting-plasma-glucose")
    if category == "prediabetes" or high_score:
        reason = category if category == "prediabetes" else "findrisc"
        return _outcome("diabetes", "at-risk", (reason,), "lifestyle-and-rescreen")
    return _outcome("diabetes", "healthy", ("normal-glycaemia",))


def hypertension_outcome(inp: ScreeningInput, bp: BpResult | None) -> ConditionOutcome:
    if "hypertension" in inp.known_conditions:
        if bp is None:
            return _outcome("hypertension", "known", ("no reading",), "check-control")
        assert inp.systolic is not None and inp.diastolic is not None
        controlled = inp.systolic < BP_GOAL[0] and inp.diastolic < BP_GOAL[1]
        reason = "controlled" if controlled else "above-goal"
        action = "urgent-assessment" if bp.urgent else "check-control"
        return _outcome("hypertension", "known", (reason,), action)
    if bp is None:
        return _outcome("hypertension", "not-assessed", ("no blood pressure",))
    if bp.hypertensive_range:
        action = "urgent-assessment" if bp.urgent else "confirm-diagnosis"
        return _outcome("hypertension", "probable", (bp.category,), action)
    if bp.elevated:
        return _outcome("hypertension", "at-risk", (bp.category,), "lifestyle-and-rescreen")
    return _outcome("hypertension", "healthy", (bp.category,))


def obesity_outcome(inp: ScreeningInput, body: BodyResult) -> ConditionOutcome:
    if "obesity" in inp.known_conditions:
        return _outcome("obesity", "known", ("known-obesity",), "check-control")
    if inp.pregnant:
        return _outcome("obesity", "not-assessed", ("pregnancy",))
    klass = body.bmi_class
    if klass is not None and klass.startswith("obesity"):
        return _outcome("obesity", "probable", (klass,), "confirm-diagnosis")
    reasons: tuple[str, ...] = ()
    if klass == "overweight":
        reasons = ("overweight",)
    if body.waist_increased:
        reasons = (*reasons, "waist")
    if reasons:
        return _outcome("obesity", "at-risk", reasons, "lifestyle-and-rescreen")
    if klass is None and body.waist_increased is None:
        return _outcome("obesity", "not-assessed", ("no weight, height or waist",))
    return _outcome("obesity", "healthy", (klass or "waist-normal",))


def dyslipidemia_outcome(inp: ScreeningInput, lipids: LipidResult | None) -> ConditionOutcome:
    if "dyslipidemia" in inp.known_conditions:
        return _outcome("dyslipidemia", "known", ("known-dyslipidemia",), "check-control")
    if lipids is None:
        return _outcome("dyslipidemia", "not-assessed", ("no cholesterol",))
    very_low_hdl = inp.hdl_mg_dl is not None and inp.hdl_mg_dl < 40
    if lipids.total_class == "high" or very_low_hdl:
        reasons = tuple(
            r
            for r, hit in (("total-high", lipids.total_class == "high"), ("hdl-low", very_low_hdl))
            if hit
        )
        return _outcome("dyslipidemia", "probable", reasons, "confirm-diagnosis")
    if lipids.total_class == "borderline" or lipids.hdl_low:
        reason = "total-borderline" if lipids.total_class == "borderline" else "hdl-low"
        return _outcome("dyslipidemia", "at-risk", (reason,), "lifestyle-and-rescreen")
    return _outcome("dyslipidemia", "healthy", ("desirable",))


def cvd_outcome(risk: CvdRisk, *, established: bool = False) -> ConditionOutcome:
    if established:
        return _outcome("cvd", "known", ("established-cvd",), "secondary-prevention")
    if risk.percent is None:
        return _outcome("cvd", "not-assessed", (risk.reason or "not computable",))
    reason = f"who-{risk.chart}-{risk.band}"
    if risk.percent >= 20:
        return _outcome("cvd", "at-risk", (reason,), "treat-high-cvd-risk")
    if risk.percent >= 10:
        return _outcome("cvd", "at-risk", (reason,), "counsel-and-rescreen")
    return _outcome("cvd", "healthy", (reason,))
