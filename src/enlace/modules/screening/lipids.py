"""Total and HDL cholesterol classes (NOM-037-SSA2-2012 / NCEP ATP III), pure.

Total cholesterol: < 200 mg/dL desirable, 200-239 borderline, >= 240 high. HDL: < 40 mg/dL is low
for everyone (hypoalphalipoproteinaemia); women are also flagged below 50 mg/dL (ATP III / IDF
metabolic-syndrome criterion). Sources and what is still to check: docs/screening.md, "Sources".
"""

from __future__ import annotations

from enlace.modules.screening.domain import LipidResult, ScreeningInput

HDL_LOW_MG_DL: dict[str, float] = {"male": 40.0, "female": 50.0}
HDL_VERY_LOW_MG_DL = 40.0


def total_cholesterol_class(mg_dl: float) -> str:
    if mg_dl < 200:
        return "desirable"
    return "borderline" if mg_dl < 240 else "high"


def assess_lipids(inp: ScreeningInput) -> LipidResult | None:
    if inp.total_cholesterol_mg_dl is None and inp.hdl_mg_dl is None:
        return None
    total = (
        total_cholesterol_class(inp.total_cholesterol_mg_dl)
        if inp.total_cholesterol_mg_dl is not None
        else None
    )
    cutoff = HDL_LOW_MG_DL[inp.sex] if inp.sex is not None else HDL_VERY_LOW_MG_DL
    hdl_low = inp.hdl_mg_dl < cutoff if inp.hdl_mg_dl is not None else None
    return LipidResult(
        total_class=total, hdl_low=hdl_low, hdl_cutoff=cutoff if hdl_low is not None else None
    )
