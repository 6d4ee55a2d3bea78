"""What the checks need from the patient's record, from the prefetch the client sent or, for a
key it left out, fetched by the service from this platform's own store with the client's
`fhirAuthorization` (the caller hands in `fetch`: a relative FHIR URL in, a resource or a
searchset Bundle out, under the token's grants). No token and no prefetch: 401, naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from enlace.kernel import errors

from .checks import Measurement, PatientFacts
from .hooks import HookRequest, P
from .orders import ATC_SYSTEM, order_of
from .rules_data import EGFR_CODES, PREGNANCY_ICD10, PREGNANCY_STATUS, PREGNANT_SNOMED

Fetch = Callable[[str], dict[str, Any]]
Resource = dict[str, Any]
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def gather(request: HookRequest, fetch: Fetch | None) -> dict[str, Resource]:
    """Every prefetch key of the service, from the request or fetched. With a token the
    patient is always read through it, even when prefetched: the cards that come from this
    platform's own records (coverage, care gaps) need the caller's access to the patient."""
    found: dict[str, Resource] = {}
    for key, template in request.service.prefetch.items():
        if key in request.prefetch and not (key == "patient" and fetch is not None):
            found[key] = request.prefetch[key]
            continue
        if fetch is None:
            raise errors.error(
                401,
                "login",
                f"prefetch '{key}' was not sent and there is no fhirAuthorization to fetch it "
                "with: send the prefetch or an access token for this patient",
                f"prefetch.{key}",
            )
        found[key] = _fetched(fetch, template.replace(P, request.patient_id), key)
    return found


def _fetched(fetch: Fetch, url: str, key: str) -> Resource:
    try:
        return fetch(url)
    except errors.FhirError as exc:
        if exc.status in (401, 403, 404):
            raise errors.error(
                403,
                "forbidden",
                f"fhirAuthorization does not grant reading {url.split('?')[0]} for this patient",
                f"prefetch.{key}",
            ) from exc
        raise


def entries(bundle: Resource | None, resource_type: str) -> Iterable[Resource]:
    for entry in (bundle or {}).get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == resource_type:
            yield resource


def facts_of(patient_id: str, data: dict[str, Resource]) -> PatientFacts:
    active = tuple(
        order_of(r, draft=False)
        for r in entries(data.get("medications"), "MedicationRequest")
        if r.get("status") == "active"
    )
    return PatientFacts(
        patient_id,
        active,
        latest_value(entries(data.get("labs"), "Observation"), EGFR_CODES),
        is_pregnant(data),
        tuple(_allergies(entries(data.get("allergies"), "AllergyIntolerance"))),
    )


def coverage_id(data: dict[str, Resource]) -> str | None:
    ids = [str(r["id"]) for r in entries(data.get("coverage"), "Coverage") if r.get("id")]
    return ids[0] if ids else None


def latest_value(observations: Iterable[Resource], codes: frozenset[str]) -> Measurement | None:
    """The most recent final/amended value of one of the codes (the order the client sent is
    not trusted: sorted here by effective date)."""
    best: tuple[str, float] | None = None
    for obs in observations:
        if obs.get("status") not in ("final", "amended", "corrected", None):
            continue
        if not any(c.get("code") in codes for c in (obs.get("code") or {}).get("coding") or []):
            continue
        value = (obs.get("valueQuantity") or {}).get("value")
        when = str(obs.get("effectiveDateTime") or obs.get("issued") or "")
        if isinstance(value, int | float) and (best is None or when > best[0]):
            best = (when, float(value))
    if best is None:
        return None
    return Measurement(best[1], _day(best[0]))


def is_pregnant(data: dict[str, Resource]) -> bool:
    for condition in entries(data.get("conditions"), "Condition"):
        if _codes(condition.get("code"), "http://snomed.info/sct") & PREGNANT_SNOMED:
            return True
        if any(c.startswith(PREGNANCY_ICD10) for c in _codes(condition.get("code"), ICD10)):
            return True
    statuses = [
        o
        for o in entries(data.get("labs"), "Observation")
        if any(c.get("code") == PREGNANCY_STATUS for c in (o.get("code") or {}).get("coding") or [])
    ]
    if not statuses:
        return False
    latest = max(statuses, key=lambda o: str(o.get("effectiveDateTime") or ""))
    return bool(
        _codes(latest.get("valueCodeableConcept"), "http://snomed.info/sct") & PREGNANT_SNOMED
    )


def _codes(concept: Any, system: str) -> set[str]:
    codings = (concept or {}).get("coding") or [] if isinstance(concept, dict) else []
    return {str(c.get("code")) for c in codings if c.get("system") == system}


def _allergies(found: Iterable[Resource]) -> Iterable[tuple[str, str]]:
    for allergy in found:
        status = _codes(
            allergy.get("clinicalStatus"),
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
        )
        if status and "active" not in status:
            continue
        for atc in _codes(allergy.get("code"), ATC_SYSTEM):
            yield atc.upper(), str((allergy.get("code") or {}).get("text") or atc)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


__all__ = ["Fetch", "coverage_id", "entries", "facts_of", "gather", "latest_value"]
