"""$reindex: rebuild search index rows in the background, and watch the job.

- `POST [base]/$reindex` (optional `_type=A,B` in the URL or in a Parameters body, repeated or
  comma-separated): queues a job and runs it on the process's background executor; 202 with
  `Content-Location: [base]/$reindex-status/<job-id>`.
- `GET [base]/$reindex-status/<job-id>`: 200 Parameters (`status`, `done`, `total`, `types`,
  `started`, and `error` when it failed); 404 for an unknown job.

Also the SearchParameter write hook the router calls: `search_parameters_changed`.
"""

from __future__ import annotations

from typing import Any

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.search import reindex, reindex_runner
from enlace.search.custom_params import SEARCH_PARAMETER
from enlace.search.runtime import refresh_if_stale

from .context import Services
from .messages import FhirRequest, FhirResponse

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KNOWN = {"_type", "_format", "_pretty"}


def kick_off(services: Services, request: FhirRequest) -> FhirResponse:
    types = _types(services, request)
    config = refresh_if_stale(services)
    job_id = reindex.queue(services.db, types, config.fingerprint)
    reindex_runner.submit(services, job_id)
    status_url = f"{request.base_url}/$reindex-status/{job_id}"
    return FhirResponse(202, None, {"Content-Location": status_url})


def _types(services: Services, request: FhirRequest) -> list[str]:
    unknown = [name for name, _ in request.params if name not in _KNOWN]
    if unknown:
        raise errors.bad_request(f"Unsupported $reindex parameter '{unknown[0]}'", unknown[0])
    values = [value for name, value in request.params if name == "_type"]
    if request.body or request.parsed_body is not None:
        body = request.json()
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise errors.bad_request("The $reindex body, when there is one, is a Parameters")
        for index, parameter in enumerate(body.get("parameter") or ()):
            name = parameter.get("name") if isinstance(parameter, dict) else None
            if name != "_type":
                raise errors.bad_request(
                    f"Unsupported $reindex parameter '{name}'", f"Parameters.parameter[{index}]"
                )
            value = parameter.get("valueString", parameter.get("valueCode"))
            if not isinstance(value, str):
                raise errors.bad_request(
                    "_type takes a valueString or valueCode", f"Parameters.parameter[{index}]"
                )
            values.append(value)
    types = sorted({t.strip() for value in values for t in value.split(",") if t.strip()})
    for resource_type in types:
        if resource_type not in services.definitions.resource_types:
            raise errors.bad_request(f"Unknown resource type '{resource_type}' in _type", "_type")
    return types


def status(services: Services, request: FhirRequest, job_id: str) -> FhirResponse:
    job = reindex.get(services.db, job_id)
    if job is None:
        raise errors.not_found(f"No reindex job '{job_id}'")
    parameters: list[dict[str, Any]] = [
        {"name": "status", "valueCode": job.status},
        {"name": "done", "valueInteger": job.done},
        {"name": "total", "valueInteger": job.total},
        {"name": "types", "valueString": ",".join(job.types) or "*"},
        {"name": "started", "valueInstant": fhir_instant(from_epoch_us(job.created_us))},
    ]
    if job.error:
        parameters.append({"name": "error", "valueString": job.error})
    return FhirResponse(200, {"resourceType": "Parameters", "parameter": parameters})


# -- the SearchParameter hook ---------------------------------------------------------------------


def before_write(services: Services, request: FhirRequest) -> None:
    """Before a REST write: pick up SearchParameter changes of other processes (throttled), so
    the resource is indexed with the parameters in force."""
    if request.method in _WRITES:
        refresh_if_stale(services)


def after_write(services: Services, request: FhirRequest) -> None:
    """After a REST write committed: when it wrote SearchParameters, install the new registry now
    (the runtime's listener queues the reindex job for their base types)."""
    if request.method in _WRITES and _touches_search_parameters(request):
        refresh_if_stale(services, force=True)


def _touches_search_parameters(request: FhirRequest) -> bool:
    segments = request.segments
    if segments:
        return segments[0] == SEARCH_PARAMETER
    body = request.parsed_body
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        return False
    for entry in body["entry"]:
        if not isinstance(entry, dict):
            continue
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") == SEARCH_PARAMETER:
            return True
        url = entry.get("request", {}).get("url") if isinstance(entry.get("request"), dict) else ""
        if isinstance(url, str) and url.lstrip("/").startswith(SEARCH_PARAMETER):
            return True
    return False
