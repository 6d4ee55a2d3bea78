"""Maps a FhirRequest to its interaction: the FHIR RESTful API's URL grammar in one place.

Spec: https://hl7.org/fhir/R4/http.html#summary. Unknown resource types are 404, known URLs with
a method the server does not support are 405.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from sqlalchemy import Connection

from enlace.kernel import errors

from . import (
    arco_ops,
    audit_ops,
    bulk_export,
    crud,
    guard,
    history,
    openapi,
    operations,
    reindex_ops,
    search_type,
    transaction,
)
from .auditing import audited
from .capabilities import capability_statement
from .context import Services
from .messages import FhirRequest, FhirResponse


def dispatch(
    services: Services, request: FhirRequest, conn: Connection | None = None
) -> FhirResponse:
    if conn is not None:  # inside a transaction Bundle: its own dispatch runs the hooks
        return audited(services, request, lambda: _dispatch(services, request, conn), conn)
    reindex_ops.before_write(services, request)
    response = audited(services, request, lambda: _dispatch(services, request, conn))
    reindex_ops.after_write(services, request)  # custom SearchParameters changed
    return response


def _dispatch(services: Services, request: FhirRequest, conn: Connection | None) -> FhirResponse:
    segments = request.segments
    method = request.method
    if not segments:
        if method == "POST":
            return transaction.process_bundle(services, request, dispatch)
        raise _not_allowed(method, "the base URL", "POST")
    head = segments[0]
    if head == "metadata":
        _only(method, "GET", "metadata")
        return capability_statement(services, request)
    if head == "openapi.json":  # OpenAPI 3.1, generated from the CapabilityStatement
        return openapi.openapi_document(services, request)
    if head == "_history":
        _only(method, "GET", "_history")
        return history.history(services, request)
    if head == "$export":
        _only(method, "GET", "$export")
        return _export(services, request, "system")
    if head == "$export-poll-status" and len(segments) == 2:
        _check_job_id(segments[1])
        guard.check_owner(services, request, segments[1])
        return bulk_export.poll_or_cancel(services, request, segments[1])
    if head == "$export-file" and len(segments) == 3:
        _only(method, "GET", "$export-file")
        _check_job_id(segments[1])
        guard.check_owner(services, request, segments[1])
        return bulk_export.file(services, segments[1], segments[2])
    if head == "$reindex" and len(segments) == 1:
        _only(method, "POST", "$reindex")
        guard.require_administration(services, request, "$reindex")
        return reindex_ops.kick_off(services, request)
    if head == "$reindex-status" and len(segments) == 2:
        _only(method, "GET", "$reindex-status")
        guard.require_administration(services, request, "$reindex-status")
        return reindex_ops.status(services, request, segments[1])
    if head == "AuditEvent":  # served from the audit log, read-only
        return _audit_events(services, request, segments)
    if head.startswith("$arco-"):  # ARCO rights (LFPDPPP): answer, execute, export
        return arco_ops.system_operation(services, request, segments, conn)
    if is_type_operation(services, request) and head not in services.definitions.resource_types:
        # A module operation on a type R4 lacks (ViewDefinition/$run, interactions/view_run.py).
        return services.type_operations[(head, segments[1][1:])](services, request)
    resource_type = services.require_type(head)
    if len(segments) == 1:
        return _type_level(services, request, resource_type, conn)
    return _instance_level(services, request, resource_type, segments[1:], conn)


def is_single_resource(request: FhirRequest) -> bool:
    """Read, vread, create, update, patch or delete of one resource by id: short and bounded."""
    segments = request.segments
    if not segments or segments[0].startswith(("$", "_")) or segments[0] == "metadata":
        return False
    if len(segments) == 1:
        return request.method == "POST" and "if-none-exist" not in request.headers
    if segments[1].startswith(("$", "_")):
        return False
    if len(segments) == 2:
        return not request.params or request.method == "GET"
    return len(segments) == 4 and segments[2] == "_history" and request.method == "GET"


def is_type_operation(services: Services, request: FhirRequest) -> bool:
    """`POST [base]/{Type}/${name}` of a module operation (Services.type_operations): one
    resource in, one answer out, a few reads; bounded like the by-id reads."""
    segments = request.segments
    return (
        request.method == "POST"
        and len(segments) == 2
        and segments[1].startswith("$")
        and (segments[0], segments[1][1:]) in services.type_operations
    )


def _type_level(
    services: Services, request: FhirRequest, resource_type: str, conn: Connection | None
) -> FhirResponse:
    method = request.method
    if method == "GET":
        return search_type.search_type(services, request, resource_type, conn)
    if method == "POST":
        return crud.create(services, request, resource_type, conn)
    if method == "PUT":
        return crud.conditional_update(services, request, resource_type, conn)
    if method == "DELETE":
        return crud.conditional_delete(services, request, resource_type, conn)
    if method == "PATCH":
        return crud.conditional_patch(services, request, resource_type, conn)
    raise _not_allowed(method, resource_type, "GET, POST, PUT, PATCH, DELETE")


def _instance_level(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    rest: list[str],
    conn: Connection | None,
) -> FhirResponse:
    method, first = request.method, rest[0]
    if first == "_history" and len(rest) == 1:
        _only(method, "GET", f"{resource_type}/_history")
        return history.history(services, request, resource_type, conn=conn)
    if first == "_search" and len(rest) == 1:
        _only(method, "POST", f"{resource_type}/_search")
        return search_type.search_type(services, _form_search(request), resource_type, conn)
    if first == "$validate" and len(rest) == 1:
        _only(method, "POST", "$validate")
        return operations.validate(services, request, resource_type)
    if first == "$export" and len(rest) == 1 and resource_type == "Patient":
        _only(method, "GET", "Patient/$export")
        return _export(services, request, "patient")
    operation = services.type_operations.get((resource_type, first[1:]))
    if operation is not None and first.startswith("$") and len(rest) == 1:
        _only(method, "POST", f"{resource_type}/{first}")
        return operation(services, request)
    if first.startswith("$") or first.startswith("_"):
        raise errors.error(404, "not-supported", f"'{resource_type}/{first}' is not supported")
    # No resource can have such an id: answered without the database. Ids of dots alone are
    # R4-valid but turn URLs into path steps (Location: Patient/../_history/1).
    if not _FHIR_ID.fullmatch(first) or not first.strip("."):
        if method == "PUT":
            raise errors.bad_request(
                f"'{first[:80]}' is not a valid id (R4: [A-Za-z0-9-.], 1 to 64 characters)",
                f"{resource_type}.id",
            )
        raise errors.not_found(f"{resource_type}/{first[:80]} is not known")
    return _resource_level(services, request, resource_type, first, rest[1:], conn)


def _resource_level(
    services: Services,
    request: FhirRequest,
    resource_type: str,
    resource_id: str,
    rest: list[str],
    conn: Connection | None,
) -> FhirResponse:
    method = request.method
    where = f"{resource_type}/{resource_id}"
    if not rest:
        if method == "GET":
            return crud.read(services, request, resource_type, resource_id, conn)
        if method == "PUT":
            return crud.update(services, request, resource_type, resource_id, conn)
        if method == "PATCH":
            return crud.patch(services, request, resource_type, resource_id, conn)
        if method == "DELETE":
            return crud.delete(services, request, resource_type, resource_id, conn)
        raise _not_allowed(method, where, "GET, PUT, PATCH, DELETE")
    if rest == ["_history"]:
        _only(method, "GET", f"{where}/_history")
        return history.history(services, request, resource_type, resource_id, conn)
    if len(rest) == 2 and rest[0] == "_history":
        _only(method, "GET", f"{where}/_history/{rest[1]}")
        return crud.vread(services, request, resource_type, resource_id, rest[1], conn)
    if rest == ["$validate"]:
        _only(method, "POST", f"{where}/$validate")
        return operations.validate(services, request, resource_type, resource_id)
    if rest == ["$export"] and resource_type == "Group":
        _only(method, "GET", "Group/[id]/$export")
        return _export(services, request, "group", resource_id)
    if rest == ["$access-log"] and resource_type == "Patient":
        _only(method, "GET", "Patient/[id]/$access-log")
        return audit_ops.access_log(services, request, resource_id)
    if rest == ["$everything"] and resource_type == "Patient":
        _only(method, "GET", "Patient/[id]/$everything")
        return search_type.everything(services, request, resource_id, conn)
    if len(rest) == 1 and rest[0].startswith("$arco-") and resource_type == "Patient":
        return arco_ops.patient_operation(services, request, resource_id, rest[0], conn)
    if len(rest) == 1 and not rest[0].startswith(("$", "_")):
        _only(method, "GET", f"{where}/{rest[0]}")
        member_type = services.require_type(rest[0])
        compartment_of = (resource_type, resource_id)
        return search_type.search_type(services, request, member_type, conn, compartment_of)
    raise errors.error(404, "not-supported", f"'{request.path}' is not a supported URL")


def _audit_events(services: Services, request: FhirRequest, segments: list[str]) -> FhirResponse:
    _only(request.method, "GET", "AuditEvent (the audit trail is written by the server only)")
    if len(segments) == 1:
        return audit_ops.search(services, request)
    if len(segments) == 2:
        return audit_ops.read(services, request, segments[1])
    raise errors.error(404, "not-supported", f"'{request.path}' is not a supported URL")


def _export(
    services: Services, request: FhirRequest, level: str, group_id: str | None = None
) -> FhirResponse:
    guard.require_export(services, request)
    response = bulk_export.kick_off(services, request, level, group_id)
    job_id = response.headers["Content-Location"].rsplit("/", 1)[-1]
    guard.record_owner(services, request, job_id)
    return response


_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_JOB_ID = re.compile(r"[A-Za-z0-9\-]{1,64}")


def _check_job_id(job_id: str) -> None:
    """Job ids are UUIDs: anything else names no job (and never reaches a query or a path)."""
    if not _JOB_ID.fullmatch(job_id):
        raise errors.not_found(f"No export job '{job_id[:80]}'")


def _form_search(request: FhirRequest) -> FhirRequest:

    body = request.body.decode("utf-8", errors="replace")
    params = request.params + parse_qsl(body, keep_blank_values=True)
    return FhirRequest(
        "GET",
        request.path.rsplit("/", 1)[0],
        params,
        request.headers,
        b"",
        request.base_url,
        access=request.access,
    )


def _only(method: str, allowed: str, where: str) -> None:
    if method != allowed:
        raise _not_allowed(method, where, allowed)


def _not_allowed(method: str, where: str, allowed: str) -> errors.FhirError:
    return errors.FhirError(
        405,
        [
            errors.Issue(
                "not-supported", f"{method} is not supported on {where}; allowed: {allowed}"
            )
        ],
        {"Allow": allowed},
    )
