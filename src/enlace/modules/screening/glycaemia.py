"""Glycaemic class (ADA Standards of Care 2025 §2 / NOM-015-SSA2-2010), pure.

Plasma: fasting < 100 normal, 100-125 prediabetes, >= 126 diabetes range; 2 h OGTT < 140 / 140-199 /
>= 200; casual >= 200 diabetes range. HbA1c < 5.7 / 5.7-6.4 / >= 6.5 %. Capillary (NOM-015
screening): fasting >= 100 or casual >= 140 is a positive screen to confirm with a fasting plasma
glucose; a capillary value never confirms anything.

Diabetes needs a confirming second test unless the person has classic symptoms and a casual plasma
glucose >= 200, or two different tests are both in the diabetes range (ADA). So a single
diabetes-range value is "probable-diabetes" (confirm), never "diabetes".
"""

from __future__ import annotations

from functools import lru_cache

from enlace.modules.screening.domain import Glucose, GlycaemiaResult, ScreeningInput

_result = lru_cache(maxsize=1024)(GlycaemiaResult)  # immutable, few distinct values: shared
_RANK = {"normal": 0, "screen-positive": 1, "prediabetes": 2, "diabetes-range": 3}


def classify_glucose(glucose: Glucose) -> str:
    """normal | screen-positive | prediabetes | diabetes-range for one glucose value."""
    value = glucose.mg_dl
    if glucose.sample == "capillary":
        low, high = (100, 126) if glucose.kind == "fasting" else (140, 200)
        if value >= high:
            return "diabetes-range"
        return "screen-positive" if value >= low else "normal"
    if glucose.kind == "fasting":
        low, high = 100, 126
    elif glucose.kind == "ogtt2h":
        low, high = 140, 200
    else:  # casual plasma: only >= 200 is a criterion; 140-199 asks for a fasting test
        if value >= 200:
            return "diabetes-range"
        return "screen-positive" if value >= 140 else "normal"
    if value >= high:
        return "diabetes-range"
    return "prediabetes" if value >= low else "normal"


def classify_hba1c(percent: float) -> str:
    if percent >= 6.5:
        return "diabetes-range"
    return "prediabetes" if percent >= 5.7 else "normal"


def assess_glycaemia(inp: ScreeningInput) -> GlycaemiaResult | None:
    """None when there is no glucose or HbA1c, or in pregnancy (gestational criteria differ)."""
    if inp.pregnant:
        return None
    found: dict[str, str] = {}
    if inp.glucose is not None:
        found[f"glucose-{inp.glucose.sample}-{inp.glucose.kind}"] = classify_glucose(inp.glucose)
    if inp.hba1c_percent is not None:
        found["hba1c"] = classify_hba1c(inp.hba1c_percent)
    if not found:
        return None
    capillary = inp.glucose is not None and inp.glucose.sample == "capillary"
    diagnostic = [k for k, v in found.items() if v == "diabetes-range" and "capillary" not in k]
    symptomatic_casual = (
        inp.hyperglycaemia_symptoms
        and inp.glucose is not None
        and not capillary
        and inp.glucose.kind == "casual"
        and found.get("glucose-plasma-casual") == "diabetes-range"
    )
    if len(diagnostic) >= 2 or symptomatic_casual:
        return _result("diabetes-criteria-met", None, tuple(sorted(diagnostic)))
    worst = max(found.values(), key=_RANK.__getitem__)
    basis = tuple(sorted(k for k, v in found.items() if v == worst))
    if worst == "diabetes-range":
        only_capillary = not diagnostic
        confirm = "fasting-plasma-glucose" if only_capillary else "second-test"
        return _result("probable-diabetes", confirm, basis)
    if worst == "prediabetes":
        return _result("prediabetes", None, basis)
    if worst == "screen-positive":
        return _result("screen-positive", "fasting-plasma-glucose", basis)
    return _result("normal", None, basis)
