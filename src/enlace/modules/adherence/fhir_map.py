"""Adherence measures as FHIR R4 (pure: dicts, no ids; docs/adherence.md, "Measures").

- One **Observation** per patient x therapy x measurement period, category `therapy` and code
  `therapy-adherence` of Enlace's CodeSystem https://enlace.health/fhir/CodeSystem/adherence;
  its components are the therapy class (ATC), PDC and MPR (ratios, UCUM `1`), the longest gap
  (days), the days' supply left, fills, adherent, discontinued and the discontinuation date. A
  PDC that cannot be computed carries a dataAbsentReason with the reason as text. Its
  identifier (a digest of patient, therapy and period) lets a daily job update rather than duplicate it.
- A rollup is one **MeasureReport** (type summary) of the Measure `MEASURE_URL`: four groups —
  adherent (numerator) among therapies with a PDC (denominator), discontinued among all
  therapies, mean PDC and median PDC — each with one stratifier over the grouping (clinic,
  pharmacy, payer, state...). A stratum of fewer than 11 therapies carries no counts and no
  score, only the extension `SUPPRESSED_URL` (small cells re-identify patients).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from enlace.modules.adherence.measures import TherapyMeasures
from enlace.modules.adherence.rollups import Rollup

BASE = "https://enlace.health/fhir"
SYSTEM = f"{BASE}/CodeSystem/adherence"
MEASURE_URL = f"{BASE}/Measure/adherence"
SUPPRESSED_URL = f"{BASE}/StructureDefinition/suppressed-small-cell"
IDENTIFIER_SYSTEM = f"{BASE}/identifier/adherence-measures"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"

CODES = {
    "therapy": "Therapy",
    "therapy-adherence": "Therapy adherence measures",
    "therapy-class": "Therapeutic class",
    "pdc": "Proportion of days covered",
    "mpr": "Medication possession ratio",
    "max-gap": "Longest refill gap",
    "days-supply-left": "Days' supply left",
    "fills": "Fills",
    "adherent": "Adherent (PDC at or above the threshold)",
    "discontinued": "Discontinued",
    "discontinued-on": "Discontinuation date",
    "pdc-adherent": "Therapies adherent among those with a PDC",
    "pdc-mean": "Mean PDC",
    "pdc-median": "Median PDC",
}


def coding(code: str) -> dict[str, str]:
    return {"system": SYSTEM, "code": code, "display": CODES[code]}


def concept(code: str) -> dict[str, Any]:
    return {"coding": [coding(code)]}


def therapy_concept(therapy: str) -> dict[str, Any]:
    """A therapy key as a CodeableConcept: ATC class, a system|code medication, else text."""
    if therapy.startswith("atc:"):
        return {"coding": [{"system": ATC, "code": therapy[4:]}], "text": therapy}
    system, bar, code = therapy.partition("|")
    if bar and system and code:
        return {"coding": [{"system": system, "code": code}], "text": therapy}
    return {"text": therapy}


def observation(measures: TherapyMeasures, *, issued: str | None = None) -> dict[str, Any]:
    """The therapy's measures as one Observation; `issued` an instant with a time zone."""
    start = measures.period_start or measures.first_fill
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": observation_key(measures)}],
        "status": "final",
        "category": [concept("therapy")],
        "code": concept("therapy-adherence"),
        "subject": {"reference": f"Patient/{measures.patient}"},
        "effectivePeriod": {"start": start.isoformat(), "end": measures.period_end.isoformat()},
        "component": _components(measures),
    }
    if issued is not None:
        resource["issued"] = issued
    return resource


def observation_key(measures: TherapyMeasures) -> str:
    """A digest of patient, therapy and period: a plain token (therapy keys may hold the `|` and
    `,` that token search reserves), the same on every run."""
    start = measures.period_start or measures.first_fill
    text = f"{measures.patient}|{measures.therapy}|{start}|{measures.period_end}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _components(m: TherapyMeasures) -> list[dict[str, Any]]:
    components = [
        {"code": concept("therapy-class"), "valueCodeableConcept": therapy_concept(m.therapy)},
        _ratio("pdc", m.pdc, m.pdc_reason),
        _ratio("mpr", m.mpr, m.pdc_reason),
        {"code": concept("max-gap"), "valueQuantity": _days(m.max_gap)},
        {"code": concept("days-supply-left"), "valueQuantity": _days(m.days_supply_left)},
        {"code": concept("fills"), "valueInteger": m.fills},
    ]
    if m.adherent is not None:
        components.append({"code": concept("adherent"), "valueBoolean": m.adherent})
    components.append({"code": concept("discontinued"), "valueBoolean": m.discontinued})
    if m.discontinued_on is not None:
        on = m.discontinued_on.isoformat()
        components.append({"code": concept("discontinued-on"), "valueDateTime": on})
    return components


def _ratio(code: str, value: float | None, reason: str | None) -> dict[str, Any]:
    if value is None:
        absent: dict[str, Any] = {"coding": [{"system": DATA_ABSENT, "code": "not-applicable"}]}
        if reason:
            absent["text"] = reason
        return {"code": concept(code), "dataAbsentReason": absent}
    return {"code": concept(code), "valueQuantity": _ratio_quantity(value)}


def _ratio_quantity(value: float) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": "1", "system": UCUM, "code": "1"}


def _days(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "d", "system": UCUM, "code": "d"}


def measure_report(
    overall: Rollup,
    strata: Mapping[Any, Rollup],
    *,
    dimension: str,
    period: tuple[date, date],
    created: str | None = None,
    reporter: str | None = None,
) -> dict[str, Any]:
    """A rollup as a summary MeasureReport; `dimension` names the grouping ("clinic", "state"),
    `reporter` an Organization reference, `created` the report's dateTime."""
    report: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE_URL,
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "group": [_group(code, overall, strata, dimension) for code in GROUPS],
    }
    if created is not None:
        report["date"] = created
    if reporter is not None:
        report["reporter"] = {"reference": reporter}
    return report


# one group per figure; its populations and score come from _counts_and_score
GROUPS = ("pdc-adherent", "discontinued", "pdc-mean", "pdc-median")


def _group(
    code: str, overall: Rollup, strata: Mapping[Any, Rollup], dimension: str
) -> dict[str, Any]:
    group: dict[str, Any] = {"code": concept(code), **_figures(code, overall)}
    if strata:
        group["stratifier"] = [
            {
                "code": [{"text": dimension}],
                "stratum": [
                    {"value": {"text": str(key)}, **_figures(code, rollup)}
                    for key, rollup in strata.items()
                ],
            }
        ]
    return group


def _figures(code: str, rollup: Rollup) -> dict[str, Any]:
    if rollup.suppressed:
        return {"extension": [{"url": SUPPRESSED_URL, "valueBoolean": True}]}
    counts, score = _counts_and_score(code, rollup)
    figures: dict[str, Any] = {
        "population": [
            {"code": {"coding": [{"system": POPULATION, "code": name}]}, "count": count}
            for name, count in counts
        ]
    }
    if score is not None:
        figures["measureScore"] = _ratio_quantity(score)
    return figures


def _counts_and_score(code: str, r: Rollup) -> tuple[list[tuple[str, int]], float | None]:
    initial = ("initial-population", r.therapies)
    if code == "pdc-adherent":
        return [initial, ("denominator", r.with_pdc), ("numerator", r.adherent)], r.share_adherent
    if code == "discontinued":
        counts = [initial, ("denominator", r.therapies), ("numerator", r.discontinued)]
        return counts, r.share_discontinued
    score = r.mean_pdc if code == "pdc-mean" else r.median_pdc
    return [initial, ("measure-population", r.with_pdc)], score


def code_system() -> dict[str, Any]:
    """The local CodeSystem of the Observation's and the MeasureReport's codes."""
    return {
        "resourceType": "CodeSystem",
        "url": SYSTEM,
        "name": "EnlaceAdherence",
        "title": "Adherencia terapéutica (Enlace)",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": [{"code": code, "display": display} for code, display in CODES.items()],
    }


def measure_definition() -> dict[str, Any]:
    """The Measure the reports point at (load it once with the catalogs, or serve it)."""
    return {
        "resourceType": "Measure",
        "url": MEASURE_URL,
        "name": "EnlaceTherapyAdherence",
        "title": "Adherencia terapéutica (PDC, abandono)",
        "status": "active",
        "description": (
            "PDC per the PQA method (>= 2 fills, overlap shifting, hospital days excluded, "
            "hospice and ESRD excluded); adherent at PDC >= 80% (90% for HIV ARVs); "
            "discontinued after a gap of 60 days (90 for ARVs and insulins)."
        ),
        "scoring": {"coding": [{"system": SCORING, "code": "proportion"}]},
        "group": [{"code": concept(code)} for code in GROUPS],
    }
