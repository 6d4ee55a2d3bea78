"""OpenAPI 3.1 for the routes FastAPI serves beside `/fhir`: health probes, SMART discovery and
keys, the OAuth token and authorization endpoints, and the login pages.

The JSON APIs beside them (devices, CDS Hooks, offline sync, stock, EPCIS, routing) are listed with
JSON answers. The paths and methods are FastAPI's own schema of the registered routes (so a new route shows up
by itself). Those routes read their forms and queries by hand (`request.form()`), which FastAPI
cannot see, so their fields are added here from the specs they follow: RFC 6749 and SMART App
Launch for `/auth/*`, the login forms' own fields for the pages. Responses are what each kind of
route answers: JSON for probes, discovery and tokens (OAuth errors are JSON too), HTML pages and
redirects for the browser routes. The FHIR API is described by `/fhir/openapi.json`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from enlace import __version__

FORM = "application/x-www-form-urlencoded"
_TEXT = {"type": "string"}
_GRANTS = ["client_credentials", "authorization_code", "refresh_token"]

# RFC 6749 §4.1.3, §4.4, §6; RFC 7523 client assertions (SMART Backend Services); RFC 7636.
_TOKEN_FORM = {
    "grant_type": {"enum": _GRANTS},
    "client_assertion_type": _TEXT,
    "client_assertion": _TEXT,
    "client_id": _TEXT,
    "client_secret": _TEXT,
    "scope": _TEXT,
    "code": _TEXT,
    "redirect_uri": _TEXT,
    "code_verifier": _TEXT,
    "refresh_token": _TEXT,
}
# SMART App Launch authorization request (RFC 6749 §4.1.1 + PKCE + aud).
_AUTHORIZE_QUERY = (
    "response_type", "client_id", "redirect_uri", "scope", "state", "aud",
    "code_challenge", "code_challenge_method", "lang",
)  # fmt: skip
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("/auth/token", "post"): _TOKEN_FORM,
    ("/auth/authorize", "post"): {
        "request": _TEXT,
        "csrf": _TEXT,
        "decision": {"enum": ["approve", "deny"]},
        "patient": _TEXT,
    },
    ("/login", "post"): {"username": _TEXT, "password": _TEXT, "next": _TEXT, "csrf": _TEXT},
    ("/login/totp", "post"): {"code": _TEXT, "next": _TEXT, "csrf": _TEXT},
    ("/logout", "post"): {"csrf": _TEXT},
}
QUERIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("/auth/authorize", "get"): _AUTHORIZE_QUERY,
    ("/login", "get"): ("next", "reason", "lang"),
    ("/login/totp", "get"): ("next", "lang"),
    ("/account", "get"): ("lang",),
    ("/", "get"): ("lang",),  # the web shell (entrypoints/web/shell.py)
    ("/patients", "get"): ("name", "identifier", "birthdate", "page", "lang"),
}
_JSON = {"application/json": {"schema": {"type": "object"}}}
_HTML = {"text/html": {"schema": _TEXT}}
_LOG = {
    "/log/checkpoint": {"text/plain": {"schema": _TEXT}},
    "/log/key": {"text/plain": {"schema": _TEXT}},
    "/log/tile/{tile_path}": {"application/octet-stream": {"schema": _TEXT}},
}
_APP_FILES = {
    "/app/sw.js": {"text/javascript": {"schema": _TEXT}},
    "/app/manifest.webmanifest": {"application/manifest+json": {"schema": {"type": "object"}}},
}
JSON_APIS = (
    "/cds-services",
    "/devices/",
    "/sync/",
    "/monitoring/patients/",
    "/inventory/",
    "/epcis/",
    "/delivery/",
    "/coldchain/",
    "/care/",
    "/voting/",
)
_REFUSED = {"description": "Refused (OAuth error, error page, or a hardening limit)"}
_REDIRECT = {"description": "Redirect (Location)"}


def routes_schema(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title="Enlace: health, OAuth and login routes",
        version=__version__,
        openapi_version="3.1.0",
        description=__doc__,
        routes=app.routes,
    )
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            _describe(path, method, operation)
    return schema


def _describe(path: str, method: str, operation: dict[str, Any]) -> None:
    form = FORMS.get((path, method))
    if form is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {FORM: {"schema": {"type": "object", "properties": form}}},
        }
    names = QUERIES.get((path, method), ())
    if names:
        operation["parameters"] = [
            {"name": name, "in": "query", "required": False, "schema": _TEXT} for name in names
        ]
    operation["responses"] = _responses(path, method)


def _responses(path: str, method: str) -> dict[str, Any]:
    """JSON routes answer JSON; browser routes answer pages or redirects; 4XX for all."""
    if path.startswith(("/auth/token", "/.well-known/", "/fhir/.well-known/", "/healthz")):
        return {"200": {"description": "JSON", "content": _JSON}, "4XX": _REFUSED}
    if path == "/readyz":  # 503 while migrations are pending or the database is unreachable
        return {
            "200": {"description": "Ready", "content": _JSON},
            "503": {"description": "Not ready"},
        }
    if path.startswith("/log/"):  # the transparency log (log_routes.py): 404 past its checkpoint
        return {
            "200": {"description": "Log data", "content": _LOG.get(path, _JSON)},
            "4XX": _REFUSED,
        }
    if path.startswith(("/01/", "/gtin/")):  # pack verification (web/verify_pages.py)
        verdict = {"description": "Verdict page, or JSON", "content": {**_HTML, **_JSON}}
        return {"200": verdict, "4XX": _REFUSED}
    if path == "/trace/verify":  # the pharmacist's verify call (trace_verify_routes.py)
        return {"200": {"description": "Verdict", "content": _JSON}, "4XX": _REFUSED}
    if path.startswith(JSON_APIS) and not path.startswith("/sync/review"):
        # Devices, CDS Hooks (discovery is public), offline sync, stock, EPCIS, routing: JSON in
        # and out; 201 for a recorded stock event or EPCIS capture.
        answer = {"description": "JSON", "content": _JSON}
        unavailable = {"description": "Database unreachable: retry after Retry-After"}
        return {"200": answer, "201": answer, "202": answer, "4XX": _REFUSED, "503": unavailable}
    if path in _APP_FILES:  # the patient app's service worker and manifest (web/app_static.py)
        return {"200": {"description": "App file", "content": _APP_FILES[path]}, "4XX": _REFUSED}
    if path.startswith("/assets/"):
        return {"200": {"description": "Stylesheet"}, "4XX": _REFUSED}
    answers: dict[str, Any] = {"4XX": _REFUSED}
    if method == "get":
        answers["200"] = {"description": "Page", "content": _HTML}
    answers["302" if path == "/auth/authorize" and method == "get" else "303"] = _REDIRECT
    return answers
