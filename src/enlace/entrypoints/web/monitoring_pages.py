"""Monitoring pages (issue 9 parts 6 and 8): the patient timeline `/patients/{id}/monitoring`,
the AGP report `/patients/{id}/agp` and its PDF `/patients/{id}/agp.pdf`, and the caregiver's
follows `/monitoring/following`.

Who may look (`_authorized`): physicians, nurses, the patient and caregivers linked to the record,
when the person may read the Patient through the FHIR API (a hidden record is the same 404 as a
missing one) and may see its readings under the rules the API applies to them
(interactions.observation_merge.readings_visible: scopes, compartments, consent); and a caregiver
who follows the patient under the patient's Consent (monitoring.follows). Anyone else: 403.
The readings themselves come from the module's reports (downsampled, one query per series).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions import guard
from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.observation_merge import readings_visible
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.logging import request_id_var
from enlace.modules import monitoring
from enlace.modules.monitoring import agp, reports
from enlace.security.audit_trail import RequestContext
from enlace.security.grants import own_patients
from enlace.security.users import FHIR_ID, User
from enlace.security.web_access import web_access

from . import i18n, monitoring_strings, monitoring_views, nav, render
from .fhir_reads import matches
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .patient_view import human_name
from .shell import Shell

ROLES = ("physician", "nurse", "patient", "caregiver")
TIMELINE_DAYS = (14, 30, 90)


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(monitoring_strings.STRINGS)
    nav.register(NavItem("/monitoring/following", "nav.following", ("caregiver",), 40))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/patients/{patient_id}/monitoring")
    async def timeline_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            days = _days(request, 14, TIMELINE_DAYS)
            view = await run_in_threadpool(_timeline, shell, request, user, patient_id, days)
            return shell.view(request, user, "monitoring.html", **view)

        return await guarded(shell, request, ROLES, work, "monitoring.bad_input")

    @router.get("/patients/{patient_id}/agp")
    async def agp_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            days = _days(request, agp.DEFAULT_DAYS, tuple(range(1, agp.MAX_DAYS + 1)))
            view = await run_in_threadpool(_agp, shell, request, user, patient_id, days)
            lang = render.language(request)
            return shell.view(request, user, "agp.html", **monitoring_views.agp_view(view, lang))

        return await guarded(shell, request, ROLES, work, "monitoring.bad_input")

    @router.get("/patients/{patient_id}/agp.pdf")
    async def agp_pdf_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            days = _days(request, agp.DEFAULT_DAYS, tuple(range(1, agp.MAX_DAYS + 1)))
            view = await run_in_threadpool(_agp, shell, request, user, patient_id, days)
            lang = render.language(request)
            period = monitoring_views.period_text(view["report"], lang)
            t = i18n.translator(lang)
            # reportlab costs ~100 ms to import: paid by the first PDF, not by every worker's start.
            from . import agp_pdf

            pdf = await run_in_threadpool(agp_pdf.render, view["report"], view["name"], t, period)
            headers = {
                "Content-Disposition": f'inline; filename="agp-{patient_id}.pdf"',
                "Cache-Control": "no-store",
            }
            return Response(pdf, media_type="application/pdf", headers=headers)

        return await guarded(shell, request, ROLES, work, "monitoring.bad_input")

    @router.get("/monitoring/following")
    async def following_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            patients = await run_in_threadpool(_followed, shell, user)
            return shell.view(request, user, "following.html", patients=patients)

        return await guarded(shell, request, ("caregiver",), work, "follow.refused")

    @router.post("/monitoring/following")
    async def follow_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            await run_in_threadpool(_follow, shell, user, form)
            return Response(status_code=303, headers={"Location": "/monitoring/following"})

        return await guarded(shell, request, ("caregiver",), work, "follow.refused")

    app.include_router(router)


def _days(request: Request, default: int, allowed: tuple[int, ...]) -> int:
    text = request.query_params.get("days")
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or int(text) not in allowed:
        raise BadInput("monitoring.bad_input")
    return int(text)


def _now_us(shell: Shell) -> int:
    return epoch_us(shell.services.repo.clock())


def _authorized(shell: Shell, request: Request, user: User, patient_id: str) -> tuple[str, Any]:
    """(the patient's name, a Reader when the person reads through the API; None for a follow)."""
    if not FHIR_ID.fullmatch(patient_id):
        raise errors.not_found(f"Patient/{patient_id[:64]} is not known")
    services = shell.services
    if user.role == "caregiver" and patient_id not in own_patients(user):
        with services.db.read() as conn:
            if not monitoring.follows.may_view(
                conn, services.repo, user.fhir_user, patient_id, _now_us(shell)
            ):
                raise errors.error(403, "forbidden", "not a follower of this patient")
            stored = services.repo.current(conn, "Patient", patient_id)
        if stored is None or stored.deleted:
            raise errors.not_found(f"Patient/{patient_id} is not known")
        return human_name(stored.resource()), None
    reader = shell.reader(request, user)
    patient = reader.read("Patient", patient_id)  # 404 when not visible
    asked = FhirRequest(
        "GET", "Observation", [], {}, base_url=reader.base_url, access=reader.access
    )
    with services.db.read() as conn:
        if not readings_visible(guard.visibility(services, asked), conn, patient_id, "r"):
            raise errors.error(403, "forbidden", "the readings are not visible to this person")
    return human_name(patient), reader


def _audited(shell: Shell, request: Request, user: User, patient_id: str, what: str) -> None:
    """One audit entry per page of readings, in the patient's access log: the readings are read
    from the series, not through the FHIR router that records each Observation it returns."""
    trail = shell.services.audit
    if trail is None:
        return
    source = request.client.host if request.client else None
    context = RequestContext(web_access(user), request_id_var.get(), source)
    shown = orjson.dumps({"subject": {"reference": f"Patient/{patient_id}"}})
    trail.read(context, what, [("Observation", f"readings-{patient_id}", shown)], request.url.query)


def _timeline(
    shell: Shell, request: Request, user: User, patient_id: str, days: int
) -> dict[str, Any]:
    name, reader = _authorized(shell, request, user, patient_id)
    _audited(shell, request, user, patient_id, "monitoring-timeline")
    goals: list[dict[str, Any]] = []
    if reader is not None and reader.may_search("Goal"):
        goals = matches(reader.search("Goal", [("patient", patient_id), ("_count", "50")]))
    now = _now_us(shell)
    with shell.services.db.read() as conn:
        drawn = reports.chart_series(conn, patient_id, days, now)
        vitals = reports.vitals_report(conn, patient_id, now, reports.bp_target(goals))
        recent = reports.recent(conn, patient_id, now)
        devices = reports.devices(conn, patient_id)
    lang = render.language(request)
    return {
        "patient_id": patient_id,
        "name": name,
        "days": days,
        "choices": TIMELINE_DAYS,
        **monitoring_views.timeline_view(drawn, vitals, recent, devices, lang),
    }


def _agp(shell: Shell, request: Request, user: User, patient_id: str, days: int) -> dict[str, Any]:
    name, _ = _authorized(shell, request, user, patient_id)
    _audited(shell, request, user, patient_id, "monitoring-agp")
    with shell.services.db.read() as conn:
        report = reports.cgm_report(conn, patient_id, days, _now_us(shell))
    return {"patient_id": patient_id, "name": name, "days": days, "report": report}


def _followed(shell: Shell, user: User) -> list[dict[str, str]]:
    services = shell.services
    if not user.fhir_user:
        return []
    with services.db.read() as conn:
        ids = monitoring.follows.followed(conn, services.repo, user.fhir_user, _now_us(shell))
        found = services.repo.current_many(conn, "Patient", ids)
    return [
        {"id": pid, "name": human_name(found[pid].resource()) if pid in found else pid}
        for pid in ids
    ]


def _follow(shell: Shell, user: User, form: dict[str, str]) -> None:
    services = shell.services
    action = form.get("action", "follow")
    patient = form.get("patient", "").strip()
    with services.db.begin() as conn:
        if action == "stop":
            monitoring.follows.unfollow(conn, user.fhir_user or "", patient, _now_us(shell))
            return
        try:
            monitoring.follows.follow(
                conn,
                services.repo,
                user.fhir_user or "",
                patient,
                form.get("consent", "").strip(),
                _now_us(shell),
            )
        except errors.FhirError:
            raise BadInput("follow.refused") from None
