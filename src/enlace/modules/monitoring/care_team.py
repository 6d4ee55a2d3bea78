"""Who an alert goes to, and what the rules need to know about a patient, read from the store on
the platform's own behalf (like pharmacy.lookups: the alert is the platform's duty, whoever's
readings triggered it).

- `context_for(conn, repo, patients)`: per patient, the limits from their Goals and whether they
  have heart failure (ICD-10 I50*, SNOMED 84114007) or COPD (J44*, SNOMED 13645005): two searches
  for the whole batch.
- `responsible(conn, repo, patient)`: the alert's owner — Patient.generalPractitioner when set;
  else the practitioner of the patient's latest Encounter (the simulation records the family
  doctor that way, with the clinic as serviceProvider); else the managing organization.
- `on_call(conn, repo, organization, current)`: the escalation's next owner (see escalation.py).
- `hospital_for(organization)`: the public hospital a referral goes to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from enlace.modules.catalog import facilities, facility
from enlace.modules.monitoring.thresholds import DEFAULT_LIMITS, Limits, limits_from_goals
from enlace.search.platform import platform_search
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index

HEART_FAILURE = ("I50", "84114007")
COPD = ("J44", "13645005")
CHUNK = 500  # patients per reference-index lookup
ON_CALL = "on-call"


@dataclass(frozen=True, slots=True)
class PatientContext:
    limits: Limits = DEFAULT_LIMITS
    heart_failure: bool = False
    copd: bool = False


@dataclass(frozen=True, slots=True)
class Responsible:
    owner: str | None  # reference: Practitioner/…, PractitionerRole/… or Organization/…
    organization: str | None = None  # Organization/… the owner works for, when known
    extra: Mapping[str, Any] = field(default_factory=dict)


def search(
    conn: Connection,
    repo: FhirRepository,
    resource_type: str,
    params: list[tuple[str, str]],
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Current resources matching FHIR search `params` (at most `limit`)."""
    return platform_search(conn, repo, resource_type, params, "monitoring lookup", limit)


def _by_patient(
    conn: Connection, repo: FhirRepository, types: tuple[str, ...], patients: list[str]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(type, patient) -> the current resources of `types` whose `patient` search parameter
    points at the patient: one lookup in the reference index per CHUNK patients (compiling a
    FHIR search with hundreds of OR'ed values costs more than the whole batch's rules)."""
    r = reference_index.c
    ids: dict[str, list[str]] = {t: [] for t in types}
    for start in range(0, len(patients), CHUNK):
        query = select(r.resource_type, r.resource_id).where(
            r.resource_type.in_(types),
            r.param == "patient",
            r.target_type == "Patient",
            r.target_id.in_(patients[start : start + CHUNK]),
        )
        for resource_type, resource_id in conn.execute(query):
            ids[resource_type].append(resource_id)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for resource_type, wanted in ids.items():
        for version in repo.current_many(conn, resource_type, wanted).values():
            if version.deleted:
                continue
            body = version.resource()
            subject = str((body.get("subject") or {}).get("reference", ""))
            key = (resource_type, subject.removeprefix("Patient/"))
            out.setdefault(key, []).append(body)
    return out


def context_for(
    conn: Connection, repo: FhirRepository, patients: Iterable[str], conditions: bool
) -> dict[str, PatientContext]:
    """Each patient's limits (Goals) and, when `conditions`, their HF/COPD diagnoses."""
    wanted = sorted(set(patients))
    found = _by_patient(conn, repo, ("Goal", "Condition") if conditions else ("Goal",), wanted)
    out = {}
    for patient in wanted:
        codes = _active_codes(found.get(("Condition", patient), ()))
        out[patient] = PatientContext(
            limits=limits_from_goals(found.get(("Goal", patient), ())),
            heart_failure=_has(codes, HEART_FAILURE),
            copd=_has(codes, COPD),
        )
    return out


def _active_codes(conditions: Iterable[Mapping[str, Any]]) -> set[str]:
    codes = set()
    for condition in conditions:
        status = (condition.get("clinicalStatus") or {}).get("coding") or [{}]
        if status[0].get("code", "active") not in ("active", "recurrence", "relapse"):
            continue
        for coding in (condition.get("code") or {}).get("coding") or ():
            if isinstance(coding.get("code"), str):
                codes.add(coding["code"])
    return codes


def _has(codes: set[str], prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for code in codes for prefix in prefixes)


def responsible(conn: Connection, repo: FhirRepository, patient: str) -> Responsible:
    record = repo.current(conn, "Patient", patient)
    body: dict[str, Any] = record.resource() if record is not None and not record.deleted else {}
    people = [str(r.get("reference", "")) for r in body.get("generalPractitioner") or ()]
    person = next((r for r in people if not r.startswith("Organization/")), None)
    org = next((r for r in people if r.startswith("Organization/")), None)
    if person is not None:
        return Responsible(person, org or _organization_of(conn, repo, person))
    visit = _latest_encounter(conn, repo, patient)
    if visit is not None:
        doctor = next(
            (
                str(p["individual"]["reference"])
                for p in visit.get("participant") or ()
                if str((p.get("individual") or {}).get("reference", "")).startswith("Pract")
            ),
            None,
        )
        clinic = (visit.get("serviceProvider") or {}).get("reference")
        if doctor is not None or clinic is not None:
            return Responsible(doctor or clinic, clinic or org)
    managing = (body.get("managingOrganization") or {}).get("reference") or org
    return Responsible(managing, managing)


def _latest_encounter(conn: Connection, repo: FhirRepository, patient: str) -> dict | None:
    found = _by_patient(conn, repo, ("Encounter",), [patient]).get(("Encounter", patient), [])
    dated = [v for v in found if (v.get("period") or {}).get("start")]
    return max(dated, key=lambda v: str(v["period"]["start"]), default=None)


def _organization_of(conn: Connection, repo: FhirRepository, person: str) -> str | None:
    if person.startswith("PractitionerRole/"):
        role = repo.current(conn, "PractitionerRole", person.split("/", 1)[1])
        if role is None or role.deleted:
            return None
        return (role.resource().get("organization") or {}).get("reference")
    roles = search(conn, repo, "PractitionerRole", [("practitioner", person)], 10)
    refs = [(r.get("organization") or {}).get("reference") for r in roles]
    return next((r for r in refs if r), None)


def on_call(
    conn: Connection, repo: FhirRepository, organization: str | None, current: str | None
) -> str | None:
    """The organization's on-call practitioner (a PractitionerRole with code `on-call`); else
    another of its doctors than the current owner; else the organization itself."""
    if organization is None:
        return None
    for code in (ON_CALL, "doctor"):
        params = [("organization", organization), ("role", code), ("active", "true")]
        roles = sorted(search(conn, repo, "PractitionerRole", params, 50), key=lambda r: r["id"])
        for role in roles:
            who = (role.get("practitioner") or {}).get("reference")
            if who and who != current and f"PractitionerRole/{role['id']}" != current:
                return str(who)
    return organization


def hospital_for(organization: str | None) -> str | None:
    """A public hospital (level 2, else 3) of the clinic's state, preferring the clinic's own
    institution; None when the clinic is not a catalog facility."""
    slug = (organization or "").removeprefix("Organization/").removeprefix("org-")
    clinic = facility(slug) if slug else None
    if clinic is None:
        return None
    hospitals = [
        f for f in facilities() if f.kind.startswith("hospital") and f.state == clinic.state
    ]
    hospitals.sort(
        key=lambda f: (
            f.institution != clinic.institution,
            f.municipality != clinic.municipality,
            f.kind,
            f.slug,
        )
    )
    return f"Organization/org-{hospitals[0].slug}" if hospitals else None


def goals_of(conn: Connection, repo: FhirRepository, patient: str) -> list[dict[str, Any]]:
    """The patient's current Goals (care targets and alert limits alike)."""
    return _by_patient(conn, repo, ("Goal",), [patient]).get(("Goal", patient), [])
