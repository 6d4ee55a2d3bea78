"""Store one screening: `record_screening(conn, repo, patient_id, raw, ...)`.

Everything is checked before the first write (the raw JSON, the patient, the performer, the clinic
a referral needs), and every write happens in the caller's transaction, so a refusal or a failure
leaves nothing behind (docs/screening.md, "Stored resources").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.fhir.references import local_id
from enlace.kernel.clock import Clock, fhir_instant
from enlace.kernel.errors import FhirError, Issue
from enlace.modules.screening import fhir_map
from enlace.modules.screening.domain import ScreeningInput, ScreeningResult, ScreeningSettings
from enlace.modules.screening.engine import screen
from enlace.modules.screening.engine_input import require_screening
from enlace.modules.screening.engine_plausibility import require_plausible
from enlace.store.repository import FhirRepository

# RiskAssessment.performer allows only these (and Device); a community health worker is a
# Practitioner.
PERFORMER_TYPES = ("Practitioner", "PractitionerRole")


@dataclass(frozen=True, slots=True)
class RecordedScreening:
    patient_id: str
    result: ScreeningResult
    observations: dict[str, str]  # key ("weight", "bmi", "findrisc", ...) -> Observation id
    risk_assessment: str
    tasks: dict[str, str]  # condition -> referral Task id


def _refuse(status: int, message: str, where: str, code: str = "value") -> FhirError:
    return FhirError(status, [Issue(code, message, where)])


def _age_on(birth: str, day: date) -> int | None:
    try:
        born = date.fromisoformat(birth[:10]) if len(birth) >= 10 else None
    except ValueError:
        return None
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _complete_from_patient(
    inp: ScreeningInput, patient: dict[str, Any], day: date
) -> ScreeningInput:
    """Age and sex from the Patient when the screening did not ask them."""
    age = inp.age_years
    if age is None and isinstance(patient.get("birthDate"), str):
        age = _age_on(patient["birthDate"], day)
    sex = inp.sex
    if sex is None and patient.get("gender") in ("male", "female"):
        sex = patient["gender"]
    return replace(inp, age_years=age, sex=sex)


def _performer(performer: str | None) -> list[dict[str, str]]:
    if performer is None:
        return []
    if not any(local_id({"reference": performer}, kind) for kind in PERFORMER_TYPES):
        raise _refuse(
            422, f"performer '{performer}' is not a reference like 'Practitioner/123'", "performer"
        )
    return [{"reference": performer}]


def _clinic(explicit: str | None, patient: dict[str, Any]) -> str | None:
    if explicit:
        return explicit.removeprefix("Organization/")
    return local_id(patient.get("managingOrganization"), "Organization")


def record_screening(
    conn: Connection,
    repo: FhirRepository,
    patient_id: str,
    raw: Any,
    *,
    performer: str | None,
    setting: str,
    clock: Clock,
    clinic: str | None = None,
    settings: ScreeningSettings | None = None,
) -> RecordedScreening:
    parsed = require_screening(raw)
    if parsed.patient is not None and parsed.patient.removeprefix("Patient/") != patient_id:
        raise _refuse(
            422, f"patient {parsed.patient} does not match Patient/{patient_id}", "patient"
        )
    found = repo.current(conn, "Patient", patient_id)
    if found is None or found.deleted:
        raise _refuse(422, f"Patient/{patient_id} is not known", "patient", "not-found")
    patient = found.resource()
    inp = _complete_from_patient(parsed.input, patient, parsed.performed_at.date())
    require_plausible(inp)  # the Patient's birth date may make the age implausible
    result = screen(inp, settings or ScreeningSettings())
    owner = _clinic(clinic, patient)
    if result.probable_conditions and owner is None:
        raise _refuse(
            422,
            "a referral is needed but the patient has no clinic (Patient.managingOrganization)",
            "patient",
            "required",
        )
    head = {
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": parsed.performed_at.isoformat(),
        "performer": _performer(performer),
    }
    if not head["performer"]:
        del head["performer"]
    due_days = (settings or ScreeningSettings()).referral_due_days
    return _write(
        conn,
        repo,
        patient_id,
        inp,
        result,
        head,
        owner,
        parsed.performed_at,
        clock,
        due_days,
        parsed.setting or setting,
    )


def _write(
    conn: Connection,
    repo: FhirRepository,
    patient_id: str,
    inp: ScreeningInput,
    result: ScreeningResult,
    head: dict[str, Any],
    owner: str | None,
    performed_at: datetime,
    clock: Clock,
    due_days: int,
    setting: str,
) -> RecordedScreening:
    # Where it was done (clinic or community) is a tag on every resource written.
    head = {**head, "meta": {"tag": [{"system": fhir_map.SETTING_SYSTEM, "code": setting}]}}
    ids: dict[str, str] = {}
    for key, resource in fhir_map.measurement_observations(inp, head).items():
        ids[key] = repo.create(conn, resource).id
    for key, resource in fhir_map.derived_observations(result, head, ids).items():
        ids[key] = repo.create(conn, resource).id
    risk = repo.create(conn, fhir_map.risk_assessment(result, head, list(ids.values()))).id
    tasks: dict[str, str] = {}
    authored = fhir_instant(clock())
    for item in result.outcomes:
        if item.klass != "probable":
            continue
        assert owner is not None
        urgent = item.action == "urgent-assessment"
        due = performed_at.date() + timedelta(days=1 if urgent else due_days)
        task = fhir_map.referral_task(
            item, head=head, risk_id=risk, clinic=owner, authored=authored, due=due
        )
        tasks[item.condition] = repo.create(conn, task).id
    return RecordedScreening(patient_id, result, ids, risk, tasks)
