"""Plausibility of a ScreeningInput: values a living adult can have, in the engine's units.

A value outside its range is refused with an Issue naming the field and, where the number fits
another unit, the likely mistake (glucose 6.5 "mg/dL" is mmol/L; height 1.65 "cm" is metres).
Ranges are deliberately wide: they catch unit and typing errors, not clinical extremes.
"""

from __future__ import annotations

from enlace.kernel.errors import FhirError, Issue
from enlace.modules.screening.domain import KNOWN_CONDITIONS, ScreeningInput

MIN_AGE = 18  # the adult screening (NOM-015 screens from 20; FINDRISC and charts are adult tools)
RANGES: dict[str, tuple[float, float, str]] = {
    "weight": (20.0, 350.0, "kg"),
    "height": (100.0, 250.0, "cm"),
    "waist": (40.0, 200.0, "cm"),
    "systolic": (60.0, 300.0, "mm[Hg]"),
    "diastolic": (30.0, 200.0, "mm[Hg]"),
    "glucose": (20.0, 1000.0, "mg/dL"),
    "hba1c": (3.0, 20.0, "%"),
    "totalCholesterol": (50.0, 1000.0, "mg/dL"),
    "hdl": (5.0, 200.0, "mg/dL"),
}


def _unit_hint(name: str, value: float) -> str:
    """What the number probably was, when it fits a common mistake."""
    if name == "glucose" and 1.0 <= value < 20.0:
        return "; implausibly low for a living person in mg/dL: did you mean mmol/L?"
    if name in ("totalCholesterol", "hdl") and 0.5 <= value < 20.0:
        return "; implausibly low in mg/dL: did you mean mmol/L?"
    if name == "height" and 0.5 <= value < 3.0:
        return "; this looks like metres: send centimetres (e.g. 165)"
    if name == "waist" and value > 200.0:
        return "; more than 2 m: was it measured in millimetres, or mistyped?"
    if name == "hba1c" and 20.0 <= value <= 200.0:
        return "; this looks like mmol/mol (IFCC): send % (NGSP) or unit mmol/mol"
    if name == "weight" and value > 350.0:
        return "; was it measured in grams or pounds?"
    return ""


def range_issue(name: str, value: float, expression: str) -> Issue | None:
    low, high, unit = RANGES[name]
    if low <= value <= high:
        return None
    message = f"{name} {value:g} {unit} is outside {low:g}-{high:g} {unit}{_unit_hint(name, value)}"
    return Issue("value", message, expression)


def plausibility_issues(inp: ScreeningInput, prefix: str = "") -> list[Issue]:
    m, a = f"{prefix}measurements.", f"{prefix}answers."
    checks: list[tuple[str, float | None, str]] = [
        ("weight", inp.weight_kg, m + "weight"),
        ("height", inp.height_cm, m + "height"),
        ("waist", inp.waist_cm, m + "waist"),
        ("systolic", inp.systolic, m + "bloodPressure.systolic"),
        ("diastolic", inp.diastolic, m + "bloodPressure.diastolic"),
        ("glucose", inp.glucose.mg_dl if inp.glucose else None, m + "glucose"),
        ("hba1c", inp.hba1c_percent, m + "hba1c"),
        ("totalCholesterol", inp.total_cholesterol_mg_dl, m + "totalCholesterol"),
        ("hdl", inp.hdl_mg_dl, m + "hdl"),
    ]
    issues = [
        issue
        for name, value, where in checks
        if value is not None and (issue := range_issue(name, value, where)) is not None
    ]
    if inp.systolic is not None and inp.diastolic is not None and inp.systolic <= inp.diastolic:
        issues.append(
            Issue("value", "systolic must be above diastolic (swapped?)", m + "bloodPressure")
        )
    if inp.age_years is not None and not MIN_AGE <= inp.age_years <= 120:
        issues.append(
            Issue("value", f"age {inp.age_years}: this screening is for adults 18-120", a + "age")
        )
    if inp.pregnant and inp.sex == "male":
        issues.append(Issue("value", "pregnant is only possible for sex female", a + "pregnant"))
    unknown = sorted(inp.known_conditions - KNOWN_CONDITIONS)
    if unknown:
        allowed = ", ".join(sorted(KNOWN_CONDITIONS))
        issues.append(
            Issue(
                "code-invalid",
                f"unknown condition(s) {unknown}; use {allowed}",
                a + "knownConditions",
            )
        )
    return issues


def _obviously_plausible(inp: ScreeningInput) -> bool:
    """The common case in one pass of comparisons, so the batch engine does not build the issue
    list for every person; anything unusual falls through to plausibility_issues."""
    glucose = inp.glucose
    return (
        (inp.weight_kg is None or 20.0 <= inp.weight_kg <= 350.0)
        and (inp.height_cm is None or 100.0 <= inp.height_cm <= 250.0)
        and (inp.waist_cm is None or 40.0 <= inp.waist_cm <= 200.0)
        and (inp.systolic is None or 60 <= inp.systolic <= 300)
        and (inp.diastolic is None or 30 <= inp.diastolic <= 200)
        and (inp.systolic is None or inp.diastolic is None or inp.systolic > inp.diastolic)
        and (glucose is None or 20.0 <= glucose.mg_dl <= 1000.0)
        and (inp.hba1c_percent is None or 3.0 <= inp.hba1c_percent <= 20.0)
        and (inp.total_cholesterol_mg_dl is None or 50.0 <= inp.total_cholesterol_mg_dl <= 1000.0)
        and (inp.hdl_mg_dl is None or 5.0 <= inp.hdl_mg_dl <= 200.0)
        and (inp.age_years is None or MIN_AGE <= inp.age_years <= 120)
        and not (inp.pregnant and inp.sex == "male")
        and inp.known_conditions <= KNOWN_CONDITIONS
    )


def require_plausible(inp: ScreeningInput) -> None:
    if _obviously_plausible(inp):
        return
    issues = plausibility_issues(inp)
    if issues:
        raise FhirError(422, issues)
