"""`GET [base]/openapi.json`: the FHIR API as an OpenAPI 3.1 document, for client generators,
API gateways and fuzzers (tests/e2e/test_fuzz_openapi.py).

Spec: https://spec.openapis.org/oas/v3.1.0. Generated from the CapabilityStatement this server
answers at `metadata` (interactions/capabilities.py), never written by hand: resource types,
their interactions, search parameters with their types, and operations all come from it, so the
two documents cannot disagree. The OAuth and login routes are described by their own document,
`/openapi.json` at the server root.

Cost: the paths of 140-odd resource types take a few hundred milliseconds to build and weigh a
couple of megabytes, so they are built once per CapabilityStatement (a new one appears only when
custom SearchParameters change the search configuration) and kept serialized; each request adds
only the parts that depend on it (server URL, security endpoints).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import orjson

from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps

from .capabilities import capability_statement
from .context import Services
from .messages import FhirRequest, FhirResponse
from .openapi_schemas import (
    PARAMETERS,
    RESPONSES,
    SCHEMAS,
    fhir_body,
    ref,
    resource_schema,
    responses,
)
from .openapi_types import Paths, export_parameters, operation, param, type_paths

OPENAPI_VERSION = "3.1.0"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
_SYSTEM = "system"
_DOCUMENT_ANSWERS = {"200": {"description": "OpenAPI 3.1"}, "4XX": ref("responses", "Refused")}


@dataclass(frozen=True)
class _Parts:
    """The request-independent parts, serialized once; `rest` is the statement's own object."""

    rest: dict[str, Any]
    paths: orjson.Fragment
    schemas: orjson.Fragment


_lock = threading.Lock()
_cached: list[_Parts] = []  # at most one: the document of the search configuration in force


def openapi_document(services: Services, request: FhirRequest) -> FhirResponse:
    if request.method != "GET" or request.segments != ["openapi.json"]:
        raise errors.FhirError(
            405, [errors.Issue("not-supported", "openapi.json answers GET only")], {"Allow": "GET"}
        )
    statement: dict[str, Any] = capability_statement(services, request).body  # type: ignore[assignment]
    rest = statement["rest"][0]
    parts = _parts(rest)
    components: dict[str, Any] = {
        "schemas": parts.schemas,
        "parameters": PARAMETERS,
        "responses": RESPONSES,
    }
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": _info(statement),
        "servers": [{"url": request.base_url, "description": "FHIR R4 base URL"}],
        "paths": parts.paths,
        "components": components,
    }
    scheme = _security_scheme(rest.get("security"))
    if scheme is not None:
        components["securitySchemes"] = {"smart": scheme}
        document["security"] = [{"smart": []}]
    return FhirResponse(200, dumps(document), content_type="application/json")


def _parts(rest: dict[str, Any]) -> _Parts:
    """The cached parts when they were built from this very statement (the capabilities module
    caches it; with auth on it wraps the same `resource` list in a new `rest` each time)."""
    resources = rest["resource"]
    with _lock:
        if _cached and _cached[0].rest["resource"] is resources:
            return _cached[0]
    parts = _build(rest)
    with _lock:
        _cached[:] = [parts]
    return parts


def _build(rest: dict[str, Any]) -> _Parts:
    paths = _system_paths(rest)
    schemas = dict(SCHEMAS)
    for entry in rest["resource"]:
        paths.update(type_paths(entry))
        schemas[entry["type"]] = resource_schema(entry["type"])
    return _Parts(rest, orjson.Fragment(dumps(paths)), orjson.Fragment(dumps(schemas)))


def _info(statement: dict[str, Any]) -> dict[str, Any]:
    software = statement.get("software", {})
    return {
        "title": f"{software.get('name', 'FHIR')} FHIR R4 API",
        "version": software.get("version", "0"),
        "description": (
            f"FHIR {statement.get('fhirVersion', '4.0.1')} RESTful API "
            "(https://hl7.org/fhir/R4/http.html), generated from the CapabilityStatement at "
            "`metadata`. Bodies are FHIR JSON (application/fhir+json); every refusal is a 4xx "
            "with an OperationOutcome. OAuth and login routes: /openapi.json at the server root."
        ),
    }


def _security_scheme(security: dict[str, Any] | None) -> dict[str, Any] | None:
    """SMART on FHIR as an OAuth 2 scheme, from the statement's `oauth-uris` extension."""
    if not security:
        return None
    uris: dict[str, str] = {}
    for extension in security.get("extension", ()):
        if extension.get("url") == OAUTH_URIS:
            uris = {e["url"]: e["valueUri"] for e in extension.get("extension", ())}
    token = uris.get("token", "")
    return {
        "type": "oauth2",
        "description": security.get("description", "SMART on FHIR"),
        "flows": {
            "authorizationCode": {
                "authorizationUrl": uris.get("authorize", ""),
                "tokenUrl": token,
                "scopes": {},
            },
            "clientCredentials": {"tokenUrl": token, "scopes": {}},
        },
    }


def _system_paths(rest: dict[str, Any]) -> Paths:
    public: list[dict[str, Any]] = []  # readable without a token, like the statement itself
    paths: Paths = {
        "/metadata": {
            "get": operation(_SYSTEM, "capabilities", "The CapabilityStatement", responses("200"))
        },
        "/openapi.json": {"get": operation(_SYSTEM, "openapi", "This document", _DOCUMENT_ANSWERS)},
    }
    for item in paths.values():
        item["get"]["security"] = public
    declared = {item["code"] for item in rest.get("interaction", ())}
    if declared & {"transaction", "batch"}:
        paths["/"] = {
            "post": operation(
                _SYSTEM, "transaction", "A transaction or batch Bundle",
                responses("200", resource="Bundle"),
                requestBody=fhir_body(ref("schemas", "TransactionBundle")),
            )
        }  # fmt: skip
    if "history-system" in declared:
        paths["/_history"] = {
            "get": operation(
                _SYSTEM, "history-system", "History of every resource",
                responses("200", resource="Bundle"),
                parameters=[param("_since"), param("_count"), param("_cursor")],
            )
        }  # fmt: skip
    for declared_operation in rest.get("operation", ()):
        _system_operation(paths, declared_operation["name"])
    return paths


def _system_operation(paths: Paths, name: str) -> None:
    if name == "export":
        _bulk_export(paths)
    elif name == "reindex":
        paths["/$reindex"] = {
            "post": operation(
                _SYSTEM, "reindex", "Rebuild search indexes in the background", responses("202"),
                parameters=[param("_type")],
                requestBody=fhir_body(ref("schemas", "Parameters"), required=False),
            )
        }  # fmt: skip
        paths["/$reindex-status/{job}"] = {
            "parameters": [param("job")],
            "get": operation(
                _SYSTEM, "reindex-status", "A reindex job's progress",
                responses("200", resource="Parameters"),
            ),
        }  # fmt: skip
    elif name in ("arco-answer", "arco-execute"):  # Enlace's own: ARCO rights, administrators
        paths[f"/${name}"] = {
            "post": operation(
                _SYSTEM, name, f"${name} on an ARCO request", responses("200"),
                requestBody=fhir_body(ref("schemas", "Parameters")),
            )
        }  # fmt: skip
    elif name == "arco-export":
        paths["/$arco-export/{job}"] = {
            "parameters": [param("job")],
            "get": operation(
                _SYSTEM, name, "The copy of an executed ARCO access request",
                {**responses(), "200": {"description": "The patient's data (JSON)"}},
            ),
        }  # fmt: skip
    elif name != "validate":  # Resource-validate is type and instance level: see the types
        paths[f"/${name}"] = {
            "post": operation(
                _SYSTEM, name, f"${name}", responses("200", "202"),
                requestBody=fhir_body(ref("schemas", "Parameters"), required=False),
            )
        }  # fmt: skip


def _bulk_export(paths: Paths) -> None:
    """System kick-off and the Bulk Data async pattern's status and file URLs
    (https://hl7.org/fhir/uv/bulkdata/export.html)."""
    paths["/$export"] = {
        "get": operation(
            _SYSTEM, "export", "Bulk export of every type", responses("202"),
            parameters=export_parameters(),
        )
    }  # fmt: skip
    manifest = {"application/json": {"schema": {"type": "object"}}}
    paths["/$export-poll-status/{job}"] = {
        "parameters": [param("job")],
        "get": operation(
            _SYSTEM, "export-status", "A bulk export's status, then its manifest",
            {**responses("202"), "200": {"description": "Manifest", "content": manifest}},
        ),
        "delete": operation(_SYSTEM, "export-cancel", "Cancel a bulk export", responses("202")),
    }  # fmt: skip
    ndjson = {"application/fhir+ndjson": {"schema": {"type": "string"}}}
    paths["/$export-file/{job}/{file}"] = {
        "parameters": [param("job"), param("file")],
        "get": operation(
            _SYSTEM,
            "export-file",
            "One NDJSON file of a finished export",
            {**responses(), "200": {"description": "NDJSON", "content": ndjson}},
        ),
    }
