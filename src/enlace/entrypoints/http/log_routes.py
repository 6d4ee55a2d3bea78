"""The transparency log's public endpoints (C2SP tlog-tiles, plus proof conveniences).

Public on purpose: anyone may audit the log, so no token is asked. Each route parses, calls one
function of `enlace.modules.trace.log_service`, and renders; a refusal is an OperationOutcome
naming the parameter (400, or 404 for what the latest checkpoint does not hold).

Spec: https://c2sp.org/tlog-tiles
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.trace import log_service
from enlace.modules.trace.errors import TraceError

CHECKPOINT_TYPE = "text/plain; charset=utf-8"
TILE_TYPE = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=1"  # a partial tile or checkpoint is superseded as the log grows
OUTCOME_TYPE = "application/fhir+json"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")  # fits a signed 64-bit integer or nearly: no more


def register(app: FastAPI, services: Services) -> None:
    # Built once: a malformed ENLACE_LOG_SIGNING_KEY stops the server at startup, not later.
    publisher = log_service.log_publisher(services.settings)
    clock = services.repo.clock

    @app.get("/log/checkpoint")
    async def checkpoint() -> Response:
        now = epoch_us(clock())
        issued = await run_in_threadpool(
            log_service.current_checkpoint, services.db, publisher, now
        )
        return Response(issued.note, media_type=CHECKPOINT_TYPE, headers={"Cache-Control": SHORT})

    @app.get("/log/key")
    async def key() -> Response:
        return Response(publisher.verifier_key + "\n", media_type=CHECKPOINT_TYPE)

    @app.get("/log/tile/{tile_path:path}")
    async def tile(tile_path: str) -> Response:
        try:
            answer = await run_in_threadpool(
                log_service.read_tile, services.db, "tile/" + tile_path
            )
        except TraceError as exc:
            return _refusal(exc)
        cache = IMMUTABLE if answer.immutable else SHORT
        return Response(answer.content, media_type=TILE_TYPE, headers={"Cache-Control": cache})

    @app.get("/log/proof/inclusion")
    async def inclusion(index: str = "", size: str = "") -> Response:
        try:
            proof = await run_in_threadpool(
                log_service.inclusion, services.db, _count(index, "index"), _count(size, "size")
            )
        except (TraceError, errors.FhirError) as exc:
            return _refusal(exc)
        return JSONResponse(proof, headers={"Cache-Control": IMMUTABLE})

    @app.get("/log/proof/consistency")
    async def consistency(old: str = "", new: str = "") -> Response:
        try:
            proof = await run_in_threadpool(
                log_service.consistency, services.db, _count(old, "old"), _count(new, "new")
            )
        except (TraceError, errors.FhirError) as exc:
            return _refusal(exc)
        return JSONResponse(proof, headers={"Cache-Control": IMMUTABLE})


def _count(text: str, name: str) -> int:
    """A non-negative decimal integer without sign, spaces or leading zeros."""
    if not _DECIMAL.fullmatch(text):
        raise errors.bad_request(
            f"Parameter '{name}' must be a non-negative integer below 10^19, got {text[:40]!r}",
            name,
        )
    return int(text)


def _refusal(exc: TraceError | errors.FhirError) -> Response:
    if isinstance(exc, errors.FhirError):
        refusal = exc
    elif isinstance(exc, log_service.LogRequestError):
        status = 404 if exc.missing else 400
        code = "not-found" if exc.missing else "invalid"
        refusal = errors.error(status, code, f"{exc.parameter}: {exc.message}", exc.parameter)
    else:  # the store lacks a node or entry it published: an integrity failure, not bad input
        refusal = errors.error(500, "exception", f"The log cannot serve this: {exc.message}")
    return JSONResponse(refusal.outcome(), refusal.status, media_type=OUTCOME_TYPE)
