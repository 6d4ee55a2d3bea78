"""The reusable parts of the OpenAPI document: schemas, parameters and responses (`components`).

Small on purpose: a resource body is a JSON object whose `resourceType` names the path's type
(the server's validator checks the rest against the R4 StructureDefinitions and answers 400 with
an OperationOutcome); search values get a pattern only where FHIR fixes their syntax (number,
date, quantity), so that generated examples reach the search engine instead of its parser.
"""

from __future__ import annotations

from typing import Any

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
FORM = "application/x-www-form-urlencoded"
NDJSON = "application/fhir+ndjson"

# https://hl7.org/fhir/R4/datatypes.html#id and search.html#prefix
ID_PATTERN = r"^[A-Za-z0-9\-\.]{1,64}$"
_PREFIX = r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?"
_NUMBER = r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"
_DATE = (
    r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)
# Search value syntax per parameter type (https://hl7.org/fhir/R4/search.html#ptypes).
VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "number": {"type": "string", "pattern": f"^{_PREFIX}{_NUMBER}$"},
    "date": {"type": "string", "pattern": f"^{_PREFIX}{_DATE}$"},
    "quantity": {"type": "string", "pattern": rf"^{_PREFIX}{_NUMBER}(\|[^|]*\|[^|]*)?$"},
}
_STRING = {"type": "string"}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def value_schema(search_type: str) -> dict[str, Any]:
    return ref("schemas", f"{search_type}-value") if search_type in VALUE_SCHEMAS else _STRING


def resource_schema(resource_type: str) -> dict[str, Any]:
    """A resource of one type: the shape every write and $validate body starts from."""
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {
            "resourceType": {"const": resource_type},
            "id": ref("schemas", "id"),
            "meta": ref("schemas", "Meta"),
        },
        "additionalProperties": True,
    }


def fhir_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {FHIR_JSON: {"schema": schema}}}


def fhir_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {FHIR_JSON: {"schema": schema}}


def responses(*success: str, resource: str = "Resource") -> dict[str, Any]:
    """Success codes with a FHIR body of `resource`, 204/304/202 without one, and 4XX."""
    answers: dict[str, Any] = {}
    for code in success:
        if code in ("202", "204", "304"):
            answers[code] = {"description": _BODYLESS[code]}
        else:
            answers[code] = {
                "description": "Success",
                "content": fhir_content(ref("schemas", resource)),
            }
    answers["4XX"] = ref("responses", "Refused")
    return answers


_BODYLESS = {
    "202": "Accepted: the job runs in the background (Content-Location: its status URL)",
    "204": "Done; nothing to return",
    "304": "Not modified (If-None-Match)",
}


def _header(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": _STRING, "description": text}


def _query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": text}


_COUNT = {"type": "integer", "minimum": 0}
PARAMETERS: dict[str, dict[str, Any]] = {
    "id": {"name": "id", "in": "path", "required": True, "schema": ref("schemas", "id")},
    "vid": {"name": "vid", "in": "path", "required": True, "schema": ref("schemas", "id")},
    "job": {"name": "job", "in": "path", "required": True, "schema": ref("schemas", "id")},
    "file": {"name": "file", "in": "path", "required": True, "schema": _STRING},
    "Prefer": _header("Prefer", "return=minimal|representation|OperationOutcome; handling=strict"),
    "If-Match": _header("If-Match", 'Optimistic locking: W/"<versionId>"'),
    "If-None-Match": _header("If-None-Match", 'W/"<versionId>": 304 when unchanged'),
    "If-None-Exist": _header("If-None-Exist", "Conditional create: search criteria"),
    "X-Break-Glass-Reason": _header(
        "X-Break-Glass-Reason", "Emergency access (clinical roles): why consent is set aside"
    ),
    "_count": _query("_count", _COUNT, "Page size"),
    "_cursor": _query("_cursor", _STRING, "Paging cursor, from a Bundle's next link"),
    "_since": _query("_since", _STRING, "FHIR instant: only versions after it"),
    "_type": _query("_type", _STRING, "Comma-separated resource types"),
    "_sort": _query("_sort", _STRING, "Comma-separated parameters, '-' for descending"),
    "_include": _query("_include", _STRING, "Type:param[:target], or *; also :iterate"),
    "_revinclude": _query("_revinclude", _STRING, "Type:param[:target]; also :iterate"),
    "_summary": _query(
        "_summary", {"enum": ["true", "false", "text", "data", "count"]}, "Summarized results"
    ),
    "_elements": _query("_elements", _STRING, "Comma-separated top-level elements"),
    "_total": _query("_total", {"enum": ["none", "estimate", "accurate"]}, "Whether to count"),
    "_pretty": _query("_pretty", {"enum": ["true", "false"]}, "Indented JSON"),
}
RESULT_PARAMETERS: tuple[str, ...] = (
    "_count", "_cursor", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total",
)  # fmt: skip

_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    "code": _STRING,
                    "diagnostics": _STRING,
                    "expression": {"type": "array", "items": _STRING},
                },
            },
        },
    },
}
_ANY_RESOURCE = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": _STRING, "id": ref("schemas", "id")},
}
_ENTRY_REQUEST = {
    "type": "object",
    "required": ["method", "url"],
    "properties": {
        "method": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]},
        "url": _STRING,
        "ifMatch": _STRING,
        "ifNoneExist": _STRING,
    },
}
_BUNDLE_IN = {
    "type": "object",
    "required": ["resourceType", "type"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"enum": ["transaction", "batch"]},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "fullUrl": _STRING,
                    "resource": ref("schemas", "Resource"),
                    "request": _ENTRY_REQUEST,
                },
            },
        },
    },
}
_PATCH_OPERATION = {
    "type": "object",
    "required": ["op", "path"],
    "properties": {
        "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
        "path": _STRING,
        "from": _STRING,
        "value": {},
    },
}
_PARAMETERS_RESOURCE = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"const": "Parameters"},
        "parameter": {
            "type": "array",
            "items": {"type": "object", "required": ["name"], "properties": {"name": _STRING}},
        },
    },
}
SCHEMAS: dict[str, Any] = {
    "id": {"type": "string", "pattern": ID_PATTERN},
    "Meta": {
        "type": "object",
        "properties": {
            "versionId": ref("schemas", "id"),
            "lastUpdated": _STRING,
            "profile": {"type": "array", "items": _STRING},
        },
    },
    "Resource": _ANY_RESOURCE,
    "Bundle": {**_ANY_RESOURCE, "properties": {"resourceType": {"const": "Bundle"}}},
    "OperationOutcome": _OUTCOME,
    "Parameters": _PARAMETERS_RESOURCE,
    "TransactionBundle": _BUNDLE_IN,
    "JsonPatch": {"type": "array", "items": _PATCH_OPERATION},
    "MergePatch": {"type": "object"},
    **{f"{kind}-value": schema for kind, schema in VALUE_SCHEMAS.items()},
}
RESPONSES = {
    "Refused": {
        "description": "Refused: an OperationOutcome naming each problem and where it is",
        "content": fhir_content(ref("schemas", "OperationOutcome")),
    }
}
