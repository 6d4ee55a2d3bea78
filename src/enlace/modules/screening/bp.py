"""Blood-pressure class from one office reading, under the scheme chosen in the settings:

- NOM-030-SSA2-2009 (default; same cut-offs as ESC/ESH 2018): optimal < 120/80, normal 120-129/80-84,
  high-normal 130-139/85-89, grade 1 140-159/90-99, grade 2 160-179/100-109, grade 3 >= 180/110;
  isolated systolic >= 140 with < 90.
- ACC/AHA 2017: normal < 120 and < 80, elevated 120-129 and < 80, stage 1 130-139 or 80-89,
  stage 2 >= 140 or >= 90; crisis > 180 and/or > 120.
- ESC 2024: non-elevated < 120/70, elevated 120-139/70-89, hypertension >= 140/90.

The higher of the two pressures decides. One reading never diagnoses hypertension: the outcome
layer turns a hypertensive-range reading into "probable — confirm" (docs/screening.md).
"""

from __future__ import annotations

from functools import lru_cache

from enlace.modules.screening.domain import BpResult, BpScheme

_NOM_ORDER = ("optimal", "normal", "high-normal", "grade-1", "grade-2", "grade-3")


def _nom_level(systolic: int, diastolic: int) -> int:
    def level(value: int, cuts: tuple[int, ...]) -> int:
        return sum(1 for cut in cuts if value >= cut)

    return max(level(systolic, (120, 130, 140, 160, 180)), level(diastolic, (80, 85, 90, 100, 110)))


def classify_nom030(systolic: int, diastolic: int) -> BpResult:
    level = _nom_level(systolic, diastolic)
    category = _NOM_ORDER[level]
    if systolic >= 140 and diastolic < 90:
        category = "isolated-systolic"
    return BpResult(
        scheme="nom-030",
        category=category,
        hypertensive_range=level >= 3,
        elevated=level == 2,
        urgent=systolic >= 180 or diastolic >= 110,
    )


def classify_acc_aha(systolic: int, diastolic: int) -> BpResult:
    if systolic >= 140 or diastolic >= 90:
        category = "stage-2"
    elif systolic >= 130 or diastolic >= 80:
        category = "stage-1"
    elif systolic >= 120:
        category = "elevated"
    else:
        category = "normal"
    crisis = systolic > 180 or diastolic > 120
    return BpResult(
        scheme="acc-aha-2017",
        category="crisis" if crisis else category,
        hypertensive_range=category in ("stage-1", "stage-2"),
        elevated=category == "elevated",
        urgent=crisis,
    )


def classify_esc2024(systolic: int, diastolic: int) -> BpResult:
    if systolic >= 140 or diastolic >= 90:
        category = "hypertension"
    elif systolic >= 120 or diastolic >= 70:
        category = "elevated"
    else:
        category = "non-elevated"
    return BpResult(
        scheme="esc-2024",
        category=category,
        hypertensive_range=category == "hypertension",
        elevated=category == "elevated",
        urgent=systolic >= 180 or diastolic >= 110,
    )


@lru_cache(maxsize=65536)  # a few thousand distinct readings cover a whole campaign
def classify_bp(systolic: int, diastolic: int, scheme: BpScheme = "nom-030") -> BpResult:
    if scheme == "acc-aha-2017":
        return classify_acc_aha(systolic, diastolic)
    if scheme == "esc-2024":
        return classify_esc2024(systolic, diastolic)
    return classify_nom030(systolic, diastolic)
