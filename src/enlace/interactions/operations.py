"""$validate: https://hl7.org/fhir/R4/resource-operation-validate.html

Answers 200 with an OperationOutcome that lists every issue (or says all is well); the resource may
come bare or inside a Parameters resource (parameter `resource`). `mode=delete` checks existence.
"""

from __future__ import annotations

from typing import Any

from enlace.kernel import errors
from enlace.kernel.errors import Issue, operation_outcome

from .context import Services
from .messages import FhirRequest, FhirResponse


def validate(
    services: Services, request: FhirRequest, resource_type: str, resource_id: str | None = None
) -> FhirResponse:
    body = request.json()
    mode = request.param("mode")
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        body, mode = _from_parameters(body, mode)
    if mode == "delete" and resource_id:
        with services.db.read() as conn:
            services.repo.read(conn, resource_type, resource_id)
        return _answer([])
    issues = services.validate(body, resource_type)
    if resource_id and isinstance(body, dict) and body.get("id") not in (None, resource_id):
        issues.append(
            Issue(
                "invalid",
                f"The body id '{body.get('id')}' does not match '{resource_id}'",
                f"{resource_type}.id",
            )
        )
    return _answer(issues)


def _from_parameters(parameters: dict[str, Any], mode: str | None) -> tuple[Any, str | None]:
    resource = None
    for parameter in parameters.get("parameter", []):
        if parameter.get("name") == "resource":
            resource = parameter.get("resource")
        elif parameter.get("name") == "mode":
            mode = parameter.get("valueCode", mode)
    if resource is None and mode != "delete":
        raise errors.bad_request(
            "Parameters for $validate need a 'resource' parameter", "Parameters.parameter"
        )
    return resource, mode


def _answer(issues: list[Issue]) -> FhirResponse:
    if not issues:
        issues = [Issue("informational", "Validation found no issues", severity="information")]
    return FhirResponse(200, operation_outcome(issues))
