"""Adapting a module use case that writes to a FHIR operation (e.g. `Claim/$submit`).

As module_operations.resource_operation (validated body, role check, the asker's grants on
every resource read on their behalf), but the use case runs in a write transaction: what it
stores commits with the answer, or nothing does.
"""

from __future__ import annotations

from . import guard
from .context import Services, TypeOperation
from .messages import FhirRequest, FhirResponse
from .module_operations import UseCase, _require_role, _resource_of


def writing_resource_operation(
    resource_type: str, roles: tuple[str, ...], use_case: UseCase
) -> TypeOperation:
    def run(services: Services, request: FhirRequest) -> FhirResponse:
        _require_role(request, roles, resource_type)
        body = services.checked_resource(_resource_of(request.json()), resource_type)
        with services.writing() as conn:

            def authorize(target_type: str, target_id: str) -> None:
                guard.check_existing(services, request, conn, target_type, target_id, "r")

            answer = use_case(services, conn, body, authorize)
        return FhirResponse(200, answer)

    return run
