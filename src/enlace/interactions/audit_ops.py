"""The audit trail as FHIR: `AuditEvent` read and search, and `Patient/[id]/$access-log`, the
patient's own view of every access to their record (who, role, organization, when, what, why),
as e-Estonia shows its citizens.

AuditEvents are not stored resources: they are the rows of the audit log (security/audit_log.py),
rendered on the way out. Who may list them: the platform, roles granted AuditEvent (regulator,
administrator), and for `$access-log` the patient and their caregivers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from enlace.kernel import errors
from enlace.search.query import non_negative_int, parse_instant_us
from enlace.security.audit_fhir import to_audit_event
from enlace.security.audit_log import search_audit
from enlace.security.tables import audit_log

from . import guard
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import bundle

_SEARCH = {"patient", "agent", "action", "date", "_count", "_cursor", "_format", "_pretty"}
_ACTIONS = {"C", "R", "U", "D", "E", "search", "login", "export"}


def access_log(services: Services, request: FhirRequest, patient_id: str) -> FhirResponse:
    access = request.access or guard.NOBODY
    own = access.role in ("patient", "caregiver") and patient_id in access.patients
    if not (own or access.unrestricted or _may_list(services, request)):
        raise errors.not_found(f"Patient/{patient_id} is not known")
    return _listing(services, request, {"patient": patient_id})


def search(services: Services, request: FhirRequest) -> FhirResponse:
    if not _may_list(services, request):
        raise errors.error(
            403, "forbidden", "The access token grants no scope to search AuditEvent"
        )
    criteria: dict[str, str] = {}
    for name, value in request.params:
        if name not in _SEARCH:
            raise errors.bad_request(f"Unsupported AuditEvent parameter '{name}'", name)
        if name in ("patient", "agent", "action"):
            criteria[name] = value.removeprefix("Patient/") if name == "patient" else value
        if name == "date":
            criteria[name] = value
    if "action" in criteria and criteria["action"] not in _ACTIONS:
        raise errors.bad_request(f"action must be one of {', '.join(sorted(_ACTIONS))}", "action")
    return _listing(services, request, criteria)


def read(services: Services, request: FhirRequest, event_id: str) -> FhirResponse:
    if not _may_list(services, request) or not event_id.isascii() or not event_id.isdigit():
        raise errors.not_found(f"AuditEvent/{event_id} is not known")
    if len(event_id) > 18:  # beyond any seq a BIGINT holds
        raise errors.not_found(f"AuditEvent/{event_id} is not known")
    with services.db.read() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == int(event_id))).mappings()
        found = row.first()
    if found is None:
        raise errors.not_found(f"AuditEvent/{event_id} is not known")
    return FhirResponse(200, to_audit_event(dict(found)))


def _may_list(services: Services, request: FhirRequest) -> bool:
    """A whole-type AuditEvent grant: narrowed grants are not offered for the audit trail."""
    visible = guard.visibility(services, request)
    return visible.permits_type("AuditEvent", "s") and visible.where("AuditEvent", "s") is None


def _listing(services: Services, request: FhirRequest, criteria: dict[str, str]) -> FhirResponse:
    count = min(
        non_negative_int("_count", request.param("_count") or "50"),
        services.settings.max_page_size,
    )
    cursor = request.param("_cursor")
    before = non_negative_int("_cursor", cursor) if cursor else None
    date = criteria.pop("date", None)
    since = parse_instant_us(date.removeprefix("ge"), "date") if date else None
    with services.db.read() as conn:
        rows = search_audit(
            conn,
            patient=criteria.get("patient"),
            agent=criteria.get("agent"),
            action=criteria.get("action"),
            since_us=since,
            count=count + 1,
            before_seq=before,
        )
    page, more = rows[:count], len(rows) > count
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{request.base_url}/AuditEvent/{row['seq']}",
            "resource": to_audit_event(row),
            "search": {"mode": "match"},
        }
        for row in page
    ]
    links = [{"relation": "self", "url": f"{request.base_url}/{request.path}"}]
    if more and page:
        links.append(
            {
                "relation": "next",
                "url": f"{request.base_url}/{request.path}?_count={count}&_cursor={page[-1]['seq']}",
            }
        )
    return FhirResponse(200, bundle("searchset", entries, links))
