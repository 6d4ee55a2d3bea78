"""An AdverseEvent written through the FHIR API without a suspect drug is refused with an
OperationOutcome naming `AdverseEvent.suspectEntity`; with one it is created (both stores)."""

from __future__ import annotations

from typing import Any

import orjson

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch
from enlace.kernel.errors import FhirError
from enlace.security.access import Access

BASE = "http://enlace.test/fhir"


def post(services: Services, body: dict[str, Any]) -> FhirResponse:
    headers = {"content-type": "application/fhir+json"}
    request = FhirRequest("POST", "/AdverseEvent", [], headers, orjson.dumps(body), BASE,
                          access=Access.internal())  # fmt: skip
    try:
        return dispatch(services, request)
    except FhirError as exc:
        return outcome_response(exc)


def test_adverse_event_needs_a_suspect_drug(services: Services) -> None:
    body: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "subject": {"reference": "Patient/p1"},
        "event": {"text": "tos seca"},
    }
    refused = post(services, body)
    assert refused.status == 400
    outcome = refused.body if isinstance(refused.body, dict) else orjson.loads(refused.body or b"")
    (issue,) = outcome["issue"]
    assert issue["code"] == "required"
    assert issue["expression"] == ["AdverseEvent.suspectEntity"]
    body["suspectEntity"] = [{"instance": {"display": "Enalapril 10 mg"}}]
    assert post(services, body).status == 201
