"""The CapabilityStatement: exactly what this server does, no more.

Spec: https://hl7.org/fhir/R4/capabilitystatement.html. Built once from the definitions and the
search layer's supported parameters, so adding a capability in code is what makes it appear here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from enlace import __version__
from enlace.fhir.definitions import FhirDefinitions
from enlace.search.registry import SearchParam
from enlace.search.runtime import SearchConfig

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
_NATIVE_PARAMS = {
    "_id": ("token", "http://hl7.org/fhir/SearchParameter/Resource-id", "Logical id"),
    "_lastUpdated": (
        "date",
        "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        "When the resource version last changed",
    ),
}
_SEARCH_DOC = (
    "Search per https://hl7.org/fhir/R4/search.html: prefixes, modifiers, chaining, _has, "
    "_include/_revinclude (:iterate), _sort, _count with cursor paging, _total, _summary, "
    "_elements. Unknown parameters are ignored with a warning unless Prefer: handling=strict."
)


def capability_statement(services: Services, request: FhirRequest) -> FhirResponse:
    body = dict(_statement(services.definitions, services.search.current()))
    body["date"] = services.started_at
    body["implementation"] = {"description": "Enlace FHIR server", "url": request.base_url}
    if services.type_operations:
        body["rest"] = [_with_operations(body["rest"][0], services.type_operations)]
    if services.settings.auth_enabled:
        body["rest"] = [{**body["rest"][0], "security": _security(request.base_url)}]
    if services.observation_sources:
        body["rest"] = [_with_readings(body["rest"][0])]
    if services.resource_capabilities:
        body["rest"] = [_with_elements(body["rest"][0], services.resource_capabilities)]
    return FhirResponse(200, body)


def _with_elements(rest: dict[str, Any], elements: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A module's elements (Services.resource_capabilities) on copies of its types' entries."""
    resources = [
        {**entry, **elements[entry["type"]]} if entry["type"] in elements else entry
        for entry in rest["resource"]
    ]
    return {**rest, "resource": resources}


_READINGS_DOC = (
    "Home-device readings are Observations too: a search of one patient (patient or subject) "
    "with code, date (eq/ge/gt/le/lt), category, _count, _sort=date|-date or _total merges them "
    "with the stored Observations by date; other parameters search the stored ones only, with a "
    "warning. A reading is read by its id mr-<device>-<code>-<microseconds>; readings are not "
    "written through this API (devices send them to /devices/{id}/readings or over MQTT)."
)


def _with_readings(rest: dict[str, Any]) -> dict[str, Any]:
    resources = [
        {**entry, "documentation": _READINGS_DOC} if entry["type"] == "Observation" else entry
        for entry in rest["resource"]
    ]
    return {**rest, "resource": resources}


def _security(base_url: str) -> dict[str, Any]:
    """SMART App Launch's declaration of the OAuth endpoints (also in
    .well-known/smart-configuration, which clients should prefer)."""
    server = base_url.removesuffix("/fhir")
    oauth = [
        {"url": "authorize", "valueUri": f"{server}/auth/authorize"},
        {"url": "token", "valueUri": f"{server}/auth/token"},
    ]
    return {
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": oauth,
            }
        ],
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "description": "SMART on FHIR v2 scopes (patient/, user/, system/) on every interaction; "
        "patient consent and break-glass (X-Break-Glass-Reason); every access audited.",
    }


@lru_cache(maxsize=4)
def _statement(definitions: FhirDefinitions, config: SearchConfig) -> dict[str, Any]:
    resources = [_resource(config, name) for name in sorted(definitions.resource_types)]
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
                "documentation": _SEARCH_DOC,
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
                    *(
                        {"name": name, "definition": f"{ENLACE_OPERATIONS}/{name}"}
                        for name in ("reindex", "arco-answer", "arco-execute", "arco-export")
                    ),
                    {
                        # ViewDefinition is not an R4 type: the operation is listed here, at
                        # the system level, with the URL it answers on (docs/analytics.md).
                        "name": "run",
                        "definition": "http://sql-on-fhir.org/OperationDefinition/$run",
                        "documentation": "POST ViewDefinition/$run: a SQL-on-FHIR v2 view "
                        "(Parameters.viewResource) over inline or stored resources; "
                        "_format json, ndjson or csv",
                    },
                ],
            }
        ],
    }


ENLACE_OPERATIONS = "https://enlace.health/fhir/OperationDefinition"


def _with_operations(rest: dict[str, Any], operations: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The domain modules' operations (Services.type_operations, registered by bootstrap)
    added to copies of their types' entries: the cached statement is shared."""
    added: dict[str, list[dict[str, str]]] = {}
    for resource_type, name in sorted(operations):
        definition = f"{ENLACE_OPERATIONS}/{resource_type}-{name}"
        added.setdefault(resource_type, []).append({"name": name, "definition": definition})
    resources = [
        {**entry, "operation": [*entry.get("operation", []), *added[entry["type"]]]}
        if entry["type"] in added
        else entry
        for entry in rest["resource"]
    ]
    return {**rest, "resource": resources}


def _audit_event() -> dict[str, Any]:
    """AuditEvents are the audit log rendered (interactions/audit_ops.py): read and a search on
    four parameters, for auditors; nobody writes them through the API."""
    params = [
        {"name": "patient", "type": "reference", "documentation": "whose record was accessed"},
        {"name": "agent", "type": "reference", "documentation": "user or client id, or fhirUser"},
        {"name": "action", "type": "token", "documentation": "C R U D E search login export"},
        {"name": "date", "type": "date", "documentation": "recorded at or after (ge only)"},
    ]
    return {
        "type": "AuditEvent",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": params,
    }


def _resource(config: SearchConfig, name: str) -> dict[str, Any]:
    """Exactly the parameters that work for the type: the native ones and every registry
    parameter the indexer writes rows for (those whose expression compiles)."""
    if name == "AuditEvent":
        return _audit_event()
    indexed = config.indexer.indexed_codes(name)
    registered = config.registry.for_type(name)
    params = [_native(code) for code in _NATIVE_PARAMS]
    params += [_param(registered[code]) for code in sorted(indexed)]
    references = sorted(c for c in indexed if registered[c].type == "reference")
    entry: dict[str, Any] = {
        "type": name,
        "interaction": [{"code": code} for code in _TYPE_INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        "searchParam": params,
        "searchInclude": ["*", *(f"{name}:{code}" for code in references)],
        "searchRevInclude": sorted(_revincludes(config, name)),
        "operation": [
            {
                "name": "validate",
                "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
            }
        ],
    }
    if name == "Patient":
        entry["operation"] += [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            },
            # Enlace's own (docs/security.md): the patient's access log and ARCO requests.
            {"name": "access-log", "definition": f"{ENLACE_OPERATIONS}/Patient-access-log"},
            {"name": "arco-request", "definition": f"{ENLACE_OPERATIONS}/Patient-arco-request"},
            {"name": "arco-requests", "definition": f"{ENLACE_OPERATIONS}/Patient-arco-requests"},
        ]
    if name in ("Patient", "Group"):
        entry["operation"].append(
            {
                "name": "export",
                "definition": f"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/{name.lower()}-export",
            }
        )
    return entry


def _native(name: str) -> dict[str, str]:
    kind, definition, doc = _NATIVE_PARAMS[name]
    return {"name": name, "type": kind, "definition": definition, "documentation": doc}


def _param(param: SearchParam) -> dict[str, str]:
    entry = {"name": param.code, "type": param.type, "definition": param.url}
    if param.name:
        entry["documentation"] = param.name
    return entry


def _revincludes(config: SearchConfig, target: str) -> set[str]:
    """`Source:param` for every indexed reference parameter that can point at `target`."""
    found = set()
    for source in config.registry.resource_types:
        registered = config.registry.for_type(source)
        for code in config.indexer.indexed_codes(source):
            param = registered[code]
            if param.type == "reference" and (not param.target or target in param.target):
                found.add(f"{source}:{code}")
    return found
