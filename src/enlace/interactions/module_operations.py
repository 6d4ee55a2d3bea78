"""Adapting a domain module's use case to a FHIR operation that takes one resource.

`POST [base]/{Type}/${name}` with a resource of that type in the body (or a Parameters with it
as `resource`), or with Parameters of the operation's own (`parameters_operation`), answered in
the same exchange. The adapter validates the body, checks that the
asker's role may call the operation, and hands the module an `authorize(type, id)` callback that
applies the asker's grants (interactions/guard.py) to every resource the module reads on their
behalf. Bootstrap builds these and registers them in `Services.type_operations`; audit happens
in router.dispatch as for every interaction. A reading use case gets a read connection (the
HTTP edge runs those on the event loop); one that writes (`writes=True`, e.g. `Claim/$submit`)
runs in a write transaction, so what it stores commits with the answer or nothing does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors

from . import guard
from .context import Services, TypeOperation
from .messages import FhirRequest, FhirResponse

Authorize = Callable[[str, str], None]


@dataclass(frozen=True)
class Asker:
    """Who calls the operation, handed to the use case as its `authorize` callback: calling it
    applies the asker's grants to a resource read on their behalf; the attributes let a use
    case check identity (a prescriber must be the signed-in physician's own Practitioner)."""

    check: Authorize
    kind: str  # user | client | internal
    role: str | None
    organization: str | None
    fhir_user: str | None

    def __call__(self, resource_type: str, resource_id: str) -> None:
        self.check(resource_type, resource_id)


UseCase = Callable[[Services, Connection, dict[str, Any], "Asker"], dict[str, Any]]


def resource_operation(
    resource_type: str, roles: tuple[str, ...], use_case: UseCase, *, writes: bool = False
) -> TypeOperation:
    """The operation takes one resource of `resource_type` (or a Parameters holding it)."""

    def body_of(services: Services, request: FhirRequest) -> dict[str, Any]:
        return services.checked_resource(_resource_of(request.json()), resource_type)

    return _operation(resource_type, roles, use_case, writes, body_of)


def parameters_operation(
    resource_type: str, roles: tuple[str, ...], use_case: UseCase, *, writes: bool = False
) -> TypeOperation:
    """The operation takes a (valid) Parameters resource, handed to the use case as it is."""

    def body_of(services: Services, request: FhirRequest) -> dict[str, Any]:
        return services.checked_resource(request.json(), "Parameters")

    return _operation(resource_type, roles, use_case, writes, body_of)


def _operation(
    resource_type: str,
    roles: tuple[str, ...],
    use_case: UseCase,
    writes: bool,
    body_of: Callable[[Services, FhirRequest], dict[str, Any]],
) -> TypeOperation:
    def run(services: Services, request: FhirRequest) -> FhirResponse:
        _require_role(request, roles, resource_type)
        body = body_of(services, request)
        with services.writing() if writes else services.reading() as conn:

            def authorize(target_type: str, target_id: str) -> None:
                guard.check_existing(services, request, conn, target_type, target_id, "r")

            access = request.access or guard.NOBODY
            asker = Asker(
                authorize, access.kind, access.role, access.organization, access.fhir_user
            )
            answer = use_case(services, conn, body, asker)
        return FhirResponse(200, answer)

    return run


def _require_role(request: FhirRequest, roles: tuple[str, ...], resource_type: str) -> None:
    """Users need one of the roles; system clients and the platform are limited by their
    scopes alone (checked on each resource read)."""
    access = request.access or guard.NOBODY
    if access.unrestricted or access.kind == "client" or access.role in roles:
        return
    raise errors.error(
        403, "forbidden", f"{resource_type} operations are for the roles {', '.join(roles)}"
    )


def _resource_of(body: Any) -> Any:
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        for parameter in body.get("parameter", []):
            if parameter.get("name") == "resource":
                return parameter.get("resource")
        raise errors.bad_request("Parameters need a 'resource' parameter", "Parameters.parameter")
    return body
