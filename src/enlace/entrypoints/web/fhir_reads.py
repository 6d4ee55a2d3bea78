"""The pages' way to the data: FHIR interactions through the router, as the signed-in person.

Every read goes through `enlace.interactions.router.dispatch` with the person's Access, so the
pages get exactly what the API would give them (scopes, compartments, consent), and each read
is in the audit trail and the patient's access log. Nothing here queries the store directly.
"""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import dispatch
from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps, loads
from enlace.security.access import Access

Resource = dict[str, Any]


class Reader:
    def __init__(
        self, services: Services, access: Access, base_url: str, source_ip: str | None
    ) -> None:
        self.services = services
        self.access = access
        self.base_url = base_url
        self.source_ip = source_ip

    def may_search(self, resource_type: str) -> bool:
        """Whether the role may search the type at all (a section without it is not shown,
        rather than failing the whole page)."""
        return bool(self.access.grants(resource_type, "s"))

    def read(self, resource_type: str, resource_id: str) -> Resource:
        """One resource; FhirError 404 when it is missing or hidden, 410 deleted, 403."""
        return self._get(f"{resource_type}/{resource_id}", [])

    def search(self, resource_type: str, params: list[tuple[str, str]]) -> Resource:
        """A searchset Bundle; callers always bound it with `_count`."""
        if not any(name == "_count" for name, _ in params):
            raise ValueError("page searches are bounded: pass _count")
        return self._get(resource_type, params)

    def operate(self, path: str, body: Resource) -> tuple[int, Resource]:
        """POST an operation (`MedicationRequest/$prescribe`) as the person: its status and
        answer, an OperationOutcome when refused (the page shows its messages)."""
        request = FhirRequest("POST", path, [], {}, base_url=self.base_url, access=self.access)
        request.headers["content-type"] = "application/fhir+json"
        request.body = dumps(body)
        request.source_ip = self.source_ip
        try:
            response = dispatch(self.services, request)
        except errors.FhirError as exc:
            return exc.status, exc.outcome()
        answer = response.body
        parsed = loads(answer if isinstance(answer, bytes) else dumps(answer))
        return response.status, parsed if isinstance(parsed, dict) else {}

    def _get(self, path: str, params: list[tuple[str, str]]) -> Resource:
        request = FhirRequest("GET", path, params, {}, base_url=self.base_url, access=self.access)
        request.source_ip = self.source_ip
        response = dispatch(self.services, request)
        if response.status != 200:
            raise errors.error(response.status, "exception", f"GET {path}: {response.status}")
        body = response.body
        # A Bundle arrives as a dict holding each stored resource as raw JSON (orjson.Fragment,
        # so the API never re-encodes them): one round trip makes it plain data.
        parsed = loads(body if isinstance(body, bytes) else dumps(body))
        if not isinstance(parsed, dict):
            raise errors.error(502, "exception", f"GET {path}: not a resource")
        return parsed


def matches(bundle: Resource) -> list[Resource]:
    """The resources a searchset found (not the included ones, not OperationOutcome warnings)."""
    return [
        entry["resource"]
        for entry in bundle.get("entry", [])
        if entry.get("search", {}).get("mode", "match") == "match" and "resource" in entry
    ]


def has_link(bundle: Resource, relation: str) -> bool:
    return any(link.get("relation") == relation for link in bundle.get("link", []))
