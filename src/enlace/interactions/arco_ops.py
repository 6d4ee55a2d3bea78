"""ARCO rights over the FHIR API (the lifecycle itself is enlace.security.arco).

- `POST Patient/[id]/$arco-request` (Parameters: `kind`, `details` with parts): filed by the
  patient (or a caregiver of theirs) or an administrator; 201 with the request as a Task.
- `GET Patient/[id]/$arco-requests`: that patient's requests with status and deadlines.
- `POST $arco-answer` (`request`, `accepted`, `reason`) and `POST $arco-execute` (`request`,
  `version`*, `reason`): administrators only.
- `GET $arco-export/[request-id]`: the access copy, to its patient only (404 to anyone else).

A request is rendered as a FHIR Task: status requested/accepted/rejected/completed,
`restriction.period.end` the deadline running now, both deadlines as extensions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.security import arco
from enlace.security.arco_execute import ARCO_SYSTEM
from enlace.security.arco_export import export_path
from enlace.security.roles import PATIENT_ROLES

from . import guard
from .context import Services
from .messages import FhirRequest, FhirResponse
from .responses import bundle

KIND_SYSTEM = "https://enlace.health/fhir/CodeSystem/arco-right"
EXTENSION = "https://enlace.health/fhir/StructureDefinition/"
KIND_DISPLAY = {
    "access": "Acceso",
    "rectification": "Rectificación",
    "cancellation": "Cancelación",
    "opposition": "Oposición",
}
TASK_STATUS = {
    arco.FILED: "requested",
    arco.ANSWERED: "accepted",
    arco.REJECTED: "rejected",
    arco.EXECUTED: "completed",
}


def patient_operation(
    services: Services,
    request: FhirRequest,
    patient_id: str,
    operation: str,
    conn: Connection | None = None,
) -> FhirResponse:
    if operation == "$arco-request":
        _method(request, "POST", "Patient/[id]/$arco-request")
        return _file(services, request, patient_id, conn)
    if operation == "$arco-requests":
        _method(request, "GET", "Patient/[id]/$arco-requests")
        _require_titular(services, request, patient_id)
        with services.reading(conn) as reader:
            if not arco.patient_exists(reader, patient_id):
                raise errors.not_found(f"Patient/{patient_id} is not known")
            found = arco.list_for_patient(reader, patient_id)
        now = _now_us(services)
        entries = [_entry(task(r, request.base_url, now)) for r in found]
        return FhirResponse(200, bundle("searchset", entries, total=len(found)))
    raise errors.error(404, "not-supported", f"'Patient/{patient_id}/{operation}' is not supported")


def system_operation(
    services: Services, request: FhirRequest, segments: list[str], conn: Connection | None = None
) -> FhirResponse:
    head = segments[0]
    if head == "$arco-answer" and len(segments) == 1:
        _method(request, "POST", "$arco-answer")
        guard.require_administration(services, request, "Answering ARCO requests")
        return _answer(services, request, conn)
    if head == "$arco-execute" and len(segments) == 1:
        _method(request, "POST", "$arco-execute")
        guard.require_administration(services, request, "Executing ARCO requests")
        return _execute(services, request, conn)
    if head == "$arco-export" and len(segments) == 2:
        _method(request, "GET", "$arco-export")
        return _export(services, request, segments[1], conn)
    raise errors.error(404, "not-supported", f"'{request.path}' is not a supported URL")


def _file(
    services: Services, request: FhirRequest, patient_id: str, conn: Connection | None
) -> FhirResponse:
    _require_titular(services, request, patient_id)
    body = services.checked_resource(request.json(), "Parameters")
    kind = _value(body, "kind", required=True)
    access = request.access or guard.NOBODY
    with services.writing(conn) as writer:
        filed = arco.file_request(
            writer,
            patient_id=patient_id,
            kind=str(kind),
            details=_details(body),
            now_us=_now_us(services),
            settings=services.settings,
            filed_by=access.actor,
        )
    return FhirResponse(201, task(filed, request.base_url, _now_us(services)))


def _answer(services: Services, request: FhirRequest, conn: Connection | None) -> FhirResponse:
    body = services.checked_resource(request.json(), "Parameters")
    request_id = str(_value(body, "request", required=True))
    accepted = _value(body, "accepted", required=True)
    if not isinstance(accepted, bool):
        raise errors.bad_request("accepted must be a valueBoolean", "Parameters.parameter")
    access = request.access or guard.NOBODY
    with services.writing(conn) as writer:
        answered = arco.answer(
            writer,
            request_id,
            accepted=accepted,
            reason=str(_value(body, "reason") or ""),
            now_us=_now_us(services),
            settings=services.settings,
            answered_by=access.actor,
        )
    return FhirResponse(200, task(answered, request.base_url, _now_us(services)))


def _execute(services: Services, request: FhirRequest, conn: Connection | None) -> FhirResponse:
    body = services.checked_resource(request.json(), "Parameters")
    request_id = str(_value(body, "request", required=True))
    access = request.access or guard.NOBODY
    with services.writing(conn) as writer:
        done = arco.execute(
            writer,
            request_id,
            now_us=_now_us(services),
            settings=services.settings,
            repo=services.repo,
            versions=[str(v) for v in _values(body, "version")],
            retention_reason=str(_value(body, "reason") or "") or None,
            executed_by=access.actor,
            base_url=request.base_url,
        )
    return FhirResponse(200, task(done, request.base_url, _now_us(services)))


def _export(
    services: Services, request: FhirRequest, request_id: str, conn: Connection | None
) -> FhirResponse:
    """The copy answers its own patient (or their caregiver) only: anyone else, administrators
    included, gets the same 404 as for a request that does not exist."""
    missing = errors.not_found(f"No ARCO export '{request_id}'")
    with services.reading(conn) as reader:
        try:
            found = arco.get(reader, request_id)
        except errors.FhirError:
            raise missing from None
    access = request.access or guard.NOBODY
    mine = access.unrestricted or (
        access.role in PATIENT_ROLES and found.patient_id in access.patients
    )
    path = export_path(services.settings, request_id)
    if not mine or found.kind != "access" or found.status != arco.EXECUTED or not path.is_file():
        raise missing
    headers = {
        "X-File-Path": str(path),
        "Content-Disposition": f'attachment; filename="arco-{request_id}.json"',
    }
    return FhirResponse(200, None, headers)


def _require_titular(services: Services, request: FhirRequest, patient_id: str) -> None:
    """The patient themself (or a caregiver of theirs), or an administrator. Another patient's
    id is a 404, as if it did not exist, so a patient cannot probe ids."""
    access = request.access or guard.NOBODY
    if access.role in PATIENT_ROLES:
        if patient_id in access.patients:
            return
        raise errors.not_found(f"Patient/{patient_id} is not known")
    guard.require_administration(services, request, "ARCO requests for someone else")


def task(found: arco.ArcoRequest, base_url: str, now_us: int) -> dict[str, Any]:
    """The request as a FHIR Task (valid R4; never stored)."""
    moments = [found.filed_us, found.answered_us or 0, found.executed_us or 0]
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": found.id,
        "extension": _deadlines(found),
        "identifier": [{"system": ARCO_SYSTEM, "value": found.id}],
        "status": TASK_STATUS[found.status],
        "intent": "order",
        "code": {
            "coding": [
                {"system": KIND_SYSTEM, "code": found.kind, "display": KIND_DISPLAY[found.kind]}
            ]
        },
        "for": {"reference": f"Patient/{found.patient_id}"},
        "authoredOn": _instant(found.filed_us),
        "lastModified": _instant(max(moments)),
    }
    if found.overdue(now_us):
        resource["businessStatus"] = {"text": "Vencida: el plazo legal ya transcurrió"}
    if found.pending_due_us is not None:
        resource["restriction"] = {"period": {"end": _instant(found.pending_due_us)}}
    answer = found.details.get("answer")
    if answer and answer.get("reason"):
        resource["statusReason"] = {"text": answer["reason"]}
    inputs = _inputs(found.asked)
    if inputs:
        resource["input"] = inputs
    outputs = _outputs(found, base_url)
    if outputs:
        resource["output"] = outputs
    return resource


def _deadlines(found: arco.ArcoRequest) -> list[dict[str, Any]]:
    marks = [("arco-answer-due", found.answer_due_us), ("arco-execute-due", found.execute_due_us)]
    return [
        {"url": EXTENSION + name, "valueDateTime": _instant(at)}
        for name, at in marks
        if at is not None
    ]


def _inputs(asked: dict[str, Any]) -> list[dict[str, Any]]:
    inputs: list[dict[str, Any]] = []
    for key, value in asked.items():
        if key == "resources":
            inputs += [_typed(key, "valueReference", {"reference": ref}) for ref in value]
        elif key == "actor":
            inputs.append(_typed(key, "valueReference", {"reference": value}))
        elif value:
            inputs.append(_typed(key, "valueString", str(value)))
    return inputs


def _outputs(found: arco.ArcoRequest, base_url: str) -> list[dict[str, Any]]:
    result = found.details.get("result") or {}
    outputs: list[dict[str, Any]] = []
    if found.kind == "access" and "file" in result:
        outputs.append(_typed("export", "valueUrl", f"{base_url}/$arco-export/{found.id}"))
        outputs.append(_typed("resources", "valueInteger", int(result["resources"])))
    if "consent" in result:
        outputs.append(_typed("consent", "valueReference", {"reference": result["consent"]}))
    for version in result.get("versions", []):
        outputs.append(_typed("version", "valueReference", {"reference": version}))
    if "blocked" in result and found.kind == "cancellation":
        outputs.append(_typed("blocked", "valueInteger", int(result["resources"])))
        outputs.append(_typed("retention-reason", "valueString", str(result["reason"])))
    return outputs


def _typed(name: str, value_type: str, value: Any) -> dict[str, Any]:
    return {"type": {"text": name}, value_type: value}


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"resource": resource, "search": {"mode": "match"}}


def _details(body: dict[str, Any]) -> dict[str, Any]:
    """The `details` parameter's parts as named values; `resource` parts may repeat."""
    details: dict[str, Any] = {}
    for parameter in body.get("parameter", []):
        if parameter.get("name") != "details":
            continue
        for part in parameter.get("part", []):
            name, value = part.get("name", ""), _part_value(part)
            if name in ("resource", "resources"):
                details.setdefault("resources", []).append(value)
            elif name in details:
                raise errors.bad_request(f"details.{name} is given twice", f"details.{name}")
            else:
                details[name] = value
    return details


def _values(body: dict[str, Any], name: str) -> list[Any]:
    return [_part_value(p) for p in body.get("parameter", []) if p.get("name") == name]


def _value(body: dict[str, Any], name: str, required: bool = False) -> Any:
    found = _values(body, name)
    if len(found) > 1:
        raise errors.bad_request(f"Parameter '{name}' is given twice", name)
    if not found or found[0] in (None, ""):
        if required:
            raise errors.bad_request(f"Parameter '{name}' is required", name, "required")
        return None
    return found[0]


def _part_value(part: dict[str, Any]) -> Any:
    for key, value in part.items():
        if not key.startswith("value"):
            continue
        if key == "valueReference":
            return value.get("reference")
        if key == "valueCoding":
            return value.get("code")
        return value
    return None


def _method(request: FhirRequest, allowed: str, where: str) -> None:
    if request.method != allowed:
        raise errors.FhirError(
            405,
            [
                errors.Issue(
                    "not-supported",
                    f"{request.method} is not supported on {where}; allowed: {allowed}",
                )
            ],
            {"Allow": allowed},
        )


def _now_us(services: Services) -> int:
    return epoch_us(services.repo.clock())


def _instant(at_us: int) -> str:
    return fhir_instant(from_epoch_us(at_us))
