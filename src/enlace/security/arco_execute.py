"""Carrying out an accepted ARCO request: rectification, cancellation and opposition.

(Access, the export of the whole record, is enlace.security.arco_export.) Each function runs in
the caller's write transaction and returns what it did, which the request keeps as its result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.search import compartment
from enlace.store.repository import FhirRepository
from enlace.store.schema import resource_history, resources

from . import blocking, consent
from .arco_details import parse_reference
from .consent import PURPOSE_SYSTEM

# NOM-004-SSA3-2012 (Del expediente clínico), 5.4: the clinical record is kept for at least
# five years from the last act recorded in it.
DEFAULT_RETENTION_REASON = (
    "NOM-004-SSA3-2012, numeral 5.4: el expediente clínico se conserva al menos 5 años "
    "contados a partir de la fecha del último acto médico"
)
ARCO_SYSTEM = "https://enlace.health/fhir/arco-request"
_PAGE = 1000


def record_keys(conn: Connection, patient_id: str) -> Iterator[tuple[str, str]]:
    """Every current resource of the patient's compartment (the Patient too), page by page."""
    cursor: str | None = None
    while True:
        page = compartment.everything(conn, patient_id, None, None, _PAGE, cursor)
        yield from (
            (found.resource_type, found.id)
            for found in page.members
            if own(patient_id, found.resource_type, found.id)
        )
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def own(patient_id: str, resource_type: str, resource_id: str) -> bool:
    """False for another Patient that is in the compartment only because its `link` points at
    this one: anyone who may write a Patient could make such a link (as security.visibility)."""
    return resource_type != "Patient" or resource_id == patient_id


def in_record(
    conn: Connection, patient_id: str, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (type, id) are current members of the patient's compartment."""
    by_type: dict[str, list[str]] = {}
    for resource_type, resource_id in keys:
        by_type.setdefault(resource_type, []).append(resource_id)
    found: set[tuple[str, str]] = set()
    r = resources.c
    for resource_type, ids in by_type.items():
        if not blocking.blockable(resource_type):
            continue  # not patient data: never part of anyone's record
        member = compartment.compartment_condition(resources, "Patient", patient_id, resource_type)
        query = select(r.id).where(
            r.resource_type == resource_type, r.id.in_(ids), r.deleted.is_(False), member
        )
        found.update(
            (resource_type, row[0])
            for row in conn.execute(query)
            if own(patient_id, resource_type, row[0])
        )
    return found


def require_in_record(conn: Connection, patient_id: str, references: Sequence[str]) -> None:
    """400 naming the first reference that is not in the patient's record (missing and someone
    else's alike, so the answer tells nothing about other records)."""
    keys = [parse_reference(ref, "details.resources") for ref in references]
    members = in_record(conn, patient_id, keys)
    for index, key in enumerate(keys):
        if key not in members:
            raise errors.bad_request(
                f"{key[0]}/{key[1]} is not in the record of Patient/{patient_id}",
                f"details.resources[{index}]",
            )


def rectification(conn: Connection, patient_id: str, versions: Sequence[str]) -> dict[str, Any]:
    """Record the versions a clinician wrote to apply the correction (through the normal FHIR
    update, so validation, authorization and history apply): each must exist and be a version
    of a resource in the patient's record."""
    if not versions:
        raise errors.bad_request(
            "A rectification is carried out by updating the record: name the resulting "
            "versions (Type/id/_history/n)",
            "version",
            "required",
        )
    parsed = [_version_key(value) for value in versions]
    members = in_record(conn, patient_id, [(t, i) for t, i, _ in parsed])
    h = resource_history.c
    for index, (resource_type, resource_id, version) in enumerate(parsed):
        exists = conn.execute(
            select(h.version_id).where(
                and_(h.resource_type == resource_type, h.id == resource_id, h.version_id == version)
            )
        ).first()
        if exists is None or (resource_type, resource_id) not in members:
            raise errors.bad_request(
                f"{resource_type}/{resource_id}/_history/{version} is not a version of a "
                f"resource in the record of Patient/{patient_id}",
                f"version[{index}]",
            )
    return {"versions": [f"{t}/{i}/_history/{v}" for t, i, v in parsed]}


def cancellation(
    conn: Connection,
    request_id: str,
    patient_id: str,
    listed: Sequence[str] | None,
    *,
    reason: str,
    now_us: int,
) -> dict[str, Any]:
    """Block the whole record (`listed` None) or the listed resources still in it; nothing is
    deleted. Listed resources that left the record since filing are reported, not blocked."""
    if listed is None:
        keys = set(record_keys(conn, patient_id))
        gone: list[str] = []
    else:
        wanted = [parse_reference(ref, "details.resources") for ref in listed]
        keys = in_record(conn, patient_id, wanted)
        gone = [f"{t}/{i}" for t, i in wanted if (t, i) not in keys]
    newly = blocking.block(
        conn, keys, patient_id=patient_id, reason=reason, now_us=now_us, request_id=request_id
    )
    result: dict[str, Any] = {"blocked": newly, "resources": len(keys), "reason": reason}
    if gone:
        result["not_in_record"] = gone
    return result


def opposition(
    conn: Connection,
    repo: FhirRepository,
    request_id: str,
    patient_id: str,
    details: dict[str, Any],
    now_us: int,
) -> dict[str, Any]:
    """An active Consent denying the opposed purpose and/or actor, written through the
    repository (versioned, indexed): security.consent enforces it on every later access."""
    version = repo.create(conn, opposition_consent(request_id, patient_id, details, now_us))
    consent.invalidate()  # enforced by this process from the next request on
    return {"consent": f"Consent/{version.id}"}


def opposition_consent(
    request_id: str, patient_id: str, details: dict[str, Any], now_us: int
) -> dict[str, Any]:
    deny: dict[str, Any] = {"type": "deny"}
    if details.get("purpose"):
        deny["purpose"] = [{"system": PURPOSE_SYSTEM, "code": details["purpose"]}]
    if details.get("actor"):
        role = {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "IRCP",  # information recipient
        }
        deny["actor"] = [{"role": {"coding": [role]}, "reference": {"reference": details["actor"]}}]
    return {
        "resourceType": "Consent",
        "identifier": [{"system": ARCO_SYSTEM, "value": request_id}],
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": fhir_instant(from_epoch_us(now_us)),
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT"}
            ]
        },
        # The network shares for treatment by default (permit); the opposition is the deny.
        "provision": {"type": "permit", "provision": [deny]},
    }


def _version_key(value: str) -> tuple[str, str, int]:
    text = value.strip() if isinstance(value, str) else ""
    head, marker, number = text.partition("/_history/")
    if not marker or not number.isdigit():
        raise errors.bad_request(f"version: '{value}' is not Type/id/_history/n", "version")
    resource_type, resource_id = parse_reference(head, "version")
    return resource_type, resource_id, int(number)
