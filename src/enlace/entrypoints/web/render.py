"""Rendering a page: the Jinja2 templates beside this file, in the request's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from enlace.security.users import User

from . import i18n, nav

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "enlace_lang"
YEAR_SECONDS = 365 * 24 * 3600

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,  # a misspelt variable fails the tests, not a user's page
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["format_date"] = i18n.format_date


def language(request: Request) -> str:
    return i18n.pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    strings: i18n.Catalog | None = None,
    error: str | None = None,
    notice: str | None = None,
    viewer: User | None = None,
    **context: Any,
) -> HTMLResponse:
    """The template rendered in the request's language. `error` and `notice` are message keys
    that base.html shows above the content; `strings` adds a page's own catalog. With a signed-in
    `viewer` (and `csrf`, for the sign-out form) the header shows their navigation."""
    lang = language(request)
    other = i18n.other_language(lang)
    html = _env.get_template(template).render(
        lang=lang,
        other_lang=other,
        switch_url=_switch_url(request, other),
        t=i18n.translator(lang, strings),
        error=error,
        notice=notice,
        viewer=viewer,
        nav=nav.registry.links(viewer.role, request.url.path) if viewer else [],
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    # Pages with forms and personal data must not be kept by shared caches or the back button,
    # nor shown inside another site's frame (a login form under a decoy: clickjacking).
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    chosen = i18n.normalize(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=YEAR_SECONDS, samesite="lax", path="/")
    return response


def _switch_url(request: Request, lang: str) -> str:
    """This page (GET) in the other language, its query kept."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"
