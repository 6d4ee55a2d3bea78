"""Body measures: BMI class (WHO; NOM-008 short stature as a setting) and waist risk (IDF cut-offs
for Central and South America). Pure functions (docs/screening.md, "Engine")."""

from __future__ import annotations

from enlace.modules.screening.domain import BodyResult, ScreeningInput, ScreeningSettings, Sex

# IDF 2006 consensus: Central and South American people use the South Asian cut-offs until
# population-specific data exist.
WAIST_CUTOFF_CM: dict[str, float] = {"male": 90.0, "female": 80.0}
SHORT_STATURE_CM: dict[str, float] = {"male": 160.0, "female": 150.0}


def bmi(weight_kg: float, height_cm: float) -> float:
    """kg/m2 rounded to one decimal: the WHO cut-offs are written to one decimal (24.9 / 25.0), so
    classifying the rounded value keeps 24.95 from falling between classes."""
    metres = height_cm / 100.0
    return round(weight_kg / (metres * metres), 1)


def bmi_class(value: float, *, short_stature: bool = False) -> str:
    if value < 18.5:
        return "underweight"
    if short_stature:  # NOM-008-SSA3-2017 cut-offs for short adults
        if value >= 25.0:
            return "obesity-1"
        return "overweight" if value >= 23.0 else "normal"
    if value < 25.0:
        return "normal"
    if value < 30.0:
        return "overweight"
    if value < 35.0:
        return "obesity-1"
    return "obesity-2" if value < 40.0 else "obesity-3"


def waist_increased(waist_cm: float, sex: Sex) -> bool:
    return waist_cm >= WAIST_CUTOFF_CM[sex]


def is_short_stature(height_cm: float, sex: Sex) -> bool:
    return height_cm < SHORT_STATURE_CM[sex]


def assess_body(inp: ScreeningInput, settings: ScreeningSettings) -> BodyResult:
    notes: list[str] = []
    value = klass = None
    if inp.weight_kg is not None and inp.height_cm is not None:
        value = bmi(inp.weight_kg, inp.height_cm)
        short = inp.sex is not None and is_short_stature(inp.height_cm, inp.sex)
        if inp.pregnant:
            notes.append("bmi-not-classified-in-pregnancy")
        else:
            klass = bmi_class(value, short_stature=short and settings.short_stature_cutoffs)
            if short and not settings.short_stature_cutoffs:
                notes.append("short-stature: NOM-008 cut-offs (23/25) would apply")
    waist = None
    if inp.waist_cm is not None and inp.sex is not None and not inp.pregnant:
        waist = waist_increased(inp.waist_cm, inp.sex)
    return BodyResult(bmi=value, bmi_class=klass, waist_increased=waist, notes=tuple(notes))
