"""`GET /voting/{proposal}/tally`: a closed vote's published tally as JSON, for anyone to check.

Public on purpose, like the cooperative transparency page: it carries no voter data — the result,
the receipt commitments, the ballot box's Merkle root, the seal and the Ed25519 signature line —
so a voter (or an auditor) can check their receipt and the signature with the log's public key
outside Enlace. Unknown proposal: 404; not closed yet: 409 (OperationOutcome, nothing written).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import voting

OUTCOME_TYPE = "application/fhir+json"


def register(app: FastAPI, services: Services) -> None:
    @app.get("/voting/{proposal_id}/tally")
    async def tally_route(proposal_id: str) -> Response:
        try:
            published = await run_in_threadpool(_published, services, proposal_id)
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=OUTCOME_TYPE)
        return JSONResponse(published)


def _published(services: Services, proposal_id: str) -> dict[str, Any]:
    with services.db.begin() as conn:
        return voting.published(conn, proposal_id)
