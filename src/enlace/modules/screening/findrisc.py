"""FINDRISC (Lindström & Tuomilehto, Diabetes Care 2003;26:725) and LA-FINDRISC, pure.

Items: age < 45 / 45-54 / 55-64 / > 64 -> 0/2/3/4; BMI < 25 / 25-30 / > 30 -> 0/1/3; waist (men
< 94 / 94-102 / > 102, women < 80 / 80-88 / > 88) -> 0/3/4; < 30 min activity daily -> 2; no daily
vegetables or fruit -> 1; ever on BP medication -> 2; ever high glucose -> 5; diabetes in a
grandparent, aunt, uncle or first cousin -> 3, in a parent, sibling or child -> 5. Maximum 26.
LA-FINDRISC (Latin American adaptation) changes only the waist item: men < 90 / 90-98 / > 98.
Every item is required: a missing answer makes the score "not computable" with the item named.
"""

from __future__ import annotations

from functools import lru_cache

from enlace.modules.screening.body import bmi
from enlace.modules.screening.domain import ScoreResult, ScreeningInput

# Upper score of each band -> (band, ~10-year risk of type 2 diabetes), from the FINDRISC form.
BANDS: tuple[tuple[int, str, float], ...] = (
    (6, "low", 0.01),
    (11, "slightly-elevated", 0.04),
    (14, "moderate", 0.17),
    (20, "high", 0.33),
    (26, "very-high", 0.50),
)
# (lower bound of 3 points, upper bound of 3 points) per sex; above the upper bound scores 4.
WAIST_FINDRISC = {"male": (94.0, 102.0), "female": (80.0, 88.0)}
WAIST_LA_FINDRISC = {"male": (90.0, 98.0), "female": (80.0, 88.0)}
FAMILY_POINTS = {"none": 0, "second-degree": 3, "first-degree": 5}


def age_points(age: int) -> int:
    if age < 45:
        return 0
    if age <= 54:
        return 2
    return 3 if age <= 64 else 4


def bmi_points(value: float) -> int:
    if value < 25.0:
        return 0
    return 1 if value <= 30.0 else 3


def waist_points(waist_cm: float, bounds: tuple[float, float]) -> int:
    low, high = bounds
    if waist_cm < low:
        return 0
    return 3 if waist_cm <= high else 4


def band_for(score: int) -> tuple[str, float]:
    for upper, band, risk in BANDS:
        if score <= upper:
            return band, risk
    raise ValueError(f"FINDRISC score out of range: {score}")


def _missing(inp: ScreeningInput) -> tuple[str, ...]:
    required = (
        ("age", inp.age_years),
        ("sex", inp.sex),
        ("weight", inp.weight_kg),
        ("height", inp.height_cm),
        ("waist", inp.waist_cm),
        ("physicalActivity", inp.physically_active),
        ("dailyVegetables", inp.daily_vegetables),
        ("everBpMedication", inp.ever_bp_medication),
        ("everHighGlucose", inp.ever_high_glucose),
        ("familyHistoryDiabetes", inp.family_history_diabetes),
    )
    return tuple(name for name, value in required if value is None)


def _points_but_waist(inp: ScreeningInput) -> int:
    assert inp.age_years is not None and inp.family_history_diabetes is not None
    assert inp.weight_kg is not None and inp.height_cm is not None
    return (
        age_points(inp.age_years)
        + bmi_points(bmi(inp.weight_kg, inp.height_cm))
        + (0 if inp.physically_active else 2)
        + (0 if inp.daily_vegetables else 1)
        + (2 if inp.ever_bp_medication else 0)
        + (5 if inp.ever_high_glucose else 0)
        + FAMILY_POINTS[inp.family_history_diabetes]
    )


@lru_cache(maxsize=128)  # 27 scores x 2 variants: the results are shared, not rebuilt
def _scored(name: str, score: int, verified: bool) -> ScoreResult:
    band, risk = band_for(score)
    return ScoreResult(name, score, band, risk, (), verified)


def findrisc_pair(inp: ScreeningInput) -> tuple[ScoreResult, ScoreResult]:
    """(FINDRISC, LA-FINDRISC): the items they share are scored once (the batch engine's path)."""
    missing = _missing(inp)
    if missing:
        return (
            ScoreResult("findrisc", None, None, None, missing, True),
            ScoreResult("la-findrisc", None, None, None, missing, False),
        )
    assert inp.sex is not None and inp.waist_cm is not None
    shared = _points_but_waist(inp)
    original = shared + waist_points(inp.waist_cm, WAIST_FINDRISC[inp.sex])
    latin = shared + waist_points(inp.waist_cm, WAIST_LA_FINDRISC[inp.sex])
    return _scored("findrisc", original, True), _scored("la-findrisc", latin, False)


def findrisc(inp: ScreeningInput, *, latin_american: bool = False) -> ScoreResult:
    return findrisc_pair(inp)[1 if latin_american else 0]
