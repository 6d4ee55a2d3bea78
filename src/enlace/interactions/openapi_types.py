"""OpenAPI paths of one resource type, from its CapabilityStatement `rest.resource` entry.

Each declared interaction becomes the operation R4's RESTful API defines for it
(https://hl7.org/fhir/R4/http.html); each declared search parameter a query parameter of the
search (and of the conditional interactions, whose criteria are searches); each declared operation
its path. Nothing is added that the entry does not declare.
"""

from __future__ import annotations

from typing import Any

from .openapi_schemas import (
    FORM,
    JSON_PATCH,
    MERGE_PATCH,
    RESULT_PARAMETERS,
    fhir_body,
    ref,
    responses,
    value_schema,
)

Paths = dict[str, dict[str, Any]]


def type_paths(entry: dict[str, Any]) -> Paths:
    name: str = entry["type"]
    declared = {item["code"] for item in entry.get("interaction", ())}
    search = [_search_parameter(param) for param in entry.get("searchParam", ())]
    paths: Paths = {}
    _type_level(paths, entry, declared, search)
    _instance_level(paths, name, declared)
    for operation in entry.get("operation", ()):
        _operation(paths, name, operation)
    created = paths[f"/{name}"].get("post")
    if created is not None:
        created["responses"]["201"]["links"] = _links(name, paths)
    return {path: item for path, item in paths.items() if item}


def param(name: str) -> dict[str, str]:
    return ref("parameters", name)


def operation(
    name: str, interaction: str, summary: str, answers: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return {
        "operationId": f"{name}-{interaction}",
        "tags": [name],
        "summary": summary,
        **{key: value for key, value in fields.items() if value},
        "responses": answers,
    }


# What a client can do next with the resource a create returned (OpenAPI links): the stateful
# phase of a fuzzer follows them, so reads, updates and deletes meet ids that exist.
_BY_ID = {"id": "$response.body#/id"}
_NEXT = {
    "read": ("/{id}", _BY_ID),
    "update": ("/{id}", _BY_ID),
    "patch": ("/{id}", _BY_ID),
    "delete": ("/{id}", _BY_ID),
    "history-instance": ("/{id}/_history", _BY_ID),
    "vread": ("/{id}/_history/{vid}", {**_BY_ID, "vid": "$response.body#/meta/versionId"}),
    "everything": ("/{id}/$everything", _BY_ID),
}


def _links(name: str, paths: Paths) -> dict[str, Any]:
    links: dict[str, Any] = {}
    for interaction, (suffix, parameters) in _NEXT.items():
        operation_id = f"{name}-{interaction}"
        item = paths.get(f"/{name}{suffix}", {})
        if not any(op.get("operationId") == operation_id for op in _ops(item)):
            continue
        link: dict[str, Any] = {"operationId": operation_id, "parameters": parameters}
        if interaction == "update":  # the same resource back: an update that changes nothing
            link["requestBody"] = "$response.body"
        links[interaction] = link
    return links


def _ops(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for key, op in item.items() if key != "parameters" and isinstance(op, dict)]


def _search_parameter(declared: dict[str, Any]) -> dict[str, Any]:
    kind = declared.get("type", "string")
    text = f"{kind} search parameter"
    if declared.get("documentation"):
        text += f": {declared['documentation']}"
    return {
        "name": declared["name"],
        "in": "query",
        "required": False,
        "schema": value_schema(kind),
        "description": text,
        "x-fhir-search-type": kind,
    }


def _type_level(
    paths: Paths, entry: dict[str, Any], declared: set[str], search: list[dict[str, Any]]
) -> None:
    name: str = entry["type"]
    body = fhir_body(ref("schemas", name))
    criteria = [*search, param("Prefer")]
    level: dict[str, Any] = {}
    if "search-type" in declared:
        results = [param(p) for p in RESULT_PARAMETERS]
        level["get"] = operation(
            name, "search-type", f"Search {name}", responses("200", resource="Bundle"),
            parameters=[*search, *results, param("Prefer"), param("X-Break-Glass-Reason")],
        )  # fmt: skip
        paths[f"/{name}/_search"] = {"post": _form_search(name, search)}
    if "create" in declared:
        headers = [param("If-None-Exist")] if entry.get("conditionalCreate") else []
        level["post"] = operation(
            name, "create", f"Create a {name}", responses("201", "200"),
            parameters=[*headers, param("Prefer")], requestBody=body,
        )  # fmt: skip
    if "update" in declared and entry.get("conditionalUpdate"):
        level["put"] = operation(
            name, "update-conditional", f"Update the one {name} matching the criteria",
            responses("200", "201"), parameters=criteria, requestBody=body,
        )  # fmt: skip
    if "patch" in declared and entry.get("conditionalUpdate"):
        # R4 has no flag of its own for conditional patch (http.html#patch): it follows update.
        level["patch"] = operation(
            name, "patch-conditional", f"Patch the one {name} matching the criteria",
            responses("200"), parameters=criteria, requestBody=_patch_body(),
        )  # fmt: skip
    if "delete" in declared and entry.get("conditionalDelete", "not-supported") != "not-supported":
        level["delete"] = operation(
            name, "delete-conditional", f"Delete the {name} matching the criteria",
            responses("200", "204"), parameters=criteria,
        )  # fmt: skip
    paths[f"/{name}"] = level
    if "history-type" in declared:
        paths[f"/{name}/_history"] = {"get": _history(name, "history-type")}


def _instance_level(paths: Paths, name: str, declared: set[str]) -> None:
    body = fhir_body(ref("schemas", name))
    item: dict[str, Any] = {"parameters": [param("id")]}
    if "read" in declared:
        item["get"] = operation(
            name, "read", f"Read a {name}", responses("200", "304"),
            parameters=[param("If-None-Match"), param("X-Break-Glass-Reason")],
        )  # fmt: skip
    if "update" in declared:
        item["put"] = operation(
            name, "update", f"Update (or create with this id) a {name}", responses("200", "201"),
            parameters=[param("If-Match"), param("Prefer")], requestBody=body,
        )  # fmt: skip
    if "patch" in declared:
        item["patch"] = operation(
            name, "patch", f"Patch a {name}", responses("200"),
            parameters=[param("If-Match"), param("Prefer")], requestBody=_patch_body(),
        )  # fmt: skip
    if "delete" in declared:
        item["delete"] = operation(
            name, "delete", f"Delete a {name}", responses("200", "204"),
            parameters=[param("If-Match")],
        )  # fmt: skip
    if len(item) > 1:
        paths[f"/{name}/{{id}}"] = item
    if "history-instance" in declared:
        history = _history(name, "history-instance")
        paths[f"/{name}/{{id}}/_history"] = {"parameters": [param("id")], "get": history}
    if "vread" in declared:
        vread = operation(name, "vread", f"Read one version of a {name}", responses("200"))
        paths[f"/{name}/{{id}}/_history/{{vid}}"] = {
            "parameters": [param("id"), param("vid")],
            "get": vread,
        }


def _history(name: str, interaction: str) -> dict[str, Any]:
    return operation(
        name, interaction, f"History of {name}", responses("200", resource="Bundle"),
        parameters=[param("_since"), param("_count"), param("_cursor")],
    )  # fmt: skip


def _form_search(name: str, search: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {p["name"]: p["schema"] for p in search}
    fields.update({p: {"type": "string"} for p in RESULT_PARAMETERS})
    body = {
        "required": False,
        "content": {FORM: {"schema": {"type": "object", "properties": fields}}},
    }
    return operation(
        name, "search-type-post", f"Search {name} (criteria in a form body)",
        responses("200", resource="Bundle"), requestBody=body,
    )  # fmt: skip


def _patch_body() -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            JSON_PATCH: {"schema": ref("schemas", "JsonPatch")},
            MERGE_PATCH: {"schema": ref("schemas", "MergePatch")},
        },
    }


def _validate_body(name: str) -> dict[str, Any]:
    either = {"anyOf": [ref("schemas", name), ref("schemas", "Parameters")]}
    return fhir_body(either)


def _operation(paths: Paths, name: str, declared: dict[str, Any]) -> None:
    """Operations by their definition's name; one this table does not know gets R4's general
    invocation (operations.html#request: POST with a Parameters body) at type and instance."""
    op = declared["name"]
    outcome = responses("200", resource="OperationOutcome")
    if op == "validate":
        mode = {"name": "mode", "in": "query", "schema": {"enum": ["create", "update", "delete"]}}
        validate = {"parameters": [mode], "requestBody": _validate_body(name)}
        paths[f"/{name}/$validate"] = {
            "post": operation(name, "validate", f"Validate a {name}", outcome, **validate)
        }
        paths[f"/{name}/{{id}}/$validate"] = {
            "parameters": [param("id")],
            "post": operation(
                name, "validate-instance", f"Validate against a stored {name}", outcome, **validate
            ),
        }
    elif op == "everything":
        paths[f"/{name}/{{id}}/$everything"] = {
            "parameters": [param("id")],
            "get": operation(
                name, "everything", f"Everything in this {name}'s record",
                responses("200", resource="Bundle"),
                parameters=[param("_since"), param("_type"), param("_count"), param("_cursor")],
            ),
        }  # fmt: skip
    elif op == "access-log":
        paths[f"/{name}/{{id}}/$access-log"] = {
            "parameters": [param("id")],
            "get": operation(
                name, "access-log", "Who accessed this record, when and why",
                responses("200", resource="Bundle"), parameters=[param("_count"), param("_cursor")],
            ),
        }  # fmt: skip
    elif op == "arco-request":  # Enlace's own (interactions/arco_ops.py): ARCO rights
        paths[f"/{name}/{{id}}/$arco-request"] = {
            "parameters": [param("id")],
            "post": operation(
                name, "arco-request", "File an ARCO request (the Task)", responses("201"),
                requestBody=fhir_body(ref("schemas", "Parameters")),
            ),
        }  # fmt: skip
    elif op == "arco-requests":
        paths[f"/{name}/{{id}}/$arco-requests"] = {
            "parameters": [param("id")],
            "get": operation(
                name, "arco-requests", "This patient's ARCO requests",
                responses("200", resource="Bundle"),
            ),
        }  # fmt: skip
    elif op == "export":
        _export(paths, name)
    elif op == "submit":  # a module's type-level operation: the answer in the same exchange
        paths[f"/{name}/$submit"] = {
            "post": operation(
                name, "submit", f"Submit a {name}; the response comes in the same exchange",
                responses("200"), requestBody=fhir_body(ref("schemas", name)),
            ),
        }  # fmt: skip
    else:
        _generic(paths, name, op)


def _export(paths: Paths, name: str) -> None:
    """Bulk Data kick-off: `Patient/$export` for all patients, `Group/[id]/$export` for members."""
    path, extra = (
        (f"/{name}/{{id}}/$export", [param("id")]) if name == "Group" else (f"/{name}/$export", [])
    )
    paths[path] = {
        **({"parameters": extra} if extra else {}),
        "get": operation(
            name, "export", f"Bulk export ({name} level)", responses("202"),
            parameters=export_parameters(),
        ),
    }  # fmt: skip


def export_parameters() -> list[dict[str, Any]]:
    output = {"name": "_outputFormat", "in": "query", "schema": {"type": "string"}}
    deidentify = {"name": "_deidentify", "in": "query", "schema": {"type": "string"}}
    k = {"name": "_k", "in": "query", "schema": {"type": "integer", "minimum": 2}}
    return [param("_type"), param("_since"), output, deidentify, k]


def _generic(paths: Paths, name: str, op: str) -> None:
    body = fhir_body(ref("schemas", "Parameters"), required=False)
    answers = responses("200", "202")
    paths[f"/{name}/${op}"] = {
        "post": operation(name, op, f"${op} on {name}", answers, requestBody=body)
    }
    paths[f"/{name}/{{id}}/${op}"] = {
        "parameters": [param("id")],
        "post": operation(
            name, f"{op}-instance", f"${op} on one {name}", answers, requestBody=body
        ),
    }
