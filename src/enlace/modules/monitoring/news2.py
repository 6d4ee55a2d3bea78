"""NEWS2 (Royal College of Physicians, 2017) from the vitals home devices send (pure).

Parameters devices cannot report are assumed at their zero-point value, and the alert says so:
consciousness is taken as Alert (0 points; a person using a home device is at least that), and
the patient as breathing air (0 points; no device reports supplemental oxygen). SpO2 uses scale 2
(the hypercapnic scale, target 88-92 %) for patients with COPD, scale 1 otherwise. Scores use
the parameters present: with fewer vitals the score can only be lower than the full one, so a
missing vital never raises an alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from enlace.modules.monitoring import domain as d

# code -> the vital's name in the figures
VITALS = {
    d.RESPIRATORY_RATE: "respiratory_rate",
    d.SPO2: "spo2",
    d.BP_PANEL: "systolic",
    d.HEART_RATE: "pulse",
    d.TEMPERATURE: "temperature",
}


def respiratory_rate(rate: float) -> int:
    if rate <= 8:
        return 3
    if rate <= 11:
        return 1
    if rate <= 20:
        return 0
    if rate <= 24:
        return 2
    return 3


def spo2_scale1(spo2: float) -> int:
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def spo2_scale2(spo2: float) -> int:
    """Scale 2 on air: 88-92 and >= 93 score 0 (the on-oxygen bands need an O2 flag we lack)."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    return 0


def systolic(sbp: float) -> int:
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def pulse(rate: float) -> int:
    if rate <= 40:
        return 3
    if rate <= 50:
        return 1
    if rate <= 90:
        return 0
    if rate <= 110:
        return 1
    if rate <= 130:
        return 2
    return 3


def temperature(celsius: float) -> int:
    # Bands are in tenths of a degree: round first so 35.04 reads as 35.0, not between bands.
    t = round(celsius, 1)
    if t <= 35.0:
        return 3
    if t <= 36.0:
        return 1
    if t <= 38.0:
        return 0
    if t <= 39.0:
        return 1
    return 2


def points(code: str, value: float, scale2: bool = False) -> int:
    """The NEWS2 points of one vital (a key of VITALS; systolic for the BP panel)."""
    if code == d.RESPIRATORY_RATE:
        return respiratory_rate(value)
    if code == d.SPO2:
        return spo2_scale2(value) if scale2 else spo2_scale1(value)
    if code == d.BP_PANEL:
        return systolic(value)
    if code == d.HEART_RATE:
        return pulse(value)
    if code == d.TEMPERATURE:
        return temperature(value)
    raise ValueError(f"{code} is not a NEWS2 vital")


@dataclass(frozen=True, slots=True)
class Score:
    total: int
    parts: Mapping[str, int]  # vital name -> points
    scale2: bool

    @property
    def any_three(self) -> bool:
        return any(p == 3 for p in self.parts.values())

    @property
    def severity(self) -> str | None:
        """RCP response bands: >= 7 emergency; >= 5 or a single 3 urgent; else no alert."""
        if self.total >= 7:
            return "emergency"
        if self.total >= 5 or self.any_three:
            return "urgent"
        return None

    @property
    def clear(self) -> bool:
        """Hysteresis: the episode ends once the score is back in the low band (<= 3) with no
        single parameter at 3, not merely under 5."""
        return self.total <= 3 and not self.any_three


def score(values: Mapping[str, float], scale2: bool = False) -> Score:
    """NEWS2 of the vitals present (code -> latest value)."""
    parts = {VITALS[code]: points(code, value, scale2) for code, value in values.items()}
    return Score(sum(parts.values()), parts, scale2)
