"""Default alert thresholds, hysteresis margins, escalation clocks and the per-patient override
through Goal targets (pure; docs/monitoring.md "Rules and alerts").

Every number a physician may want to change for one patient is a `Limits` field; a Goal of the
patient in the category ALERT_LIMITS with `target.measure` = a LOINC code below and a
`target.detailRange` replaces the defaults of that code (`limits_from_goals`). Only that category:
a care target ("BP under 130/80") is what control is measured against (reports, care gaps), and
alerting at it would page the physician for every reading above target. The network-wide numbers (escalation clocks,
stale-device intervals) are module settings here, passed explicitly where they are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from enlace.modules.monitoring import domain as d

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US

RULES = (
    "bp-crisis",
    "glucose-low",
    "glucose-high",
    "news2",
    "hf-weight-gain",
    "copd-spo2",
    "no-data",
)
RANK = {severity: rank for rank, severity in enumerate(d.SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Limits:
    """One patient's thresholds; the defaults are REFERENCE.md §3."""

    # Hypertensive crisis: >180 and/or >120 mmHg; clear once a reading is < 170/110.
    systolic_crisis: float = 180.0
    diastolic_crisis: float = 120.0
    systolic_clear: float = 170.0
    diastolic_clear: float = 110.0
    # Glucose (ADA): level 1 hypo <70, level 2 <54; clear at >= 80 (Nightscout's "low").
    glucose_low: float = 70.0
    glucose_very_low: float = 54.0
    glucose_low_clear: float = 80.0
    # Hyperglycemia level 2: >250 persisting (a warning: hours matter, not minutes); clear at
    # <= 230.
    glucose_high: float = 250.0
    glucose_high_clear: float = 230.0
    # Heart failure: a gain over 2 kg against the lowest weight of the previous 3 days; clear
    # once the gain is back to 1 kg or less.
    weight_gain_kg: float = 2.0
    weight_clear_kg: float = 1.0
    # COPD: resting SpO2 <= 92 % (the top of the 88-92 target) → assess for oxygen (warning);
    # below the target's low end (88) → urgent; clear at >= 94.
    spo2_target_low: float = 88.0
    spo2_target_high: float = 92.0
    spo2_clear: float = 94.0


DEFAULT_LIMITS = Limits()

# CGM values alert only when sustained (the CGM consensus counts an event after 15 minutes);
# the same length of in-range values clears them.
SUSTAINED_US = 15 * MINUTE_US
# Hyperglycemia alerts the physician only when it persists beyond a meal's excursion (which
# peaks in about an hour and fades within about 4): a CGM above the threshold for 4 hours, or two
# capillary readings in a row above it within 12 hours. Shorter excursions are the CGM reports'
# business (time above range), not a page to the physician.
HYPER_SUSTAINED_US = 4 * HOUR_US
CAPILLARY_REPEAT_US = 12 * HOUR_US
# NEWS2 takes the latest reading of each vital within this window.
NEWS2_WINDOW_US = HOUR_US
# "More than 2 kg in 3 days" compares with the weigh-ins of the three previous days: people weigh
# at a slightly different minute each morning, so the window reaches 3.5 days back — the weigh-in
# three mornings ago always counts (a strict 72 h missed it when it had been 20 minutes later
# than today's), the one four mornings ago never does.
WEIGHT_WINDOW_US = 84 * HOUR_US

# Escalation clock per severity: how long an alert may stay unacknowledged at each level.
ESCALATE_AFTER_US: Mapping[str, int] = {
    "emergency": 5 * MINUTE_US,
    "urgent": 15 * MINUTE_US,
    "warning": 60 * MINUTE_US,
}
# Which alerts go on to a hospital referral once on-call has not answered either: the ones whose
# clinical threshold says the patient must be seen (rule -> lowest severity that refers).
REFER_AT: Mapping[str, str] = {
    "bp-crisis": "urgent",
    "glucose-low": "urgent",  # level 2 hypoglycemia
    "hf-weight-gain": "urgent",  # early decompensation: the admission the network exists to avoid
    "copd-spo2": "urgent",  # below the patient's target range
    "news2": "emergency",  # NEWS2 >= 7
}
# No-data alarm per device kind: (silence before it fires, severity). CGM per Nightscout's
# urgent stale-data default; devices used daily after 3 days.
STALE_AFTER: Mapping[str, tuple[int, str]] = {
    "cgm": (30 * MINUTE_US, "urgent"),
    "cardiac-monitor": (HOUR_US, "urgent"),
    "bp-cuff": (3 * DAY_US, "warning"),
    "glucometer": (3 * DAY_US, "warning"),
    "pulse-oximeter": (3 * DAY_US, "warning"),
    "scale": (3 * DAY_US, "warning"),
    "thermometer": (3 * DAY_US, "warning"),
}


def escalate_after(severity: str) -> int | None:
    """Microseconds before an unacknowledged alert of `severity` escalates (None: never)."""
    return ESCALATE_AFTER_US.get(severity)


def refers(rule: str, severity: str) -> bool:
    """Whether an alert ends in a hospital referral when nobody answers it."""
    if severity == "emergency":
        return True
    lowest = REFER_AT.get(rule)
    return lowest is not None and RANK[severity] >= RANK[lowest]


def higher(a: str, b: str) -> str:
    return a if RANK[a] >= RANK[b] else b


# -- Goal overrides --------------------------------------------------------------------------
GOAL_ACTIVE = ("active", "accepted", "planned")
LOINC = "http://loinc.org"
GOAL_CATEGORY_SYSTEM = "https://enlace.health/fhir/CodeSystem/goal-category"
ALERT_LIMITS = "alert-limits"


def sets_alert_limits(goal: Mapping[str, Any]) -> bool:
    """Whether a Goal is a patient's alert limits (category ALERT_LIMITS), not a care target."""
    codings = [
        coding
        for concept in goal.get("category") or ()
        if isinstance(concept, Mapping)
        for coding in concept.get("coding") or ()
        if isinstance(coding, Mapping)
    ]
    return any(
        c.get("system") == GOAL_CATEGORY_SYSTEM and c.get("code") == ALERT_LIMITS for c in codings
    )


def limits_from_goals(goals: Iterable[Mapping[str, Any]]) -> Limits:
    """The patient's limits: defaults, with each active Goal target's detailRange applied.

    Recognized targets (value units are the code's canonical UCUM unit; glucose may be given
    in mmol/L): 8480-6 systolic high, 8462-4 diastolic high, 41653-7 / 99504-3 glucose
    low/high, 59408-5 SpO2 target low/high. Other targets are the care team's own business
    and are ignored here."""
    limits = DEFAULT_LIMITS
    for goal in goals:
        if goal.get("lifecycleStatus") not in GOAL_ACTIVE or not sets_alert_limits(goal):
            continue
        for target in goal.get("target") or ():
            code = _loinc(target.get("measure"))
            span = target.get("detailRange")
            if code is None or not isinstance(span, Mapping):
                continue
            low = _quantity(span.get("low"), code)
            high = _quantity(span.get("high"), code)
            if _sensible(code, low, high):
                limits = _applied(limits, code, low, high)
    return limits


def _sensible(code: str, low: float | None, high: float | None) -> bool:
    """A range a device could show and in order; a mistyped Goal (glucose low 300, a high under
    its low) is ignored rather than turned into a flood of alerts or into silence."""
    measure = d.CODES.get(d.BP_PANEL if code in (d.SYSTOLIC, d.DIASTOLIC) else code)
    if measure is None:
        return False
    ends = [v for v in (low, high) if v is not None]
    if any(not measure.low <= v <= measure.high for v in ends):
        return False
    return low is None or high is None or low < high


def _applied(limits: Limits, code: str, low: float | None, high: float | None) -> Limits:
    if code == d.SYSTOLIC and high is not None:
        return replace(limits, systolic_crisis=high, systolic_clear=high - 10)
    if code == d.DIASTOLIC and high is not None:
        return replace(limits, diastolic_crisis=high, diastolic_clear=high - 10)
    if code in (d.CAPILLARY_GLUCOSE, d.CGM_GLUCOSE):
        if low is not None:
            limits = replace(
                limits,
                glucose_low=low,
                glucose_very_low=min(limits.glucose_very_low, low),
                glucose_low_clear=low + 10,
            )
        if high is not None:
            limits = replace(limits, glucose_high=high, glucose_high_clear=high - 20)
        return limits
    if code == d.SPO2:
        if low is not None:
            limits = replace(limits, spo2_target_low=low)
        if high is not None:
            limits = replace(limits, spo2_target_high=high, spo2_clear=high + 2)
    return limits


def _loinc(concept: Any) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    for coding in concept.get("coding") or ():
        if isinstance(coding, Mapping) and coding.get("system") == LOINC:
            code = coding.get("code")
            return code if isinstance(code, str) else None
    return None


def _quantity(quantity: Any, code: str) -> float | None:
    """A range end in the code's canonical unit; None when absent or in a unit we cannot read
    (such a bound is ignored rather than guessed)."""
    if not isinstance(quantity, Mapping):
        return None
    value = quantity.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    unit = quantity.get("code") or quantity.get("unit")
    canonical = d.CODES[d.BP_PANEL].unit if code in (d.SYSTOLIC, d.DIASTOLIC) else None
    canonical = canonical or (d.CODES[code].unit if code in d.CODES else None)
    if unit in (None, canonical):
        return float(value)
    if unit == "mmol/L" and code in (d.CAPILLARY_GLUCOSE, d.CGM_GLUCOSE):
        return round(float(value) * d.MGDL_PER_MMOLL, 1)
    return None
