"""SMART on FHIR OAuth routes: discovery, JWKS, token endpoint, authorization page.

Thin: each route parses, calls enlace.security (oauth, authorize, keys, users), renders. OAuth
endpoints answer OAuth errors (RFC 6749 §5.2), never OperationOutcomes. Times come from the
repository's clock, like the rest of the application.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from enlace.entrypoints.web import browser, render
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.jsonutil import loads
from enlace.security import authorize, discovery, keys, oauth, users
from enlace.security.oauth_errors import OAuthError

from . import auth_pages

SMART_CONFIGURATION = "/.well-known/smart-configuration"
# Paths under /fhir that FastAPI serves rather than the FHIR adapter (app.EnlaceApp).
FHIR_PREFIXED_PATHS = frozenset({"/fhir" + SMART_CONFIGURATION})
LOGIN_PATH = "/login"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# A consent page in a hidden frame could be clicked through (clickjacking): never framed.
FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
FORM_TYPE = "application/x-www-form-urlencoded"


def register(app: FastAPI, services: Services) -> None:
    settings = services.settings
    clock = services.repo.clock

    @app.get(SMART_CONFIGURATION)
    @app.get("/fhir" + SMART_CONFIGURATION)
    async def smart_configuration(request: Request) -> Response:
        return JSONResponse(discovery.smart_configuration(fhir_base(request)))

    @app.get(discovery.JWKS_PATH)
    async def jwks() -> Response:
        key = keys.signing_key(settings)
        return JSONResponse(key.jwks(), headers={"Cache-Control": "public, max-age=300"})

    @app.post(discovery.TOKEN_PATH)
    async def token(request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith(FORM_TYPE):
            return _oauth_error(OAuthError("invalid_request", f"The body must be {FORM_TYPE}"))
        form = await request.form()
        pairs = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
        try:
            endpoint = oauth.Endpoint(
                key=keys.signing_key(settings),
                fhir_base=fhir_base(request),
                now=clock(),
                access_seconds=settings.access_token_seconds,
                refresh_seconds=settings.refresh_token_seconds,
            )
            body = await run_in_threadpool(
                oauth.token, services.db, pairs, endpoint, request.headers.get("authorization")
            )
        except OAuthError as exc:
            return _oauth_error(exc)
        except errors.FhirError as exc:  # the server is misconfigured (no signing key)
            return _oauth_error(OAuthError("server_error", exc.message, exc.status))
        return JSONResponse(body, headers=NO_STORE)

    @app.get(discovery.AUTHORIZE_PATH)
    async def authorize_page(request: Request) -> Response:
        pairs = [p for p in request.query_params.multi_items() if p[0] != "lang"]
        return await run_in_threadpool(_show, services, request, pairs)

    @app.post(discovery.AUTHORIZE_PATH)
    async def authorize_decision(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return await run_in_threadpool(_decide, services, request, fields)


def fhir_base(request: Request) -> str:
    """The FHIR base URL as the FHIR adapter computes it (scheme, Host, root path, /fhir)."""
    return str(request.base_url).rstrip("/") + "/fhir"


def _oauth_error(exc: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="enlace", error="invalid_client"'
    return JSONResponse(exc.body(), exc.status, headers=headers)


def _show(services: Services, request: Request, pairs: list[tuple[str, str]]) -> Response:
    now_us = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        try:
            checked = authorize.check_request(conn, pairs, fhir_base(request))
        except authorize.AuthorizeRefused as exc:
            return _refusal(request, exc, 302)
        user = users.session_user(conn, browser.session_token(request, services.settings), now_us)
        if user is None:
            return _to_login(pairs)
        try:
            offer = authorize.offer(checked, user)
        except authorize.AuthorizeRefused as exc:
            return _refusal(request, exc, 302)
        patients = [(pid, _patient_label(services, conn, pid)) for pid in offer.patients]
    state = browser.csrf_state(request)
    lang = render.language(request)
    response = render.page(
        request,
        "authorize.html",
        strings=auth_pages.STRINGS,
        problem=None,
        client_name=checked.client.name,
        user_name=user.display_name or user.username,
        action=discovery.AUTHORIZE_PATH,
        request_query=urlencode(pairs),
        csrf=state.token(request, services.settings),
        access=auth_pages.describe(offer.scopes, lang),
        patients=patients,
    )
    state.keep(response, request, services.settings)
    response.headers.update(FRAMING)
    response.headers["Content-Security-Policy"] = consent_policy(checked.redirect_uri)
    return response


def consent_policy(redirect_uri: str) -> str:
    """The consent page's CSP. Chrome and Safari check `form-action` against the redirect that
    answers the form too (w3c/webappsec-csp#8), and this form ends in a redirect to the client:
    its validated redirect URI's origin is allowed beside 'self'."""
    parts = urlsplit(redirect_uri)
    target = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action 'self' {target}; frame-ancestors 'none'"
    )


def _decide(services: Services, request: Request, fields: dict[str, str]) -> Response:
    pairs = parse_qsl(fields.get("request", ""), keep_blank_values=True)
    now_us = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        try:
            checked = authorize.check_request(conn, pairs, fhir_base(request))
        except authorize.AuthorizeRefused as exc:
            return _refusal(request, exc, 303)
        user = users.session_user(conn, browser.session_token(request, services.settings), now_us)
        if user is None:
            return _to_login(pairs)
        if not browser.csrf_ok(request, services.settings, fields.get("csrf", "")):
            problem = "invalid_request: the form expired or is not valid (CSRF)"
            return _problem_page(request, problem, 403)
        try:
            if fields.get("decision") == "approve":
                location = authorize.approve(conn, checked, user, fields.get("patient"), now_us)
            else:
                location = authorize.deny(checked)
        except authorize.AuthorizeRefused as exc:
            return _refusal(request, exc, 303)
    return RedirectResponse(location, 303, headers=NO_STORE)


def _refusal(request: Request, exc: authorize.AuthorizeRefused, status: int) -> Response:
    """To the client when its redirect URI is known good, else an error page (RFC 6749 §4.1.2.1)."""
    if exc.location is not None:
        return RedirectResponse(exc.location, status, headers=NO_STORE)
    return _problem_page(request, f"{exc.error}: {exc.description}", 400)


def _problem_page(request: Request, problem: str, status: int) -> Response:
    response = render.page(
        request, "authorize.html", status=status, strings=auth_pages.STRINGS, problem=problem
    )
    response.headers.update(FRAMING)
    return response


def _to_login(pairs: list[tuple[str, str]]) -> Response:
    back = f"{discovery.AUTHORIZE_PATH}?{urlencode(pairs)}"
    return RedirectResponse(f"{LOGIN_PATH}?{urlencode({'next': back})}", 302, headers=NO_STORE)


def _patient_label(services: Services, conn: Connection, patient_id: str) -> str:
    """'Ana García (id)' from the Patient resource, or the bare id when it has no name."""
    found = services.repo.current(conn, "Patient", patient_id)
    resource = loads(found.content) if found is not None and found.content else {}
    names = resource.get("name") or [{}]
    name = names[0] if isinstance(names, list) and isinstance(names[0], dict) else {}
    words = (
        [*name.get("given", []), name.get("family", "")] if not name.get("text") else [name["text"]]
    )
    text = " ".join(w for w in words if isinstance(w, str) and w)
    return f"{text} ({patient_id})" if text else patient_id
