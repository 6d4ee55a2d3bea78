"""WHO 2019 CVD risk (Central Latin America) read from the published charts, pure.

The chart is the published artefact clinicians use, so the engine reads the chart cell rather than
re-running the recalibrated Cox model whose regional recalibration parameters are not available
here (docs/screening.md, "Sources"). Ages 40-74 only: outside, the risk is "not computable" with
the reason, never extrapolated. Bands: < 5, 5-< 10, 10-< 20, 20-< 30, >= 30 %.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

from enlace.modules.screening.body import bmi
from enlace.modules.screening.domain import (
    MG_DL_PER_MMOL_L_CHOLESTEROL,
    CvdRisk,
    ScreeningInput,
)
from enlace.modules.screening.who_cvd_tables import LAB, LAB_VERIFIED, NON_LAB, NON_LAB_VERIFIED

MIN_AGE, MAX_AGE = 40, 74
_SBP_CUTS = (120, 140, 160, 180)
_CHOLESTEROL_MMOL_CUTS = (4.0, 5.0, 6.0, 7.0)
_BMI_CUTS = (20.0, 25.0, 30.0, 35.0)


def band(percent: int) -> str:
    if percent < 5:
        return "<5"
    if percent < 10:
        return "5-<10"
    if percent < 20:
        return "10-<20"
    return "20-<30" if percent < 30 else ">=30"


def _column(value: float, cuts: tuple[float, ...]) -> int:
    """Index of the chart row/column: how many lower bounds the value reaches."""
    return bisect_right(cuts, value)


def _age_group(age: int) -> int:
    return 40 + 5 * ((age - 40) // 5)


@lru_cache(maxsize=256)  # a chart has a few dozen distinct cells: share the results
def _computed(chart: str, percent: int, verified: bool) -> CvdRisk:
    return CvdRisk(chart, percent, band(percent), None, verified)  # type: ignore[arg-type]


def _not_computable(chart: str, reason: str, verified: bool) -> CvdRisk:
    return CvdRisk(chart, None, None, reason, verified)  # type: ignore[arg-type]


def _common_missing(inp: ScreeningInput) -> list[str]:
    if None not in (inp.age_years, inp.sex, inp.smoker, inp.systolic):
        return []  # the usual case, without building the table below
    needed = {"age": inp.age_years, "sex": inp.sex, "smoking": inp.smoker, "systolic": inp.systolic}
    return [name for name, value in needed.items() if value is None]


def _age_reason(age: int | None) -> str | None:
    if age is not None and not MIN_AGE <= age <= MAX_AGE:
        return f"age {age} outside the chart's 40-74 years"
    return None


def lab_risk(inp: ScreeningInput, *, diabetes: bool) -> CvdRisk:
    """Lab chart: age, sex, smoking, SBP, diabetes, total cholesterol."""
    missing = _common_missing(inp)
    if inp.total_cholesterol_mg_dl is None:
        missing.append("totalCholesterol")
    reason = _age_reason(inp.age_years) or (f"missing {', '.join(missing)}" if missing else None)
    if reason:
        return _not_computable("lab", reason, LAB_VERIFIED)
    assert inp.age_years is not None and inp.sex is not None and inp.systolic is not None
    assert inp.total_cholesterol_mg_dl is not None and inp.smoker is not None
    grid = LAB[(diabetes, inp.sex, inp.smoker, _age_group(inp.age_years))]
    mmol = inp.total_cholesterol_mg_dl / MG_DL_PER_MMOL_L_CHOLESTEROL
    percent = grid[_column(inp.systolic, _SBP_CUTS)][_column(mmol, _CHOLESTEROL_MMOL_CUTS)]
    return _computed("lab", percent, LAB_VERIFIED)


def non_lab_risk(inp: ScreeningInput) -> CvdRisk:
    """Non-lab chart: age, sex, smoking, SBP, BMI."""
    missing = _common_missing(inp)
    if inp.weight_kg is None or inp.height_cm is None:
        missing.append("bmi")
    reason = _age_reason(inp.age_years) or (f"missing {', '.join(missing)}" if missing else None)
    if reason:
        return _not_computable("non-lab", reason, NON_LAB_VERIFIED)
    assert inp.age_years is not None and inp.sex is not None and inp.systolic is not None
    assert inp.weight_kg is not None and inp.height_cm is not None and inp.smoker is not None
    grid = NON_LAB[(inp.sex, inp.smoker, _age_group(inp.age_years))]
    value = bmi(inp.weight_kg, inp.height_cm)
    percent = grid[_column(inp.systolic, _SBP_CUTS)][_column(value, _BMI_CUTS)]
    return _computed("non-lab", percent, NON_LAB_VERIFIED)
