"""Adapting a module use case that answers in its own format to a FHIR type operation.

`module_operations` validates its body as an R4 resource and answers FHIR JSON. Some operations
need neither: `ViewDefinition/$run` (SQL-on-FHIR v2) takes a Parameters holding a
ViewDefinition, a type R4 lacks (the validator would refuse it), and answers JSON, NDJSON or
CSV rows. `raw_operation(use_case)` hands the use case the parsed JSON body, a read connection
and the asker's `Access`; the use case checks both (400/401/403 as FhirErrors) and returns the
bytes with their content type. Bootstrap registers it in `Services.type_operations` (the router
runs type operations registered for types R4 lacks before refusing unknown types); audit
happens in router.dispatch as for every interaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from enlace.security.access import Access
from enlace.store.repository import FhirRepository

from . import guard
from .context import Services, TypeOperation
from .messages import FhirRequest, FhirResponse

RawUseCase = Callable[[FhirRepository, Connection, Any, Access], tuple[bytes, str]]


def raw_operation(use_case: RawUseCase) -> TypeOperation:
    def run(services: Services, request: FhirRequest) -> FhirResponse:
        access = request.access or guard.NOBODY
        body = request.json()
        with services.reading() as conn:
            content, content_type = use_case(services.repo, conn, body, access)
        return FhirResponse(200, content, content_type=content_type)

    return run
