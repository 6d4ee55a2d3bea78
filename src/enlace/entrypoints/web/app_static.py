"""The patient app's own static files: its stylesheet, script and icon under /assets/ (cached by
browsers for a day, like enlace.css), the service worker at /app/sw.js (its scope is /app/; not
cached by HTTP, so a new version is picked up on the next visit) and the web app manifest, in the
person's language."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from . import i18n, render

STATIC = Path(__file__).parent / "static" / "app"
ASSETS = {"app.css": "text/css", "app.js": "text/javascript", "app-icon.svg": "image/svg+xml"}
DAY = "public, max-age=86400"
WORKER_POLICY = "default-src 'self'; frame-ancestors 'none'"


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/assets/{name}")
    async def asset(name: str) -> Response:
        media = ASSETS.get(name)
        if media is None:
            return Response(status_code=404)
        return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": DAY})

    @routes.get("/app/sw.js")
    async def service_worker() -> Response:
        # A worker runs under the policy its script came with: the API's default-src 'none'
        # would forbid it to fetch (and keep) the app's own pages and assets.
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": WORKER_POLICY}
        return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers=headers)

    @routes.get("/app/manifest.webmanifest")
    async def manifest(request: Request) -> Response:
        lang = render.language(request)
        t = i18n.translator(lang)
        body = {"name": t("app.name"), "short_name": "Mi Salud", "lang": lang,
                "start_url": "/app/", "scope": "/app/", "display": "standalone",
                "background_color": "#ffffff", "theme_color": "#0b5d4f",
                "icons": [{"src": "/assets/app-icon.svg", "sizes": "any",
                           "type": "image/svg+xml", "purpose": "any"}]}  # fmt: skip
        return Response(orjson.dumps(body), media_type="application/manifest+json",
                        headers={"Cache-Control": DAY})  # fmt: skip

    return routes
