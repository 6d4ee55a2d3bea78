"""Read any FHIR R4 MedicationDispense / Observation NDJSON into fills and clinical points.

Not only the simulator's files: a pharmacy chain's export, Synthea's, another generator's. Each
line is parsed with orjson and read as a plain dict (no model objects: a million lines must take
seconds). A line that cannot be used is reported as (line number, problem) and the rest is read;
a dispense that is valid but not a completed hand-over (status other than "completed") is
*skipped* with its reason, which is not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from enlace.modules import catalog
from enlace.modules.adherence.domain import (
    DEFAULT_DAYS_SUPPLY,
    MAX_DAYS_SUPPLY,
    Fill,
    therapy_key,
)

ATC_SYSTEM = "http://www.whocc.no/atc"
LOINC = "http://loinc.org"
# LOINC code -> clinical measure name (REFERENCE.md §1); the BP panel is read through its component.
OBSERVATION_CODES = {
    "4548-4": "hba1c",
    "8480-6": "systolic",
    "41653-7": "glucose",
    "1558-6": "glucose",
    "2345-7": "glucose",
}
BP_PANELS = {"85354-9", "85354-6"}  # 85354-6 is a frequent typo of the panel code; read both


@dataclass(frozen=True, slots=True)
class ClinicalPoint:
    patient: str
    measure: str  # "hba1c" (%), "systolic" (mm[Hg]), "glucose" (mg/dL)
    day: date
    value: float


@dataclass
class ReadReport:
    """What a file gave: usable records, bad lines and skipped lines, each with its line number."""

    fills: list[Fill] = field(default_factory=list)
    points: list[ClinicalPoint] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0


class BadLine(ValueError):
    """One line's problem, in words a pharmacist can act on."""


def read_dispenses(path: Path, as_of: date | None = None) -> ReadReport:
    """Fills from a MedicationDispense NDJSON file. Fills after `as_of` are skipped (a future date
    is not history); a dispense id seen twice is read once."""
    return parse_dispense_lines(_lines(path), as_of)


def parse_dispense_lines(lines: Iterable[bytes], as_of: date | None = None) -> ReadReport:
    report = ReadReport()
    seen: set[tuple[str, ...]] = set()
    for number, line in enumerate(lines, 1):
        report.lines = number
        if not line.strip():
            continue
        try:
            fill = _fill(_resource(line, "MedicationDispense"))
        except _Skip as skip:
            report.skipped.append((number, str(skip)))
            continue
        except BadLine as problem:
            report.problems.append((number, str(problem)))
            continue
        identity = _identity(fill)
        if identity in seen:
            report.skipped.append(
                (number, f"duplicate of an earlier dispense ({fill.dispense_id})")
            )
        elif as_of is not None and fill.day > as_of:
            report.skipped.append((number, f"handed over {fill.day} after the as-of date {as_of}"))
        else:
            seen.add(identity)
            report.fills.append(fill)
    return report


def read_observations(path: Path) -> ReadReport:
    """HbA1c, systolic pressure (alone or in a BP panel) and glucose from an Observation NDJSON."""
    return parse_observation_lines(_lines(path))


def parse_observation_lines(lines: Iterable[bytes]) -> ReadReport:
    """`read_observations` over lines already in memory (the daily job's stored Observations)."""
    report = ReadReport()
    for number, line in enumerate(lines, 1):
        report.lines = number
        if not line.strip():
            continue
        try:
            point = _point(_resource(line, "Observation"))
        except _Skip as skip:
            report.skipped.append((number, str(skip)))
            continue
        except BadLine as problem:
            report.problems.append((number, str(problem)))
            continue
        report.points.append(point)
    return report


class _Skip(Exception):
    pass


def _lines(path: Path) -> list[bytes]:
    try:
        return path.read_bytes().splitlines()
    except OSError as exc:
        raise BadLine(f"cannot read {path}: {exc.strerror}") from None


def _resource(line: bytes, kind: str) -> dict[str, Any]:
    try:
        resource = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(resource, dict):
        raise BadLine(f"not a JSON object: expected a {kind} resource")
    if resource.get("resourceType") != kind:
        raise BadLine(f"resourceType is {resource.get('resourceType')!r}, expected {kind!r}")
    return resource


def _fill(resource: dict[str, Any]) -> Fill:
    status = resource.get("status")
    if status != "completed":
        raise _Skip(f"status {status!r} is not a completed dispense")
    patient = _patient(resource)
    day = _day(resource.get("whenHandedOver") or resource.get("whenPrepared"), "whenHandedOver")
    medication, therapy = _medication(resource)
    quantity = _number(resource.get("quantity"))
    supply, imputed = _days_supply(resource, quantity)
    return Fill(
        dispense_id=str(resource.get("id") or ""),
        patient=patient,
        medication=medication,
        therapy=therapy,
        day=day,
        days_supply=supply,
        quantity=quantity,
        imputed_supply=imputed,
        pharmacy=_reference((resource.get("performer") or [{}])[0].get("actor")),
        prescription=_reference((resource.get("authorizingPrescription") or [None])[0]),
    )


def _identity(fill: Fill) -> tuple[str, ...]:
    if fill.dispense_id:
        return (fill.dispense_id,)
    return (fill.patient, fill.medication, fill.day.isoformat(), str(fill.days_supply))


def _patient(resource: dict[str, Any]) -> str:
    subject = resource.get("subject")
    reference = _reference(subject)
    if reference:
        return reference.rsplit("Patient/", 1)[-1]
    identifier = subject.get("identifier") if isinstance(subject, dict) else None
    if isinstance(identifier, dict) and identifier.get("value"):
        return f"{identifier.get('system', '')}|{identifier['value']}"
    raise BadLine("subject: no patient reference")


def _reference(value: object) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return value["reference"] or None
    return None


def _day(value: object, where: str) -> date:
    if not isinstance(value, str) or len(value) < 10:
        raise BadLine(f"{where}: no date (neither whenHandedOver nor whenPrepared)")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise BadLine(f"{where}: {value!r} is not a date") from None


def _medication(resource: dict[str, Any]) -> tuple[str, str]:
    concept = resource.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        return _from_codings(concept.get("coding") or [], concept.get("text"))
    reference = _reference(resource.get("medicationReference"))
    if reference and reference.startswith("#"):
        for contained in resource.get("contained") or []:
            if isinstance(contained, dict) and f"#{contained.get('id')}" == reference:
                code = contained.get("code") or {}
                return _from_codings(code.get("coding") or [], code.get("text"))
    if reference:
        slug = reference.rsplit("/", 1)[-1].removeprefix("med-")
        medicine = catalog.medicine_by_slug(slug) if "Medication/med-" in reference else None
        return reference, therapy_key(reference, medicine.atc if medicine else None)
    raise BadLine("medication: neither medicationCodeableConcept nor medicationReference")


def _from_codings(codings: list[Any], text: object) -> tuple[str, str]:
    usable = [c for c in codings if isinstance(c, dict) and c.get("code")]
    atc = next((c for c in usable if c.get("system") == ATC_SYSTEM), None)
    chosen = atc or (usable[0] if usable else None)
    if chosen is None:
        if isinstance(text, str) and text.strip():
            medication = f"text|{text.strip().lower()}"
            return medication, medication
        raise BadLine("medicationCodeableConcept: no coding with a code and no text")
    medication = f"{chosen.get('system', '')}|{chosen['code']}"
    return medication, therapy_key(medication, str(atc["code"]) if atc else None)


def _number(quantity: object) -> float | None:
    value = quantity.get("value") if isinstance(quantity, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _days_supply(resource: dict[str, Any], quantity: float | None) -> tuple[int, bool]:
    stated = _number(resource.get("daysSupply"))
    if stated is not None and stated > MAX_DAYS_SUPPLY:
        raise BadLine(f"daysSupply: {stated:g} days is more than {MAX_DAYS_SUPPLY}")
    if stated is not None and stated < 0:
        raise BadLine(f"daysSupply: {stated:g} is negative")
    if stated:
        return max(1, round(stated)), False
    per_day = _units_per_day(resource.get("dosageInstruction"))
    if quantity and per_day:
        return min(MAX_DAYS_SUPPLY, max(1, round(quantity / per_day))), True
    return DEFAULT_DAYS_SUPPLY, True


def _units_per_day(instructions: object) -> float | None:
    """Dose units a day from the first dosage instruction, when it says dose and frequency."""
    if not isinstance(instructions, list) or not instructions:
        return None
    first = instructions[0] if isinstance(instructions[0], dict) else {}
    dose = _number(((first.get("doseAndRate") or [{}])[0] or {}).get("doseQuantity"))
    repeat = (first.get("timing") or {}).get("repeat") or {}
    frequency, period = repeat.get("frequency", 1), repeat.get("period", 1)
    unit_days = {"d": 1, "wk": 7, "h": 1 / 24}.get(repeat.get("periodUnit", "d"))
    if not dose or not unit_days or not isinstance(frequency, int | float) or not period:
        return None
    return float(dose * frequency / (period * unit_days))


def _point(resource: dict[str, Any]) -> ClinicalPoint:
    patient = _patient(resource)
    if resource.get("status") in {"entered-in-error", "cancelled"}:
        raise _Skip(f"status {resource.get('status')!r}")
    effective = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get(
        "start"
    )
    day = _day(effective or resource.get("issued"), "effectiveDateTime")
    codes = {c.get("code") for c in (resource.get("code") or {}).get("coding") or []}
    if codes & BP_PANELS:
        for component in resource.get("component") or []:
            inner = {c.get("code") for c in (component.get("code") or {}).get("coding") or []}
            value = _number(component.get("valueQuantity"))
            if "8480-6" in inner and value is not None:
                return ClinicalPoint(patient, "systolic", day, value)
        raise BadLine("component: blood-pressure panel without a systolic value")
    measure = next((OBSERVATION_CODES[c] for c in codes if c in OBSERVATION_CODES), None)
    if measure is None:
        raise _Skip("not an HbA1c, blood-pressure or glucose observation")
    value = _number(resource.get("valueQuantity"))
    if value is None:
        raise BadLine("valueQuantity: no numeric value")
    return ClinicalPoint(patient, measure, day, value)
