"""The alert rules as pure functions: a reading (and the history a rule needs) in, a verdict out.

A verdict is `abnormal` (the rule fires, with a severity, a one-line Spanish summary, the rule's
figures and the readings behind it), `clear` (back past the hysteresis margin: an open episode
may close) or `between` (neither: an open episode stays open, nothing new opens). Thresholds come
from the patient's `Limits` (thresholds.py). REFERENCE.md §3 holds the sources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import news2
from enlace.modules.monitoring.thresholds import (
    CAPILLARY_REPEAT_US,
    HYPER_SUSTAINED_US,
    SUSTAINED_US,
    Limits,
)

ABNORMAL, BETWEEN, CLEAR = "abnormal", "between", "clear"
GLUCOSE = (d.CAPILLARY_GLUCOSE, d.CGM_GLUCOSE)


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str
    state: str  # ABNORMAL | BETWEEN | CLEAR
    severity: str | None = None
    summary: str = ""
    figures: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[d.Reading, ...] = ()


def between(rule: str) -> Verdict:
    return Verdict(rule, BETWEEN)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# -- blood pressure --------------------------------------------------------------------------
def bp_crisis(reading: d.Reading, limits: Limits) -> Verdict:
    sbp, dbp = reading.value, reading.value2 or 0.0
    if sbp > limits.systolic_crisis or dbp > limits.diastolic_crisis:
        figures = {
            "systolic": sbp,
            "diastolic": dbp,
            "systolic_limit": limits.systolic_crisis,
            "diastolic_limit": limits.diastolic_crisis,
        }
        summary = (
            f"Crisis hipertensiva: {_num(sbp)}/{_num(dbp)} mmHg "
            f"(umbral >{_num(limits.systolic_crisis)}/>{_num(limits.diastolic_crisis)})"
        )
        return Verdict("bp-crisis", ABNORMAL, "urgent", summary, figures, (reading,))
    if sbp < limits.systolic_clear and dbp < limits.diastolic_clear:
        return Verdict("bp-crisis", CLEAR)
    return between("bp-crisis")


# -- glucose ---------------------------------------------------------------------------------
def sustained(
    run: Sequence[d.Reading], holds: Callable[[float], bool], length_us: int = SUSTAINED_US
) -> bool:
    """Whether `holds` has been true for every reading of the latest stretch of `run` (oldest
    first) lasting at least `length_us` (15 minutes: the CGM consensus' definition of an event,
    so one noisy sample neither opens nor closes an episode)."""
    if not run or not holds(run[-1].value):
        return False
    end = run[-1].effective_us
    for reading in reversed(run):
        if not holds(reading.value):
            return False
        if end - reading.effective_us >= length_us:
            return True
    return False


def _holds(reading: d.Reading, run: Sequence[d.Reading], test: Callable[[float], bool]) -> bool:
    """A capillary reading counts alone; a CGM reading needs its sustained stretch."""
    if reading.code == d.CGM_GLUCOSE:
        return sustained(run, test)
    return test(reading.value)


def _below(limit: float) -> Callable[[float], bool]:
    return lambda value: value < limit


def glucose_low(reading: d.Reading, limits: Limits, run: Sequence[d.Reading] = ()) -> Verdict:
    """Level 2 (< 54) urgent, level 1 (< 70, >= 54) warning; clear at >= 80. `run`: the
    patient's recent CGM readings up to this one, oldest first (capillary readings ignore it)."""
    for severity, limit, level in (
        ("urgent", limits.glucose_very_low, 2),
        ("warning", limits.glucose_low, 1),
    ):
        if _holds(reading, run, _below(limit)):
            evidence = _evidence(reading, run)
            summary = (
                f"Hipoglucemia nivel {level}: {_num(reading.value)} mg/dL (umbral <{_num(limit)})"
                + (" sostenida 15 min" if reading.code == d.CGM_GLUCOSE else "")
            )
            figures = {"glucose": reading.value, "limit": limit, "level": level}
            return Verdict("glucose-low", ABNORMAL, severity, summary, figures, evidence)
    if _holds(reading, run, lambda v: v >= limits.glucose_low_clear):
        return Verdict("glucose-low", CLEAR)
    return between("glucose-low")


def glucose_high(reading: d.Reading, limits: Limits, run: Sequence[d.Reading] = ()) -> Verdict:
    """Persistent level 2 hyperglycemia (> 250) is a warning: a CGM above it for 4 hours, or a
    capillary reading above it after another within 12 hours (`run`: for a CGM reading the
    recent CGM readings up to it, for a capillary one the earlier capillary readings, oldest
    first). It clears the same way: at <= 230 for 4 hours, or twice in a row — so a poorly
    controlled patient has one open episode, not one a day."""
    above, under = _above(limits.glucose_high), _at_most(limits.glucose_high_clear)
    if reading.code == d.CGM_GLUCOSE:
        fires = sustained(run, above, HYPER_SUSTAINED_US)
        clear = sustained(run, under, HYPER_SUSTAINED_US)
        how = " sostenida 4 h"
        evidence = _evidence(reading, run)
    else:
        recent = [r for r in run if reading.effective_us - r.effective_us <= CAPILLARY_REPEAT_US]
        fires = above(reading.value) and bool(recent) and above(recent[-1].value)
        clear = under(reading.value) and bool(recent) and under(recent[-1].value)
        how = " en dos mediciones seguidas"
        evidence = (recent[-1], reading) if recent else (reading,)
    if fires:
        summary = (
            f"Hiperglucemia nivel 2{how}: {_num(reading.value)} mg/dL "
            f"(umbral >{_num(limits.glucose_high)})"
        )
        figures = {"glucose": reading.value, "limit": limits.glucose_high}
        return Verdict("glucose-high", ABNORMAL, "warning", summary, figures, evidence)
    return Verdict("glucose-high", CLEAR) if clear else between("glucose-high")


def _above(limit: float) -> Callable[[float], bool]:
    return lambda value: value > limit


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def _evidence(reading: d.Reading, run: Sequence[d.Reading]) -> tuple[d.Reading, ...]:
    if reading.code != d.CGM_GLUCOSE:
        return (reading,)
    start = reading.effective_us - SUSTAINED_US
    return tuple(r for r in run if r.effective_us >= start)


# -- heart failure, COPD ---------------------------------------------------------------------
def weight_gain(reading: d.Reading, prior: Sequence[d.Reading], limits: Limits) -> Verdict:
    """Gain over the lowest weight of the previous 3 days' weigh-ins (`prior`, the window is
    thresholds.WEIGHT_WINDOW_US); no prior weight, no verdict."""
    if not prior:
        return between("hf-weight-gain")
    baseline = min(prior, key=lambda r: r.value)
    gain = round(reading.value - baseline.value, 2)  # 0.1 kg steps: no float noise at 2.0
    if gain > limits.weight_gain_kg:
        summary = (
            f"Aumento de peso de {_num(gain)} kg en 3 días ({_num(baseline.value)} → "
            f"{_num(reading.value)} kg; umbral >{_num(limits.weight_gain_kg)} kg): "
            "posible descompensación de insuficiencia cardiaca"
        )
        figures = {
            "gain_kg": gain,
            "baseline_kg": baseline.value,
            "weight_kg": reading.value,
            "limit_kg": limits.weight_gain_kg,
        }
        evidence = (baseline, reading)
        return Verdict("hf-weight-gain", ABNORMAL, "urgent", summary, figures, evidence)
    if gain <= limits.weight_clear_kg:
        return Verdict("hf-weight-gain", CLEAR)
    return between("hf-weight-gain")


def copd_spo2(reading: d.Reading, limits: Limits) -> Verdict:
    """Below the target's low end urgent; at or under its top (resting SpO2 <= 92 %: assess
    for oxygen) warning; clear at >= 94."""
    spo2 = reading.value
    if spo2 <= limits.spo2_target_high:
        low = spo2 < limits.spo2_target_low
        summary = f"SpO2 {_num(spo2)} % en EPOC " + (
            f"por debajo de su meta ({_num(limits.spo2_target_low)}-"
            f"{_num(limits.spo2_target_high)} %)"
            if low
            else f"(≤{_num(limits.spo2_target_high)} % en reposo): valorar oxígeno"
        )
        figures = {
            "spo2": spo2,
            "target_low": limits.spo2_target_low,
            "target_high": limits.spo2_target_high,
        }
        severity = "urgent" if low else "warning"
        return Verdict("copd-spo2", ABNORMAL, severity, summary, figures, (reading,))
    if spo2 >= limits.spo2_clear:
        return Verdict("copd-spo2", CLEAR)
    return between("copd-spo2")


# -- NEWS2 -----------------------------------------------------------------------------------
def news2_verdict(latest: Mapping[str, d.Reading], scale2: bool) -> Verdict:
    """NEWS2 over the latest reading of each vital in the window (code -> reading)."""
    result = news2.score({code: r.value for code, r in latest.items()}, scale2)
    if result.severity is not None:
        parts = ", ".join(f"{name} {p}" for name, p in result.parts.items() if p)
        summary = f"NEWS2 {result.total} ({parts})" + (" escala 2" if scale2 else "")
        figures = {
            "total": result.total,
            "parts": dict(result.parts),
            "scale": 2 if scale2 else 1,
            "assumed": {"consciousness": "alert", "oxygen": "air"},
        }
        evidence = tuple(sorted(latest.values(), key=lambda r: (r.effective_us, r.code)))
        return Verdict("news2", ABNORMAL, result.severity, summary, figures, evidence)
    if result.clear:
        return Verdict("news2", CLEAR)
    return between("news2")
