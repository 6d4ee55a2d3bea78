"""The CapabilityStatement: exactly what this server does, no more.

Spec: https://hl7.org/fhir/R4/capabilitystatement.html. Built once from the definitions and the
search layer's supported parameters, so adding a capability in code is what makes it appear here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from enlace import __version__
from enlace.fhir.definitions import FhirDefinitions
from enlace.search.basic import SUPPORTED

from .context import Services
from .messages import FhirRequest, FhirResponse

_TYPE_INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)
_PARAM_DOCS = {
    "_id": ("token", "http://hl7.org/fhir/SearchParameter/Resource-id", "Logical id"),
    "_lastUpdated": (
        "date",
        "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        "When the resource version last changed",
    ),
    "identifier": ("token", "", "Business identifier (system|value)"),
}


def capability_statement(services: Services, request: FhirRequest) -> FhirResponse:
    body = dict(_statement(services.definitions))
    body["date"] = services.started_at
    body["implementation"] = {"description": "Enlace FHIR server", "url": request.base_url}
    return FhirResponse(200, body)


@lru_cache(maxsize=4)
def _statement(definitions: FhirDefinitions) -> dict[str, Any]:
    resources = [_resource(definitions, name) for name in sorted(definitions.resource_types)]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "publisher": "Enlace",
        "kind": "instance",
        "software": {"name": "Enlace", "version": __version__},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json", "application/merge-patch+json"],
        "rest": [
            {
                "mode": "server",
                "resource": resources,
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    },
                    {
                        "name": "validate",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                    },
                ],
            }
        ],
    }


def _resource(definitions: FhirDefinitions, name: str) -> dict[str, Any]:
    params = [
        p
        for p in SUPPORTED
        if p != "identifier" or definitions.element(f"{name}.identifier") is not None
    ]
    entry: dict[str, Any] = {
        "type": name,
        "interaction": [{"code": code} for code in _TYPE_INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        "searchParam": [_param(p) for p in params],
        "operation": [
            {
                "name": "validate",
                "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
            }
        ],
    }
    if name in ("Patient", "Group"):
        entry["operation"].append(
            {
                "name": "export",
                "definition": f"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/{name.lower()}-export",
            }
        )
    return entry


def _param(name: str) -> dict[str, str]:
    kind, definition, doc = _PARAM_DOCS[name]
    param = {"name": name, "type": kind, "documentation": doc}
    if definition:
        param["definition"] = definition
    return param
