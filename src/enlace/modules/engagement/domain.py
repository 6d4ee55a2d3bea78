"""The patient app's rules, pure: which doses a prescription asks for on a day, what a
self-entered reading is (and which units it may come in), the plain-language verdict on it against
the patient's own targets, and who wins when an offline check-off meets a server change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from enlace.modules.monitoring import CODES

LOINC = "http://loinc.org"
BP_PANEL, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"
GLUCOSE, WEIGHT = "41653-7", "29463-7"  # capillary glucose (a fingerstick), body weight
MGDL_PER_MMOLL = 18.0
DOSE_STATUSES = ("taken", "skipped")
# Times of day for n doses a day (the app shows them; the patient checks each off).
SLOTS = {1: ("08:00",), 2: ("08:00", "20:00"), 3: ("08:00", "14:00", "20:00"),
         4: ("08:00", "12:00", "16:00", "20:00")}  # fmt: skip
AS_NEEDED_SLOT = "00:00"  # one check-off a day for an "as needed" medicine


@dataclass(frozen=True, slots=True)
class Measure:
    """A reading a patient may type: its LOINC code and the units accepted, each with its factor
    to the canonical unit (monitoring's). Units are what a person writes, not only UCUM codes."""

    kind: str
    code: str
    canonical: str
    units: Mapping[str, float]
    low: float  # plausible bounds in the canonical unit (monitoring's)
    high: float


MEASURES: dict[str, Measure] = {
    "glucose": Measure("glucose", GLUCOSE, "mg/dL", {"mg/dL": 1.0, "mmol/L": MGDL_PER_MMOLL},
                       CODES[GLUCOSE].low, CODES[GLUCOSE].high),
    "bp": Measure("bp", BP_PANEL, "mm[Hg]", {"mmHg": 1.0, "mm[Hg]": 1.0},
                  CODES[BP_PANEL].low, CODES[BP_PANEL].high),
    "weight": Measure("weight", WEIGHT, "kg", {"kg": 1.0, "lb": 0.45359237},
                      CODES[WEIGHT].low, CODES[WEIGHT].high),
}  # fmt: skip
DIASTOLIC_RANGE = (20.0, 200.0)


@dataclass(frozen=True, slots=True)
class Entry:
    """A reading as typed, converted to the canonical unit: `value` (glucose, weight, systolic)
    and `value2` (diastolic)."""

    measure: Measure
    value: float
    value2: float | None = None


@dataclass(frozen=True, slots=True)
class Target:
    low: float | None
    high: float | None
    own: bool  # from the patient's Goal (else the general target)


# General targets when the patient has no Goal: ADA's time-in-range 70-180 mg/dL for glucose,
# the Mexican hypertension guideline's < 130/80 (a systolic and a diastolic target).
DEFAULT_TARGETS = {GLUCOSE: Target(70.0, 180.0, False), SYSTOLIC: Target(None, 130.0, False),
                   DIASTOLIC: Target(None, 80.0, False)}  # fmt: skip
# Values that need care now, whatever the targets: severe hypoglycemia, very high glucose,
# a hypertensive crisis (the monitoring rules escalate the same values to the physician).
DANGER = {GLUCOSE: (54.0, 300.0), SYSTOLIC: (None, 180.0), DIASTOLIC: (None, 120.0)}


class EntryError(ValueError):
    """A reading that cannot be taken: `field` names where, `key` the message."""

    def __init__(self, field: str, key: str, **params: Any) -> None:
        super().__init__(f"{field}: {key}")
        self.field, self.key, self.params = field, key, params


def entry(kind: str, unit: str, value: Any, value2: Any = None) -> Entry:
    """Read a typed reading, or EntryError naming the field (unknown measure, wrong unit, not a
    number, implausible value). Never guesses a unit."""
    measure = MEASURES.get(kind)
    if measure is None:
        raise EntryError("measure", "reading.bad_measure", allowed=", ".join(MEASURES))
    factor = measure.units.get(unit)
    if factor is None:
        raise EntryError("unit", "reading.bad_unit", unit=unit, allowed=" / ".join(measure.units))
    first = _number(value, "value") * factor
    if not measure.low <= first <= measure.high:
        raise EntryError("value", "reading.implausible", low=measure.low, high=measure.high,
                         unit=measure.canonical)  # fmt: skip
    if kind != "bp":
        if value2 is not None:
            raise EntryError("value2", "reading.no_second_value")
        return Entry(measure, round(first, 1))
    second = _number(value2, "value2") * factor
    if not DIASTOLIC_RANGE[0] <= second <= DIASTOLIC_RANGE[1] or second >= first:
        raise EntryError("value2", "reading.implausible_diastolic", low=DIASTOLIC_RANGE[0],
                         high=DIASTOLIC_RANGE[1])  # fmt: skip
    return Entry(measure, round(first), round(second))


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise EntryError(field, "reading.not_a_number")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise EntryError(field, "reading.not_a_number") from None
    if not isinstance(value, int | float) or value != value:  # NaN
        raise EntryError(field, "reading.not_a_number")
    return float(value)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The plain-language answer: `level` ok | low | high | danger-low | danger-high, the message
    key, and the figures it quotes."""

    level: str
    key: str
    params: Mapping[str, Any]


def verdict(reading: Entry, targets: Mapping[str, Target]) -> Verdict:
    """Compare a reading with the patient's own targets (Goal), else the general ones."""
    m = reading.measure
    if m.code == WEIGHT:
        goal = targets.get(WEIGHT)
        if goal is None:
            return Verdict("ok", "feedback.weight_noted", {"value": reading.value})
        return _against(reading.value, goal, "weight", {"value": reading.value})
    if m.code == GLUCOSE:
        return _checked([(GLUCOSE, reading.value)], targets, "glucose", {"value": reading.value})
    pairs = [(SYSTOLIC, reading.value), (DIASTOLIC, reading.value2 or 0.0)]
    return _checked(pairs, targets, "bp", {"value": reading.value, "value2": reading.value2})


def _checked(pairs: Sequence[tuple[str, float]], targets: Mapping[str, Target], name: str,
             params: dict[str, Any]) -> Verdict:  # fmt: skip
    for code, value in pairs:
        low, high = DANGER[code]
        if low is not None and value < low:
            return Verdict("danger-low", f"feedback.{name}_danger_low", params)
        if high is not None and value >= high:
            return Verdict("danger-high", f"feedback.{name}_danger_high", params)
    verdicts = [_against(value, targets.get(code) or DEFAULT_TARGETS[code], name, params)
                for code, value in pairs]  # fmt: skip
    return next((v for v in verdicts if v.level != "ok"), verdicts[0])


def _against(value: float, target: Target, name: str, params: dict[str, Any]) -> Verdict:
    shown = {**params, "low": target.low, "high": target.high, "own": target.own}
    if target.low is not None and value < target.low:
        return Verdict("low", f"feedback.{name}_low", shown)
    if target.high is not None and value > target.high:
        return Verdict("high", f"feedback.{name}_high", shown)
    return Verdict("ok", f"feedback.{name}_ok", shown)


def targets_from_goals(goals: Sequence[Mapping[str, Any]]) -> dict[str, Target]:
    """The patient's own targets: each active Goal's target with a LOINC measure and a range in
    the canonical unit (glucose also in mmol/L); anything else is ignored, never guessed."""
    found: dict[str, Target] = {}
    for goal in goals:
        if goal.get("lifecycleStatus") not in ("active", "accepted", "planned"):
            continue
        for target in goal.get("target") or []:
            code = _loinc(target.get("measure") or {})
            bounds = _range(target.get("detailRange") or {}, code)
            if code and bounds is not None:
                found[code] = Target(*bounds, True)
    return found


def _loinc(concept: Mapping[str, Any]) -> str | None:
    for coding in concept.get("coding") or []:
        if coding.get("system") == LOINC and coding.get("code") in (
            GLUCOSE,
            SYSTOLIC,
            DIASTOLIC,
            WEIGHT,
        ):
            return str(coding["code"])
    return None


def _range(detail: Mapping[str, Any], code: str | None) -> tuple[float | None, float | None] | None:
    unit = {GLUCOSE: "mg/dL", SYSTOLIC: "mm[Hg]", DIASTOLIC: "mm[Hg]", WEIGHT: "kg"}.get(code or "")
    bounds: list[float | None] = []
    for side in ("low", "high"):
        q = detail.get(side) or {}
        value = q.get("value")
        if not isinstance(value, int | float):
            bounds.append(None)
            continue
        given = q.get("code") or q.get("unit")
        factor = MGDL_PER_MMOLL if code == GLUCOSE and given == "mmol/L" else 1.0
        if given not in (unit, "mmHg", "mmol/L", None):
            return None
        bounds.append(float(value) * factor)
    low, high = bounds
    if (low is None and high is None) or (low is not None and high is not None and low >= high):
        return None
    return low, high


def slots_for(request: Mapping[str, Any], day: date) -> tuple[str, ...]:
    """The times of day a prescription asks for a dose on `day` (none outside its validity or on
    the off days of a weekly medicine); an "as needed" medicine has one check-off a day."""
    dosage = (request.get("dosageInstruction") or [{}])[0]
    period = (request.get("dispenseRequest") or {}).get("validityPeriod") or {}
    if period.get("start") and day.isoformat() < str(period["start"])[:10]:
        return ()
    if period.get("end") and day.isoformat() > str(period["end"])[:10]:
        return ()
    if dosage.get("asNeededBoolean"):
        return (AS_NEEDED_SLOT,)
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    if repeat.get("timeOfDay"):
        return tuple(sorted(str(t)[:5] for t in repeat["timeOfDay"]))
    frequency = int(repeat.get("frequency") or 1)
    period_value = float(repeat.get("period") or 1)
    unit = repeat.get("periodUnit") or "d"
    if unit == "d" and period_value == 1:
        return SLOTS.get(frequency, SLOTS[4]) if frequency <= 4 else SLOTS[4]
    every = {"d": period_value, "wk": 7 * period_value, "mo": 30 * period_value}.get(unit)
    start = _day(request.get("authoredOn")) or day
    if every is None or (day - start).days % max(int(every), 1):
        return ()
    return SLOTS[1]


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Settlement:
    """What happens to a check-off: `write` the wanted status or keep the server's; `outcome`
    created | unchanged | merged | conflict."""

    write: bool
    outcome: str


def settle(current: str | None, seen: str | None, wanted: str) -> Settlement:
    """The conflict rule for one dose slot. `current` is the server's status (None: nothing
    recorded), `seen` what the phone showed when the patient tapped (None: nothing), `wanted`
    what they tapped.

    The phone saw the server's state: its change is written. Otherwise someone else (a
    caregiver, an SMS reply, another phone) changed the slot meanwhile, and "taken" wins: a dose
    anybody reported taken stays taken, so nobody is prompted to take it twice; the other report
    is kept in the log and the patient is shown who marked it."""
    if current == wanted:
        return Settlement(False, "unchanged")
    if current is None or current == seen:
        return Settlement(True, "created")
    if wanted == "taken":
        return Settlement(True, "merged")
    return Settlement(False, "conflict")
