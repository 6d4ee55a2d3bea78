"""Report use cases: one patient's AGP, its CGM IG summary Bundle, BP and weight summaries and
the downsampled chart series, read from the time series (series.py) in one query each.

Windows are in the patient's local time (Mexico City, UTC-6): an AGP of N days covers the N
whole local days before today (today is still being measured: a partial day would count as a
day of poor wear), the summaries and charts the N x 24 hours up to now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules.monitoring import agp, fhir_readings, registry, series, summaries, thresholds
from enlace.modules.monitoring.domain import (
    BP_PANEL,
    CAPILLARY_GLUCOSE,
    CGM_GLUCOSE,
    DIASTOLIC,
    SPO2,
    SYSTOLIC,
    WEIGHT,
    Reading,
)
from enlace.modules.monitoring.downsample import Buckets, downsample

DAY_US = agp.DAY_US
OFFSET_US = agp.MEXICO_CITY_OFFSET_S * 1_000_000
CHART_DAYS = (14, 30, 90)
CHART_POINTS = 500


@dataclass(frozen=True, slots=True)
class Arrays:
    times_us: NDArray[np.int64]
    values: NDArray[np.float64]
    values2: NDArray[np.float64]  # diastolic for BP, NaN otherwise


def arrays(
    conn: Connection, patient: str, codes: Iterable[str], start_us: int, end_us: int
) -> Arrays:
    return Arrays(*series.columns(conn, patient, codes, start_us, end_us))


def days_param(text: str | None, default: int, most: int, name: str = "days") -> int:
    """`?days=` as 1..most; anything else is a 400 naming the parameter."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= most:
        raise errors.bad_request(f"{name} must be a whole number of days from 1 to {most}", name)
    return int(text)


def local_midnight(now_us: int) -> int:
    """The start of the local day holding `now_us`, in UTC microseconds."""
    return (now_us + OFFSET_US) // DAY_US * DAY_US - OFFSET_US


def cgm_report(conn: Connection, patient: str, days: int, now_us: int) -> agp.AgpReport:
    """The AGP of the `days` whole local days before today (CGM readings only: fingersticks
    are a different sampling and would distort the percentiles)."""
    end = local_midnight(now_us)
    start = end - days * DAY_US
    data = arrays(conn, patient, [CGM_GLUCOSE], start, end)
    return agp.agp(data.times_us, data.values, start, days)


def cgm_summary_bundle(report: agp.AgpReport, patient: str) -> dict[str, Any]:
    """The summary Observations as a collection Bundle."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in fhir_readings.cgm_summary(report, patient)],
    }


@dataclass(frozen=True, slots=True)
class VitalsReport:
    bp: tuple[summaries.BpSummary, ...]  # one per summaries.WINDOWS
    weight: tuple[summaries.WeightSummary, ...]


def vitals_report(
    conn: Connection, patient: str, now_us: int, bp_target: tuple[float, float]
) -> VitalsReport:
    """BP and weight summaries over 14, 30 and 90 days, from one read of 90 days each."""
    end = now_us + 1
    start = end - max(summaries.WINDOWS) * DAY_US
    bp = arrays(conn, patient, [BP_PANEL], start, end)
    kg = arrays(conn, patient, [WEIGHT], start, end)
    return VitalsReport(
        bp=tuple(
            summaries.bp_summary(bp.times_us, bp.values, bp.values2, end, days, bp_target)
            for days in summaries.WINDOWS
        ),
        weight=tuple(
            summaries.weight_summary(kg.times_us, kg.values, end, days)
            for days in summaries.WINDOWS
        ),
    )


# The charted measurements: (key, codes, whether the second value is charted too)
CHARTED = (
    ("bp", (BP_PANEL,), True),
    ("glucose", (CGM_GLUCOSE, CAPILLARY_GLUCOSE), False),
    ("weight", (WEIGHT,), False),
    ("spo2", (SPO2,), False),
)


def chart_series(
    conn: Connection, patient: str, days: int, now_us: int
) -> dict[str, list[Buckets]]:
    """Per charted measurement, its downsampled series (BP: systolic then diastolic)."""
    end = now_us + 1
    start = end - days * DAY_US
    out: dict[str, list[Buckets]] = {}
    for key, codes, paired in CHARTED:
        data = arrays(conn, patient, codes, start, end)
        drawn = [downsample(data.times_us, data.values, start, end, CHART_POINTS)]
        if paired:
            drawn.append(downsample(data.times_us, data.values2, start, end, CHART_POINTS))
        out[key] = drawn
    return out


def recent(conn: Connection, patient: str, now_us: int, limit: int = 20) -> list[Reading]:
    """The newest readings of the last 90 days, newest first."""
    codes = [c for _, cs, _ in CHARTED for c in cs]
    return series.readings_page(
        conn, patient, codes, now_us - 90 * DAY_US, now_us + 1, True, 0, limit
    )


def bp_target(goals: Iterable[Mapping[str, Any]]) -> tuple[float, float]:
    """The BP control target of the patient's active Goals (`target.measure` 8480-6 or 8462-4
    with a `detailRange.high` or a `detailQuantity` in mm[Hg]), else 140/90 (NOM-030). Goals that
    set alert limits (thresholds.sets_alert_limits) are not care targets."""
    systolic, diastolic = summaries.DEFAULT_BP_TARGET
    for goal in goals:
        if goal.get(
            "lifecycleStatus"
        ) not in thresholds.GOAL_ACTIVE or thresholds.sets_alert_limits(goal):
            continue
        for target in goal.get("target") or ():
            code = _loinc(target.get("measure"))
            high = _high(target)
            if high is None:
                continue
            if code == SYSTOLIC:
                systolic = high
            elif code == DIASTOLIC:
                diastolic = high
    return systolic, diastolic


def _loinc(concept: Any) -> str | None:
    for coding in (concept or {}).get("coding") or ():
        if coding.get("system") == fhir_readings.LOINC and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _high(target: Mapping[str, Any]) -> float | None:
    span = target.get("detailRange") or {}
    bound = span.get("high") or target.get("detailQuantity")
    if not isinstance(bound, Mapping):
        return None
    value = bound.get("value")
    unit = bound.get("code") or bound.get("unit")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or unit not in (None, "mm[Hg]")
    ):
        return None
    return float(value)


def devices(conn: Connection, patient: str) -> list[registry.Device]:
    """The devices bound to the patient now, oldest first (kind, status, last seen, battery)."""
    return registry.list_devices(conn, patient)
