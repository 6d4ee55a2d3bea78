"""screen(ScreeningInput, settings) -> ScreeningResult: the whole pure screening for one person.

No I/O, no clock: the same input always gives the same result, so the batch bench, the offline
device and the server agree. Implausible input raises FhirError(422) naming each field
(engine_plausibility.py); missing answers never raise, they make the affected score "not
computable" with the missing items named while everything else is still computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from enlace.modules.screening import outcome
from enlace.modules.screening.body import assess_body
from enlace.modules.screening.bp import classify_bp
from enlace.modules.screening.domain import (
    CvdRisk,
    GlycaemiaResult,
    ScreeningInput,
    ScreeningResult,
    ScreeningSettings,
)
from enlace.modules.screening.engine_plausibility import require_plausible
from enlace.modules.screening.findrisc import findrisc_pair
from enlace.modules.screening.glycaemia import assess_glycaemia
from enlace.modules.screening.lipids import assess_lipids
from enlace.modules.screening.who_cvd import lab_risk, non_lab_risk
from enlace.modules.screening.who_cvd_tables import LAB_VERIFIED, NON_LAB_VERIFIED

DEFAULT_SETTINGS = ScreeningSettings()
_ESTABLISHED = "established cardiovascular disease: the chart does not apply"
ESTABLISHED_CVD_LAB = CvdRisk("lab", None, None, _ESTABLISHED, LAB_VERIFIED)
ESTABLISHED_CVD_NON_LAB = CvdRisk("non-lab", None, None, _ESTABLISHED, NON_LAB_VERIFIED)
_CHART_DIABETES = ("probable-diabetes", "diabetes-criteria-met")


def _chart_diabetes(inp: ScreeningInput, glycaemia: GlycaemiaResult | None) -> tuple[bool, bool]:
    """(diabetes for the WHO chart, counted from an unconfirmed screening value)."""
    if "diabetes" in inp.known_conditions:
        return True, False
    found = glycaemia is not None and glycaemia.category in _CHART_DIABETES
    unconfirmed = found and glycaemia is not None and glycaemia.category == "probable-diabetes"
    return found, unconfirmed


def screen(inp: ScreeningInput, settings: ScreeningSettings = DEFAULT_SETTINGS) -> ScreeningResult:
    require_plausible(inp)
    body = assess_body(inp, settings)
    bp = (
        classify_bp(inp.systolic, inp.diastolic, settings.bp_scheme)
        if inp.systolic is not None and inp.diastolic is not None
        else None
    )
    glycaemia = assess_glycaemia(inp)
    lipids = assess_lipids(inp)
    score, la_score = findrisc_pair(inp)
    diabetes, unconfirmed = _chart_diabetes(inp, glycaemia)
    if "cvd" in inp.known_conditions:  # the charts are for primary prevention only
        cvd_lab, cvd_non_lab = ESTABLISHED_CVD_LAB, ESTABLISHED_CVD_NON_LAB
    else:
        cvd_lab, cvd_non_lab = lab_risk(inp, diabetes=diabetes), non_lab_risk(inp)
    notes = list(body.notes)
    if unconfirmed and cvd_lab.computable:
        notes.append("cvd-lab counts diabetes from an unconfirmed screening value")
    if inp.pregnant:
        notes.append("pregnancy: gestational diabetes criteria differ; refer to prenatal care")
    if not cvd_non_lab.verified and cvd_non_lab.computable:
        notes.append("cvd-non-lab chart values unverified (single transcription)")
    best_cvd = cvd_lab if cvd_lab.computable else cvd_non_lab
    outcomes = (
        outcome.diabetes_outcome(inp, glycaemia, score),
        outcome.hypertension_outcome(inp, bp),
        outcome.obesity_outcome(inp, body),
        outcome.dyslipidemia_outcome(inp, lipids),
        outcome.cvd_outcome(best_cvd, established="cvd" in inp.known_conditions),
    )
    return ScreeningResult(
        body=body,
        bp=bp,
        glycaemia=glycaemia,
        lipids=lipids,
        findrisc=score,
        la_findrisc=la_score,
        cvd_lab=cvd_lab,
        cvd_non_lab=cvd_non_lab,
        outcomes=outcomes,
        notes=tuple(notes),
    )


def screen_many(
    people: Iterable[ScreeningInput], settings: ScreeningSettings = DEFAULT_SETTINGS
) -> Iterator[ScreeningResult]:
    """Batch form (campaigns, the bench): lazily, one result per input, same order."""
    for person in people:
        yield screen(person, settings)
