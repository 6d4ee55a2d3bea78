"""FHIR interactions dispatched in process with a given Access, as the HTTP edge would after
verifying a token: for authorization, audit and ARCO tests."""

from __future__ import annotations

from typing import Any

import orjson

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch
from enlace.kernel.errors import FhirError
from enlace.kernel.jsonutil import dumps
from enlace.security.access import Access

BASE = "http://testserver/fhir"


def call(
    services: Services, access: Access | None, method: str, url: str, body: Any = None
) -> FhirResponse:
    request = FhirRequest.from_url(method, url, BASE, access=access)
    if body is not None:
        request.headers["content-type"] = "application/fhir+json"
        request.body = orjson.dumps(body)
    try:
        return dispatch(services, request)
    except FhirError as exc:
        return outcome_response(exc)


def body_of(response: FhirResponse) -> dict[str, Any]:
    if isinstance(response.body, dict):
        parsed: dict[str, Any] = orjson.loads(dumps(response.body))
        return parsed
    loaded: dict[str, Any] = orjson.loads(response.body or b"{}")
    return loaded
