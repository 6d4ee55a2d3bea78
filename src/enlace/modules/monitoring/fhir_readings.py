"""Readings served as FHIR Observations, and the search source behind `GET /fhir/Observation`.

A reading becomes a vital-signs Observation (glucose ones are `laboratory`, as in the HL7 CGM
IG): `code` its LOINC code, `valueQuantity` in its canonical UCUM unit, a blood-pressure panel
with systolic and diastolic components instead, `effectiveDateTime`, `issued` (when it arrived),
`subject` and `device`. Its id is readable and stable, `mr-<device>-<code>-<effective µs>`:
the reading's primary key, so `GET /fhir/Observation/{id}` finds it with one probe. (A FHIR id
holds 64 characters: device ids up to 36 characters fit.)

The search source (`ReadingsSource`, registered by bootstrap) answers `code` (a LOINC code, with
or without `http://loinc.org|`; a code of another system matches no reading), `date` (prefixes
eq, ge, gt, le, lt; several are ANDed) and `category` (vital-signs, laboratory). Any other
parameter makes it decline, so the search answers from the stored Observations with a warning.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.modules.monitoring import agp, series
from enlace.modules.monitoring.domain import (
    BP_PANEL,
    CAPILLARY_GLUCOSE,
    CGM_GLUCOSE,
    CODES,
    DIASTOLIC,
    PATIENT_REPORTED,
    SELF_REPORTED_PREFIX,
    SOURCE_SYSTEM,
    SYSTOLIC,
    Reading,
)
from enlace.search.values import MAX_US, MIN_US
from enlace.search.values_query import parse_date_value, split_or

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IEEE = "urn:iso:std:iso:11073:10101"
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
GLUCOSE_CODES = frozenset({CAPILLARY_GLUCOSE, CGM_GLUCOSE})
READING_ID = re.compile(r"mr-(?P<device>[A-Za-z0-9\-.]+)-(?P<code>\d{1,7}-\d)-(?P<us>\d{1,19})")
SUPPORTED = frozenset({"code", "date", "category"})
DATE_PREFIXES = frozenset({"eq", "ge", "gt", "le", "lt"})


def reading_id(reading: Reading) -> str:
    return f"mr-{reading.device}-{reading.code}-{reading.effective_us}"


def instant(us: int) -> str:
    """An FHIR instant in UTC at the precision stored (microseconds only when there are any)."""
    when = datetime.fromtimestamp(us / 1_000_000, UTC)
    spec = "milliseconds" if us % 1_000_000 else "seconds"
    if us % 1000:
        spec = "microseconds"
    return when.isoformat(timespec=spec).replace("+00:00", "Z")


def category_of(code: str) -> str:
    return "laboratory" if code in GLUCOSE_CODES else "vital-signs"


def observation(reading: Reading) -> dict[str, Any]:
    measure = CODES[reading.code]
    coding = [{"system": LOINC, "code": reading.code, "display": measure.display}]
    if reading.device_code:
        coding.append({"system": IEEE, "code": reading.device_code})
    category = category_of(reading.code)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": reading_id(reading),
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": {"coding": coding},
        "subject": {"reference": f"Patient/{reading.patient}"},
        "effectiveDateTime": instant(reading.effective_us),
        "issued": instant(reading.received_us),
        "device": {"reference": f"Device/{reading.device}"},
    }
    if category == "vital-signs":
        resource["meta"] = {"profile": [VITAL_SIGNS_PROFILE]}
    if reading.device.startswith(SELF_REPORTED_PREFIX):
        _patient_reported(resource, reading)
    if reading.code == BP_PANEL:
        resource["component"] = [
            _component(SYSTOLIC, "Systolic blood pressure", reading.value),
            _component(DIASTOLIC, "Diastolic blood pressure", reading.value2),
        ]
    else:
        resource["valueQuantity"] = quantity(reading.value, measure.unit)
    return resource


def _patient_reported(resource: dict[str, Any], reading: Reading) -> None:
    """A reading the patient reported (SMS, app): theirs, through no device (self_reports.py)."""
    channel = reading.device.removeprefix(SELF_REPORTED_PREFIX).split("-", 1)[0]
    del resource["device"]
    resource["performer"] = [{"reference": f"Patient/{reading.patient}"}]
    resource["method"] = {"text": f"patient-reported ({channel})"}
    tag = {"system": SOURCE_SYSTEM, "code": PATIENT_REPORTED}
    resource["meta"] = {**resource.get("meta", {}), "tag": [tag]}


def quantity(value: float | None, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _component(code: str, display: str, value: float | None) -> dict[str, Any]:
    return {
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "valueQuantity": quantity(value, "mm[Hg]"),
    }


class ReadingsSource:
    """monitoring_readings as a source of Observations (interactions/observation_source.py)."""

    def search(
        self,
        conn: Connection,
        patient: str,
        filters: list[tuple[str, str]],
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[tuple[int, dict[str, Any]]] | str:
        plan = plan_search(filters)
        if isinstance(plan, str):
            return plan
        codes, start_us, end_us = plan
        if not codes or start_us >= end_us:
            return []
        page = series.readings_page(
            conn, patient, codes, start_us, end_us, descending, offset, limit
        )
        return [(r.effective_us, observation(r)) for r in page]

    def count(self, conn: Connection, patient: str, filters: list[tuple[str, str]]) -> int:
        plan = plan_search(filters)
        if isinstance(plan, str) or not plan[0] or plan[1] >= plan[2]:
            return 0
        return series.count(conn, patient, *plan)

    def read(self, conn: Connection, observation_id: str) -> tuple[str, dict[str, Any]] | None:
        match = READING_ID.fullmatch(observation_id)
        if match is None or match["code"] not in CODES:
            return None
        found = series.reading_at(conn, match["device"], match["code"], int(match["us"]))
        return None if found is None else (found.patient, observation(found))


def plan_search(filters: list[tuple[str, str]]) -> tuple[set[str], int, int] | str:
    """(codes, start_us, end_us) the filters select, or why the readings cannot answer them."""
    codes = set(CODES)
    start_us, end_us = MIN_US, MAX_US
    for name, value in filters:
        if name not in SUPPORTED:
            return f"the parameter {name}"
        if name == "code":
            codes &= _codes(value)
        elif name == "category":
            wanted = {v.split("|")[-1] for v in split_or(value)}
            codes = {c for c in codes if category_of(c) in wanted}
        else:
            searched = parse_date_value(value, "date")
            if searched.prefix not in DATE_PREFIXES:
                return f"the date prefix {searched.prefix}"
            start_us, end_us = _narrowed(searched.prefix, searched, start_us, end_us)
    return codes, start_us, end_us


def _codes(value: str) -> set[str]:
    wanted = set()
    for token in split_or(value):
        system, bar, code = token.rpartition("|")
        if bar and system not in ("", LOINC):
            continue  # another code system: no reading has that code
        wanted.add(code)
    return wanted


def _narrowed(prefix: str, searched: Any, start_us: int, end_us: int) -> tuple[int, int]:
    """A reading's time is an instant, [t, t+1µs): the R4 prefix rules on it."""
    low, high = searched.low_us, searched.high_us
    if prefix == "eq":
        return max(start_us, low), min(end_us, high)
    if prefix in ("ge", "gt"):
        return max(start_us, low if prefix == "ge" else high), end_us
    return start_us, min(end_us, low if prefix == "lt" else high)


# HL7 CGM IG summary codes (REFERENCE.md §1)
CGM_MEAN, CGM_GMI, CGM_CV = "97507-8", "97506-0", "104638-2"
CGM_TIR_PANEL, CGM_DAYS_WORN, CGM_ACTIVE = "106793-3", "104636-6", "104637-4"
CGM_RANGES = (
    ("104642-4", "Time in very low range (<54 mg/dL)", "very_low"),
    ("104641-6", "Time in low range (54-69 mg/dL)", "low"),
    ("97510-2", "Time in target range (70-180 mg/dL)", "in_range"),
    ("104640-8", "Time in high range (181-250 mg/dL)", "high"),
    ("104639-0", "Time in very high range (>250 mg/dL)", "very_high"),
)


def cgm_summary(report: agp.AgpReport, patient: str) -> list[dict[str, Any]]:
    """The report as HL7 CGM IG-style summary Observations over its effectivePeriod: days worn
    and % sensor active always; mean, GMI, CV and the time-in-ranges panel only with
    sufficient data (a GMI from three days of wear would mislead)."""
    period = {"start": instant(report.start_us), "end": instant(report.end_us)}

    def summary(code: str, display: str, **value: Any) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{patient}"},
            "effectivePeriod": period,
            **value,
        }

    resources = [
        summary(
            CGM_DAYS_WORN, "Number of days CGM worn", valueQuantity=quantity(report.days_worn, "d")
        ),
        summary(
            CGM_ACTIVE,
            "Percentage of time CGM active",
            valueQuantity=quantity(report.active_pct, "%"),
        ),
    ]
    m = report.metrics
    if m is None:
        return resources
    resources += [
        summary(CGM_MEAN, "Mean glucose", valueQuantity=quantity(m.mean, "mg/dL")),
        summary(CGM_GMI, "Glucose management indicator", valueQuantity=quantity(m.gmi, "%")),
        summary(CGM_CV, "Coefficient of variation of glucose", valueQuantity=quantity(m.cv, "%")),
        summary(
            CGM_TIR_PANEL,
            "Time in ranges panel",
            component=[
                {
                    "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                    "valueQuantity": quantity(getattr(m, key), "%"),
                }
                for code, display, key in CGM_RANGES
            ],
        ),
    ]
    return resources
