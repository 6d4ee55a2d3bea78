"""Device messages to readings (pure): the compact batch JSON, a FHIR Observation, or a Bundle of
Observations, normalized to the canonical LOINC code and UCUM unit of domain.CODES.

A message that is malformed as a whole (not JSON, none of the three shapes, too big) raises a
FhirError (400/413); so does a device writing for a patient or device other than its own (403).
A reading that is wrong on its own is refused with a reason and location while the others go on
(docs/monitoring.md, Ingestion): `malformed`, `code`, `unit`, `implausible`, `time`,
`clock-skew`, `too-old`.

Units are UCUM codes, case-sensitive, with no alias list: "mmHg" is refused with a message naming
"mm[Hg]". A device that sends a wrong unit sends it always, and guessing would hide that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import normalize_fhir
from enlace.modules.monitoring.domain import (
    BP_PANEL,
    CAPILLARY_GLUCOSE,
    CGM_GLUCOSE,
    CODES,
    DIASTOLIC,
    DIASTOLIC_RANGE,
    HEART_RATE,
    MGDL_PER_MMOLL,
    RESPIRATORY_RATE,
    SPO2,
    STORAGE_TEMPERATURE,
    SYSTOLIC,
    TEMPERATURE,
    WEIGHT,
    Reading,
)
from enlace.modules.monitoring.drafts import (
    CompactLocations,
    Draft,
    Refused,
    number,
    short_text,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_READINGS = 5000
MAX_FUTURE_US = 5 * 60 * 1_000_000  # device clocks drift; more than this is a wrong clock
MAX_AGE_US = 400 * 86_400 * 1_000_000  # a device's memory, replayed after a long gap
MAX_DEVICE_CODE = 32
MAX_FIRMWARE = 64

Convert = Callable[[float], float]
_SAME: Convert = float
_GLUCOSE = {"mg/dL": _SAME, "mmol/L": lambda v: v * MGDL_PER_MMOLL}
# Per canonical code, the UCUM units accepted and how each converts to the canonical unit.
UNITS: dict[str, dict[str, Convert]] = {
    BP_PANEL: {"mm[Hg]": _SAME},
    HEART_RATE: {"/min": _SAME, "{beats}/min": _SAME},
    RESPIRATORY_RATE: {"/min": _SAME, "{breaths}/min": _SAME},
    SPO2: {"%": _SAME},
    TEMPERATURE: {"Cel": _SAME, "[degF]": lambda v: (v - 32.0) * 5.0 / 9.0},
    STORAGE_TEMPERATURE: {"Cel": _SAME, "[degF]": lambda v: (v - 32.0) * 5.0 / 9.0},
    WEIGHT: {"kg": _SAME, "g": lambda v: v / 1000.0, "[lb_av]": lambda v: v * 0.45359237},
    CAPILLARY_GLUCOSE: _GLUCOSE,
    CGM_GLUCOSE: _GLUCOSE,
}
# Alternative LOINC codes of the same measurement (REFERENCE.md §1): stored under the canonical.
ALTERNATIVE_CODES = {"14743-9": CAPILLARY_GLUCOSE, "105272-9": CGM_GLUCOSE, "2708-6": SPO2}
COMPACT_FIELDS = frozenset({"code", "value", "unit", "time", "components", "deviceCode"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused reading (or field): where, why (a short reason code) and what to fix."""

    index: int | None
    location: str
    reason: str
    message: str
    raw: str = ""  # the refused reading as received (JSON)


@dataclass(frozen=True, slots=True)
class Normalized:
    readings: tuple[Reading, ...]
    refusals: tuple[Refusal, ...]
    total: int  # readings in the message
    battery: int | None = None
    firmware: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Who sent the message and when it arrived."""

    device: str
    patient: str
    received_us: int


def normalize(body: bytes, source: Source) -> Normalized:
    """Every reading of the message, normalized or refused; FhirError for the whole message."""
    if len(body) > MAX_BYTES:
        raise errors.error(413, "too-costly", f"A message is at most {MAX_BYTES} bytes", "/")
    try:
        message = jsonutil.loads(body)
    except jsonutil.JSONDecodeError:
        raise errors.bad_request("The message is not JSON", "/", code="structure") from None
    if isinstance(message, dict) and "resourceType" in message:
        found = normalize_fhir.observations(message, source.device, source.patient)
        _check_count(len(found))
        wheres = [where for where, _ in found]
        return _normalized(
            [raw for _, raw in found],
            lambda raw, index: normalize_fhir.draft(raw, wheres[index]),
            source,
        )
    if isinstance(message, dict) and "readings" in message:
        return _compact(message, source)
    raise errors.bad_request(
        'The message is none of: {"readings": [...]}, a FHIR Observation, a FHIR Bundle',
        "/",
        code="structure",
    )


def _compact(message: dict[str, Any], source: Source) -> Normalized:
    unknown = sorted(set(message) - {"readings", "battery", "firmware"})
    if unknown:
        raise errors.bad_request(f"Unknown field {unknown[0]!r}", unknown[0], code="structure")
    items = message["readings"]
    if not isinstance(items, list):
        raise errors.bad_request("readings is a list", "readings", code="structure")
    _check_count(len(items))
    extra: list[Refusal] = []
    battery = _battery(message.get("battery"), extra)
    firmware = _firmware(message.get("firmware"), extra)
    result = _normalized(items, _compact_draft, source)
    return Normalized(result.readings, (*extra, *result.refusals), result.total, battery, firmware)


def _check_count(count: int) -> None:
    if count > MAX_READINGS:
        message = f"A message carries at most {MAX_READINGS} readings"
        raise errors.error(413, "too-costly", message, "readings")


def _normalized(
    items: Sequence[Any], read: Callable[[Any, int], Draft], source: Source
) -> Normalized:
    readings: list[Reading] = []
    refusals: list[Refusal] = []
    for index, raw in enumerate(items):
        try:
            readings.append(reading_of(read(raw, index), source))
        except Refused as refused:
            raw_text = jsonutil.dumps(raw).decode()
            refusals.append(
                Refusal(index, refused.location, refused.reason, refused.message, raw_text)
            )
    return Normalized(tuple(readings), tuple(refusals), len(items))


def _compact_draft(item: Any, index: int) -> Draft:
    where = f"readings[{index}]"
    if not isinstance(item, dict):
        raise Refused("malformed", where, "A reading is an object")
    if not item.keys() <= COMPACT_FIELDS:
        unknown = sorted(set(item) - COMPACT_FIELDS)[0]
        raise Refused("malformed", f"{where}.{unknown}", f"Unknown field {unknown!r}")
    code = _text(item, "code", where)
    unit = _text(item, "unit", where)
    time = _text(item, "time", where)
    device_code = item.get("deviceCode")
    if device_code is not None and not short_text(device_code, MAX_DEVICE_CODE):
        message = f"deviceCode is text of 1 to {MAX_DEVICE_CODE} characters"
        raise Refused("malformed", f"{where}.deviceCode", message)
    at = CompactLocations(where)
    if code == BP_PANEL or "components" in item:
        components = item.get("components")
        if not isinstance(components, dict):
            message = f"{BP_PANEL} carries components {{{SYSTOLIC!r}: n, {DIASTOLIC!r}: n}}"
            raise Refused("malformed", f"{where}.components", message)
        values = {k: number(v, f"{where}.components.{k}") for k, v in components.items()}
        value = None if "value" not in item else number(item["value"], at["value"])
        return Draft(code, unit, value, values, time, device_code, at)
    value = number(item.get("value"), at["value"])
    return Draft(code, unit, value, None, time, device_code, at)


def reading_of(draft: Draft, source: Source) -> Reading:
    """The reading in canonical code and unit, or Refused."""
    code = ALTERNATIVE_CODES.get(draft.code, draft.code)
    if code not in CODES:
        message = f"LOINC {draft.code} is not a device reading Enlace stores"
        if draft.code in (SYSTOLIC, DIASTOLIC):
            message = f"Send blood pressure as the panel {BP_PANEL} with both components"
        raise Refused("code", draft.at["code"], message)
    if code == BP_PANEL:
        _check_panel(draft)
    convert = _converter(code, draft)
    effective_us = _effective_us(draft, source.received_us)
    if code == BP_PANEL:
        value, value2 = _blood_pressure(draft, convert)
    else:
        value = _plausible(code, convert(draft.value or 0.0), draft.at["value"])
        value2 = None
    return Reading(
        source.patient,
        source.device,
        code,
        value,
        effective_us,
        source.received_us,
        value2,
        draft.device_code,
    )


def _check_panel(draft: Draft) -> None:
    components = draft.components or {}
    if draft.value is not None:
        message = f"{BP_PANEL} carries its pressures as components, not a value"
        raise Refused("malformed", draft.at["value"], message)
    if set(components) != {SYSTOLIC, DIASTOLIC}:
        message = f"{BP_PANEL} needs exactly the components {SYSTOLIC} and {DIASTOLIC}"
        raise Refused("malformed", draft.at["code"], message)


def _converter(code: str, draft: Draft) -> Convert:
    units = UNITS[code]
    if draft.unit not in units:
        expected = " or ".join(units)
        message = f"Unit {draft.unit!r} does not fit {draft.code}: send UCUM {expected}"
        raise Refused("unit", draft.at["unit"], message)
    return units[draft.unit]


def _blood_pressure(draft: Draft, convert: Convert) -> tuple[float, float]:
    components = draft.components or {}
    systolic = _plausible(BP_PANEL, convert(components[SYSTOLIC]), draft.at[SYSTOLIC])
    diastolic = convert(components[DIASTOLIC])
    low, high = DIASTOLIC_RANGE
    if not low <= diastolic <= high:
        message = f"Diastolic {diastolic:g} mm[Hg] is outside the plausible {low:g}-{high:g}"
        raise Refused("implausible", draft.at[DIASTOLIC], message)
    if diastolic >= systolic:
        message = f"Diastolic {diastolic:g} is not below systolic {systolic:g}"
        raise Refused("implausible", draft.at[DIASTOLIC], message)
    return systolic, diastolic


def _plausible(code: str, value: float, location: str) -> float:
    measure = CODES[code]
    if not measure.low <= value <= measure.high:
        message = (
            f"{value:g} {measure.unit} is outside the plausible {measure.low:g}-{measure.high:g}"
            f" for {measure.display}"
        )
        raise Refused("implausible", location, message)
    return value


def _effective_us(draft: Draft, received_us: int) -> int:
    location = draft.at["time"]
    try:
        moment = datetime.fromisoformat(draft.time)
    except ValueError:
        raise Refused("time", location, f"{draft.time!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None or "T" not in draft.time:
        message = f"{draft.time!r} needs a time of day and a UTC offset (Z or +hh:mm)"
        raise Refused("time", location, message)
    effective = epoch_us(moment)
    if effective > received_us + MAX_FUTURE_US:
        message = f"{draft.time} is more than 5 minutes ahead of the server: the clock is wrong"
        raise Refused("clock-skew", location, message)
    if effective < received_us - MAX_AGE_US:
        raise Refused("too-old", location, f"{draft.time} is more than 400 days old")
    return effective


def _text(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise Refused("malformed", f"{where}.{name}", f"{name} is required (text)")
    return value


def _battery(value: Any, refusals: list[Refusal]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
        return value
    raw = jsonutil.dumps(value).decode()
    refusals.append(Refusal(None, "battery", "malformed", "battery is 0 to 100 (percent)", raw))
    return None


def _firmware(value: Any, refusals: list[Refusal]) -> str | None:
    if value is None:
        return None
    if short_text(value, MAX_FIRMWARE):
        text: str = value
        return text
    raw = jsonutil.dumps(value).decode()
    message = f"firmware is text of 1 to {MAX_FIRMWARE} characters"
    refusals.append(Refusal(None, "firmware", "malformed", message, raw))
    return None
