"""What education reads from the FHIR record (docs/education.md "Scheduling and triggers"):

- `scan(conn, repo, since_us, now_us)`: resources written since `since_us` —
  * a Condition (ICD-10 E10-E14 type 2 diabetes, I10-I15 hypertension, N18 CKD) whose onset is
    within NEW_DIAGNOSIS_US of now (searched by `onset-date`) schedules the condition's new-diagnosis sequence from its onset;
  * a CarePlan whose activity names an education item (`activity.detail.code` in
    EDUCATION_SYSTEM, the code being a condition, e.g. `t2d`) schedules that sequence from the
    plan's start;
  * a Flag of monitoring's `glucose-low` rule triggers the after-hypoglycaemia item;
  * a patient's first MedicationRequest of an insulin (ATC A10A, `medication` is one of the
    formulary's insulins) triggers starting-insulin;
- `infusions` (homecare's needs of kind `infusion` starting within a week) trigger
  before-infusion: read through homecare's public API by the job (jobs.py), not here;
- `panel(conn, repo, practitioner)`: the patients whose prescriptions the clinician wrote, as
  domain.PanelPatient (diabetes, latest HbA1c, insulin, statin) for the suggestion rule.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules.catalog import formulary
from enlace.store.repository import FhirRepository

from . import patient as deliveries
from .domain import PanelPatient
from .search import search

BASE = "https://enlace.health/fhir"
EDUCATION_SYSTEM = f"{BASE}/CodeSystem/education-sequence"
MONITORING_RULES = f"{BASE}/CodeSystem/monitoring-rule"
ICD10_CONDITIONS = {"E10": "t2d", "E11": "t2d", "E12": "t2d", "E13": "t2d", "E14": "t2d"}
ICD10_CONDITIONS |= {f"I1{n}": "hypertension" for n in (0, 1, 2, 3, 5)} | {"N18": "ckd"}
NEW_DIAGNOSIS_US = 56 * 24 * 3600 * 1_000_000  # eight weeks
HBA1C = "http://loinc.org|4548-4"
CHUNK = 100  # patients per HbA1c search


def scan(conn: Connection, repo: FhirRepository, since_us: int, now_us: int) -> dict[str, int]:
    """Schedule and trigger from what was written since `since_us`; new deliveries by cause."""
    since = [("_lastUpdated", "ge" + _instant(since_us))]
    recent = [("onset-date", "ge" + _instant(now_us - NEW_DIAGNOSIS_US)), *since]
    counts: dict[str, int] = defaultdict(int)
    for condition in search(conn, repo, "Condition", recent):
        counts["care-plan"] += len(_from_condition(conn, condition, now_us))
    for plan in search(conn, repo, "CarePlan", since):
        counts["care-plan"] += len(_from_care_plan(conn, plan, now_us))
    for flag in search(conn, repo, "Flag", since):
        if _codes(flag.get("code")) & {(MONITORING_RULES, "glucose-low")}:
            who = _patient(flag.get("subject"))
            if who:
                made = deliveries.trigger(conn, who, "hypoglycaemia", f"Flag/{flag['id']}", now_us)
                counts["hypoglycaemia"] += len(made)
    insulins = [("medication", ",".join(sorted(_medicines("A10A")))), *since]
    for request in _first_insulin(conn, repo, search(conn, repo, "MedicationRequest", insulins)):
        who = _patient(request.get("subject"))
        if who:
            cause = f"MedicationRequest/{request['id']}"
            counts["insulin"] += len(deliveries.trigger(conn, who, "insulin", cause, now_us))
    return {cause: count for cause, count in counts.items() if count}


def _from_condition(conn: Connection, condition: dict[str, Any], now_us: int) -> list[str]:
    who = _patient(condition.get("subject"))
    onset = _time_us(condition.get("onsetDateTime"))
    kinds = {ICD10_CONDITIONS.get(code[:3]) for _, code in _codes(condition.get("code"))}
    kinds.discard(None)
    if not who or onset is None or now_us - onset > NEW_DIAGNOSIS_US:
        return []
    made: list[str] = []
    for kind in sorted(k for k in kinds if k):
        cause = f"Condition/{condition['id']}"
        made += deliveries.schedule_sequence(conn, who, kind, "new-diagnosis", onset, cause, now_us)
    return made


def _from_care_plan(conn: Connection, plan: dict[str, Any], now_us: int) -> list[str]:
    who = _patient(plan.get("subject"))
    start = _time_us((plan.get("period") or {}).get("start")) or now_us
    if not who or plan.get("status") not in ("active", None):
        return []
    made: list[str] = []
    for activity in plan.get("activity") or ():
        for system, code in _codes((activity.get("detail") or {}).get("code")):
            if system == EDUCATION_SYSTEM:
                cause = f"CarePlan/{plan['id']}"
                made += deliveries.schedule_sequence(
                    conn, who, code, "new-diagnosis", start, cause, now_us
                )
    return made


def _first_insulin(
    conn: Connection, repo: FhirRepository, requests: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The insulin requests among `requests` that are their patient's first insulin: each
    patient's earliest insulin request, looked up a CHUNK of patients at a time."""
    medicines = ",".join(sorted(_medicines("A10A")))
    patients = sorted({p for r in requests if (p := _patient(r.get("subject")))})
    earliest: dict[str, dict[str, Any]] = {}
    for start in range(0, len(patients), CHUNK):
        subjects = ",".join(f"Patient/{p}" for p in patients[start : start + CHUNK])
        params = [("subject", subjects), ("medication", medicines)]
        for other in search(conn, repo, "MedicationRequest", params):
            who = _patient(other.get("subject"))
            if who and (who not in earliest or _order(other) < _order(earliest[who])):
                earliest[who] = other
    ids = {r["id"] for r in requests}
    return [first for first in earliest.values() if first["id"] in ids]


def panel(conn: Connection, repo: FhirRepository, practitioner: str) -> list[PanelPatient]:
    requests = search(conn, repo, "MedicationRequest", [("requester", practitioner)])
    insulins, statins = _medicines("A10A"), _medicines("C10AA")
    by_patient: dict[str, dict[str, bool]] = defaultdict(dict)
    for request in requests:
        who = _patient(request.get("subject"))
        if not who:
            continue
        flags = by_patient[who]
        reasons = {code[:3] for rc in request.get("reasonCode") or () for _, code in _codes(rc)}
        flags["diabetes"] = (
            flags.get("diabetes", False)
            or ICD10_CONDITIONS.get(next(iter(reasons & set(ICD10_CONDITIONS)), "")) == "t2d"
        )
        flags["insulin"] = flags.get("insulin", False) or _medicine(request) in insulins
        flags["statin"] = flags.get("statin", False) or _medicine(request) in statins
    latest = _latest_hba1c(conn, repo, sorted(by_patient))
    return [
        PanelPatient(f.get("diabetes", False), latest.get(p), f.get("insulin", False), f["statin"])
        for p, f in sorted(by_patient.items())
    ]


def _latest_hba1c(conn: Connection, repo: FhirRepository, patients: list[str]) -> dict[str, float]:
    latest: dict[str, tuple[str, float]] = {}
    for start in range(0, len(patients), CHUNK):
        subjects = ",".join(f"Patient/{p}" for p in patients[start : start + CHUNK])
        for obs in search(conn, repo, "Observation", [("code", HBA1C), ("subject", subjects)]):
            who, value = _patient(obs.get("subject")), (obs.get("valueQuantity") or {}).get("value")
            when = str(obs.get("effectiveDateTime") or "")
            if who and isinstance(value, int | float) and when >= latest.get(who, ("", 0.0))[0]:
                latest[who] = (when, float(value))
    return {p: v for p, (_, v) in latest.items()}


def _medicines(atc_prefix: str) -> set[str]:
    return {f"Medication/med-{m.slug}" for m in formulary() if m.atc.startswith(atc_prefix)}


def _medicine(request: dict[str, Any]) -> str:
    return str((request.get("medicationReference") or {}).get("reference", ""))


def _order(request: dict[str, Any]) -> tuple[str, str]:
    return (str(request.get("authoredOn") or ""), str(request.get("id")))


def _codes(concept: Any) -> set[tuple[str, str]]:
    if not isinstance(concept, dict):
        return set()
    return {(str(c.get("system")), str(c.get("code"))) for c in concept.get("coding") or ()}


def _patient(reference: Any) -> str | None:
    text = str((reference or {}).get("reference", ""))
    return text.split("/", 1)[1] if text.startswith("Patient/") else None


def _time_us(text: Any) -> int | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        if len(text) == 10:
            return epoch_us(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return epoch_us(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _instant(us: int) -> str:
    return (
        datetime.fromtimestamp(us / 1e6, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
