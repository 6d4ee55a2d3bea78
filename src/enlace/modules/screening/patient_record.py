"""One patient's record as the care-gap rules read it: the current Conditions, Observations,
Procedures, MedicationRequests (with each medicine's ATC code resolved) and Goals, loaded with one
reference-index lookup per resource type (the `patient` search parameter) and one batched read.

Kept apart from the rules (care_gaps.py) so the rules stay pure and table-testable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from enlace.modules.catalog import medicine_by_slug
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index

ATC = "http://www.whocc.no/atc"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
TYPES = ("Condition", "Observation", "Procedure", "MedicationRequest", "Goal")
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Medicine:
    """One prescription as the rules need it."""

    reference: str  # MedicationRequest/…
    atc: str  # "" when the medicine's ATC code is not known
    status: str
    authored: date | None


@dataclass(frozen=True, slots=True)
class Record:
    patient: str
    birth_date: date | None = None
    conditions: tuple[Mapping[str, Any], ...] = ()
    observations: tuple[Mapping[str, Any], ...] = ()
    procedures: tuple[Mapping[str, Any], ...] = ()
    medicines: tuple[Medicine, ...] = ()
    goals: tuple[Mapping[str, Any], ...] = ()


def load_records(
    conn: Connection, repo: FhirRepository, patients: Iterable[str]
) -> dict[str, Record]:
    """Each patient's Record (a patient unknown to the store gets an empty one)."""
    wanted = sorted(set(patients))
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    r = reference_index.c
    for resource_type in TYPES:
        ids: list[str] = []
        for start in range(0, len(wanted), CHUNK):
            query = select(r.resource_id).where(
                r.resource_type == resource_type,
                r.param == "patient",
                r.target_type == "Patient",
                r.target_id.in_(wanted[start : start + CHUNK]),
            )
            ids.extend(row[0] for row in conn.execute(query))
        for version in repo.current_many(conn, resource_type, ids).values():
            if version.deleted:
                continue
            body = version.resource()
            subject = str((body.get("subject") or {}).get("reference", ""))
            found.setdefault((resource_type, subject.removeprefix("Patient/")), []).append(body)
    people = repo.current_many(conn, "Patient", wanted)
    atc_of = _medication_atcs(conn, repo, found)
    out = {}
    for patient in wanted:
        person = people.get(patient)
        body = person.resource() if person is not None and not person.deleted else {}
        out[patient] = Record(
            patient=patient,
            birth_date=parse_date(body.get("birthDate")),
            conditions=tuple(found.get(("Condition", patient), ())),
            observations=tuple(found.get(("Observation", patient), ())),
            procedures=tuple(found.get(("Procedure", patient), ())),
            medicines=tuple(
                _medicine(request, atc_of)
                for request in found.get(("MedicationRequest", patient), ())
            ),
            goals=tuple(found.get(("Goal", patient), ())),
        )
    return out


def _medication_atcs(
    conn: Connection, repo: FhirRepository, found: Mapping[tuple[str, str], list[dict[str, Any]]]
) -> dict[str, str]:
    """Medication id -> ATC code: the catalog's medicines by slug, others read from the store
    (one batched read) for their `code` coding in the ATC system."""
    refs = {
        str((request.get("medicationReference") or {}).get("reference", ""))
        for (kind, _), requests in found.items()
        if kind == "MedicationRequest"
        for request in requests
    }
    ids = {ref.removeprefix("Medication/") for ref in refs if ref.startswith("Medication/")}
    out: dict[str, str] = {}
    unknown = []
    for medication_id in ids:
        medicine = medicine_by_slug(medication_id.removeprefix("med-"))
        if medicine is not None:
            out[medication_id] = medicine.atc
        else:
            unknown.append(medication_id)
    for medication_id, version in repo.current_many(conn, "Medication", unknown).items():
        if not version.deleted:
            out[medication_id] = coded(version.resource().get("code"), ATC) or ""
    return out


def _medicine(request: Mapping[str, Any], atc_of: Mapping[str, str]) -> Medicine:
    atc = coded(request.get("medicationCodeableConcept"), ATC)
    if atc is None:
        ref = str((request.get("medicationReference") or {}).get("reference", ""))
        atc = atc_of.get(ref.removeprefix("Medication/"), "")
    return Medicine(
        reference=f"MedicationRequest/{request.get('id', '')}",
        atc=atc,
        status=str(request.get("status", "")),
        authored=parse_date(request.get("authoredOn")),
    )


def coded(concept: Any, system: str) -> str | None:
    """The first code of `system` in a CodeableConcept, or None."""
    if not isinstance(concept, Mapping):
        return None
    for coding in concept.get("coding") or ():
        if isinstance(coding, Mapping) and coding.get("system") == system:
            code = coding.get("code")
            if isinstance(code, str):
                return code
    return None


def codes(concept: Any) -> set[tuple[str, str]]:
    """Every (system, code) of a CodeableConcept."""
    if not isinstance(concept, Mapping):
        return set()
    return {
        (str(c.get("system", "")), c["code"])
        for c in concept.get("coding") or ()
        if isinstance(c, Mapping) and isinstance(c.get("code"), str)
    }


def parse_date(text: Any) -> date | None:
    """A FHIR date or dateTime as a date (UTC for instants); None when absent or malformed."""
    if not isinstance(text, str) or len(text) < 4:
        return None
    try:
        if len(text) <= 10:
            parts = [int(p) for p in text.split("-")]
            return date(parts[0], *[*parts[1:], 1, 1][:2])
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def when(resource: Mapping[str, Any]) -> date | None:
    """When a clinical resource happened: effective/performed/onset/recorded, first found."""
    for key in ("effectiveDateTime", "performedDateTime", "onsetDateTime", "recordedDate"):
        found = parse_date(resource.get(key))
        if found is not None:
            return found
    for key in ("effectivePeriod", "performedPeriod"):
        span = resource.get(key)
        if isinstance(span, Mapping):
            found = parse_date(span.get("start"))
            if found is not None:
                return found
    return parse_date(resource.get("issued"))
