"""`GET /monitoring/patients/{id}/cgm-summary?days=14`: the patient's CGM AGP as HL7 CGM IG-style
summary Observations (mean, GMI, CV, time-in-ranges panel, days worn, % active) over its
effectivePeriod, in a collection Bundle. With insufficient data only days worn and % active.

A bearer token is needed (or auth off: the platform itself); the caller must be allowed to see
the patient's readings exactly as `GET /fhir/Observation?patient=` would allow
(interactions.observation_merge.readings_visible). Not visible: 404, like a missing patient.
Bad `days`: 400 OperationOutcome naming it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions import guard
from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.observation_merge import readings_visible
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import agp, reports
from enlace.security.authn import request_access
from enlace.security.users import FHIR_ID

FHIR_JSON = "application/fhir+json"


def register(app: FastAPI, services: Services) -> None:
    @app.get("/monitoring/patients/{patient_id}/cgm-summary")
    async def cgm_summary(request: Request, patient_id: str) -> Response:
        try:
            days = reports.days_param(
                request.query_params.get("days"), agp.DEFAULT_DAYS, agp.MAX_DAYS
            )
            headers = {k.lower(): v for k, v in request.headers.items()}
            base = str(request.base_url).rstrip("/") + "/fhir"
            access = request_access(
                services.settings, headers, "monitoring", base, services.repo.clock()
            )
            asked = FhirRequest("GET", "Observation", [], {}, base_url=base, access=access)
            body = await run_in_threadpool(_summary, services, asked, patient_id, days)
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=FHIR_JSON)
        return JSONResponse(body, media_type=FHIR_JSON)


def _summary(services: Services, asked: FhirRequest, patient_id: str, days: int) -> dict[str, Any]:
    if not FHIR_ID.fullmatch(patient_id):
        raise errors.not_found(f"Patient/{patient_id[:64]} is not known")
    visible = guard.visibility(services, asked)
    visible.require_type("Observation", "r")
    with services.db.read() as conn:
        if services.repo.current(conn, "Patient", patient_id) is None or not readings_visible(
            visible, conn, patient_id, "r"
        ):
            raise errors.not_found(f"Patient/{patient_id} is not known")
        report = reports.cgm_report(conn, patient_id, days, epoch_us(services.repo.clock()))
    return reports.cgm_summary_bundle(report, patient_id)
