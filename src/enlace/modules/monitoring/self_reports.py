"""Readings a patient reports themself (issue 16: by SMS, or in the patient app): the same
series and the same alert rules as a device's, so a dangerous value escalates exactly like one.

`record(conn, repo, report)` in the caller's transaction:
1. stores the reading in monitoring_readings under a per-patient pseudo-device
   (`self_device`: "self-<channel>-" + a hash of the patient id; no registry entry), so charts,
   AGP/BP reports, the alert history and the FHIR Observation search see it; a repeat (same
   patient, channel, code and time) is a duplicate and changes nothing;
2. runs `alerting.on_readings` on it (the rules and thresholds of a device reading).
In FHIR it is an Observation like any reading (fhir_readings.py, id `mr-self-...`), but
patient-reported: `performer` the patient, no `device`, tag `patient-reported`, `method` the
channel. The answer carries the alerts it opened or raised and the patient's own targets, for
the feedback the patient gets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import alerting, alerts, storage
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring.care_team import context_for, goals_of, responsible
from enlace.modules.monitoring.fhir_readings import reading_id
from enlace.modules.monitoring.thresholds import GOAL_ACTIVE, Limits, sets_alert_limits
from enlace.store.repository import FhirRepository

PATIENT_REPORTED = d.PATIENT_REPORTED
LOINC = "http://loinc.org"
KINDS = {"bp": d.BP_PANEL, "glucose": d.CAPILLARY_GLUCOSE, "weight": d.WEIGHT}


@dataclass(frozen=True, slots=True)
class SelfReport:
    patient: str
    kind: str  # bp | glucose | weight
    value: float  # canonical unit (mm[Hg] systolic, mg/dL, kg)
    effective_us: int
    channel: str  # sms | app
    value2: float | None = None  # diastolic


@dataclass(frozen=True, slots=True)
class Targets:
    """What the patient's control is measured against (their care-target Goals, or the usual
    ones): the feedback's "your goal"."""

    glucose_low: float = 70.0
    glucose_high: float = 180.0  # ADA: before meals 80-130, 1-2 h after < 180
    systolic_high: float = 130.0
    diastolic_high: float = 80.0


@dataclass(frozen=True, slots=True)
class AlertNote:
    id: str
    rule: str
    severity: str


@dataclass(frozen=True, slots=True)
class Recorded:
    new: bool  # False: the same report was already stored
    observation: str  # Observation id
    alerts: tuple[AlertNote, ...]  # opened, raised or updated by this reading
    limits: Limits
    targets: Targets


def self_device(patient: str, channel: str) -> str:
    if not channel.isalpha():
        raise ValueError(f"channel '{channel}' must be letters (sms, app)")
    digest = hashlib.sha256(patient.encode()).hexdigest()[:12]
    return f"{d.SELF_REPORTED_PREFIX}{channel}-{digest}"


def record(conn: Connection, repo: FhirRepository, report: SelfReport) -> Recorded:
    code = KINDS[report.kind]
    device = self_device(report.patient, report.channel)
    reading = d.Reading(
        report.patient,
        device,
        code,
        report.value,
        report.effective_us,
        epoch_us(repo.clock()),
        report.value2,
    )
    new = storage.store_readings(conn, [reading])
    touched = alerting.on_readings(conn, repo, new) if new else []
    episodes = alerts.live(conn, [report.patient]).values()
    notes = tuple(AlertNote(e.id, e.rule, e.severity) for e in episodes if e.id in touched)
    context = context_for(conn, repo, [report.patient], False)[report.patient]
    return Recorded(
        bool(new),
        reading_id(reading),
        notes,
        context.limits,
        targets_from_goals(goals_of(conn, repo, report.patient)),
    )


def targets_from_goals(goals: Iterable[Mapping[str, Any]]) -> Targets:
    """The usual targets with the patient's active care-target Goals (not alert limits)
    applied: glucose 41653-7 detailRange low/high, systolic 8480-6 / diastolic 8462-4 high."""
    found = Targets()
    values = {f: getattr(found, f) for f in Targets.__dataclass_fields__}
    for goal in goals:
        if goal.get("lifecycleStatus") not in GOAL_ACTIVE or sets_alert_limits(goal):
            continue
        for target in goal.get("target") or ():
            code = _loinc(target.get("measure"))
            span = target.get("detailRange") or {}
            low, high = _value(span.get("low")), _value(span.get("high"))
            if code == d.CAPILLARY_GLUCOSE:
                values["glucose_low"] = low or values["glucose_low"]
                values["glucose_high"] = high or values["glucose_high"]
            elif code == d.SYSTOLIC and high:
                values["systolic_high"] = high
            elif code == d.DIASTOLIC and high:
                values["diastolic_high"] = high
    return Targets(**values)


def _loinc(concept: Any) -> str | None:
    for coding in (concept or {}).get("coding") or () if isinstance(concept, Mapping) else ():
        if isinstance(coding, Mapping) and coding.get("system") == LOINC:
            return str(coding.get("code"))
    return None


def _value(quantity: Any) -> float | None:
    value = quantity.get("value") if isinstance(quantity, Mapping) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def care_owner(
    conn: Connection, repo: FhirRepository, patient: str
) -> tuple[str | None, str | None]:
    """(who answers for the patient, their organization): the owner an alert would get, for a
    request the patient makes by text (AYUDA) to land on the same desk."""
    found = responsible(conn, repo, patient)
    return found.owner, found.organization
