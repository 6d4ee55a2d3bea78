"""Bundles assembled around stored JSON without re-parsing it (orjson Fragments)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from enlace.store.records import StoredVersion

from .messages import FhirRequest


def history_entry(version: StoredVersion, base_url: str) -> dict[str, Any]:
    url = f"{version.reference}/_history/{version.version_id}"
    entry: dict[str, Any] = {"fullUrl": f"{base_url}/{version.reference}"}
    if version.content is not None:
        entry["resource"] = orjson.Fragment(version.content)
    method = version.method or ("DELETE" if version.deleted else "PUT")
    entry["request"] = {
        "method": method,
        "url": version.reference if method != "POST" else version.resource_type,
    }
    entry["response"] = {
        "status": "201 Created"
        if method == "POST"
        else ("204 No Content" if version.deleted else "200 OK"),
        "etag": version.etag,
        "lastModified": version.last_updated,
        "location": url,
    }
    return entry


def search_entry(
    resource_id: str, content: bytes, base_url: str, resource_type: str
) -> dict[str, Any]:
    return {
        "fullUrl": f"{base_url}/{resource_type}/{resource_id}",
        "resource": orjson.Fragment(content),
        "search": {"mode": "match"},
    }


def page_link(request: FhirRequest, relation: str, **overrides: str) -> dict[str, str]:
    params = [(k, v) for k, v in request.params if k not in overrides]
    params.extend(overrides.items())
    query = urlencode(params)
    url = f"{request.base_url}/{request.path}" + (f"?{query}" if query else "")
    return {"relation": relation, "url": url}
