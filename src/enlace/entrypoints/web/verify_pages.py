"""Verification for everyone: a pack's GS1 Digital Link, opened from its QR code, answered.

`GET /01/{gtin}[/10/{lot}][/21/{serial}][?17=YYMMDD]` (also the short names `/gtin/…/lot/…/ser/…`)
needs no sign-in: anyone holding a pack may check it (rate limits apply, as everywhere). The
answer is a page (Spanish by default, `?lang=en`) or, for `Accept: application/json`, JSON.
Thin: parse the request, call `public_verify.verify_link`, render. Statuses: 200 for a pack the
chain knows (whatever its verdict), 404 for an unknown GTIN or serial (possibly counterfeit),
400 for a malformed link, with the GS1 parser's reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.trace import log_service
from enlace.modules.trace.errors import Gs1Error
from enlace.modules.trace.public_verify import PublicVerification, as_json, verify_link

from . import i18n, render, verify_strings

OUTCOME_TYPE = "application/fhir+json"
# The Digital Link key's spellings a resolver path may start with (GS1 Digital Link 1.2).
KEY_PREFIXES = ("/01/", "/gtin/")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(verify_strings.STRINGS)
    app.include_router(_router(services))


def _router(services: Services) -> APIRouter:
    router = APIRouter()
    publisher = log_service.log_publisher(services.settings)
    clock = services.repo.clock

    async def verify(request: Request, rest: str) -> Response:
        # `rest` (the decoded path after the key) is declared for the OpenAPI schema only: the
        # raw path is parsed instead, so %-escapes inside values survive.
        link = _link_of(request)
        try:
            result = await run_in_threadpool(verify_link, services.db, publisher, link, clock())
        except Gs1Error as exc:
            return _malformed(request, exc)
        status = 200 if result.known else 404
        if _wants_json(request.headers.get("accept", "")):
            return JSONResponse(as_json(result), status, headers=_vary())
        return _page(request, result, status)

    for prefix in KEY_PREFIXES:
        router.add_api_route(prefix + "{rest:path}", verify, methods=["GET"])
    return router


def _link_of(request: Request) -> str:
    """The Digital Link as the browser sent it: the raw path keeps its %-escapes (a serial may
    hold '/' as %2F, which the decoded path would turn into a path separator)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    base = f"{request.url.scheme}://{request.url.netloc}"
    return base + path + (f"?{query}" if query else "")


def _wants_json(accept: str) -> bool:
    """True when the client prefers JSON to HTML (browsers send text/html first)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        quality = next((_quality(p[2:]) for p in params if p.startswith("q=")), 1.0)
        weights[kind.lower()] = max(weights.get(kind.lower(), 0.0), quality)
    json_weight = max(weights.get("application/json", 0.0), weights.get("application/*", 0.0))
    return json_weight > 0 and json_weight > weights.get("text/html", 0.0)


def _quality(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _vary() -> dict[str, str]:
    # One URL, two representations: caches must key on Accept (and the page on its language).
    return {"Vary": "Accept, Accept-Language, Cookie"}


def _malformed(request: Request, exc: Gs1Error) -> Response:
    if _wants_json(request.headers.get("accept", "")):
        refusal = errors.bad_request(f"{exc.code}: {exc.message}", "link")
        return JSONResponse(refusal.outcome(), 400, media_type=OUTCOME_TYPE, headers=_vary())
    response = render.page(request, "verify.html", status=400, result=None, reason=exc.message)
    response.headers.update(_vary())
    return response


def _page(request: Request, result: PublicVerification, status: int) -> Response:
    response = render.page(
        request, "verify.html", status=status, result=result, expiry=_expiry(result)
    )
    response.headers.update(_vary())
    return response


def _expiry(result: PublicVerification) -> date | None:
    """The commissioned expiry when the chain knows the pack, else what the link claims."""
    commissioned: Any = result.verdict.expiry
    if commissioned:
        return date.fromisoformat(commissioned)
    return result.code.expiry_date
