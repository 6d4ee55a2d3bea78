"""The physician's prescription form (issue 8 part 1): `/patients/{id}/prescribe`.

GET shows the form; POST (CSRF-checked) builds the MedicationRequest (prescribe_form) and sends
it through the FHIR router as the signed-in physician to `MedicationRequest/$prescribe`, so the
same checks as the API apply and the write is audited. Accepted: the issued prescription and
its coverage at order. Refused: the form again, status 400/422/403, each message beside its
field. Thin: parse, call off the event loop, render.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.security.users import FHIR_ID, User
from enlace.security.web_access import web_access

from . import (
    i18n,
    prescribe_cds,
    prescribe_cds_strings,
    prescribe_form,
    prescribe_strings,
    render,
)
from .fhir_reads import Reader
from .page_guard import BadInput, guarded, money, posted_form
from .patient_view import human_name
from .shell import Shell

PRESCRIBERS = ("physician",)
DEFAULTS = {
    "unit": "{tbl}",
    "period": "d",
    "route": "26643006",
    "fulfilment": "pickup",
    "frequency": "1",
    "dose": "1",
    "days": "30",
    "refills": "0",
}


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(prescribe_strings.STRINGS)
    i18n.extend(prescribe_cds_strings.STRINGS)
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/patients/{patient_id}/prescribe")
    async def form_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            reader = _prescriber_reader(shell, request, user)
            patient = await run_in_threadpool(reader.read, "Patient", _checked_id(patient_id))
            return _form(shell, request, user, patient, dict(DEFAULTS), {}, [])

        return await guarded(shell, request, PRESCRIBERS, work, "rx.fix")

    @router.post("/patients/{patient_id}/prescribe")
    async def submit_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, shell.services.settings)
            reader = _prescriber_reader(shell, request, user)
            patient = await run_in_threadpool(reader.read, "Patient", _checked_id(patient_id))
            applied = _applied(form)
            built = prescribe_form.medication_request(form, patient_id, str(user.fhir_user))
            if built.body is None:
                return _form(shell, request, user, patient, form, built.errors, [], 400)
            await run_in_threadpool(prescribe_cds.record_outcome, shell.services, form, applied)
            if form.get("reviewed") != "1":  # decision support first (prescribe_cds)
                checked = await run_in_threadpool(
                    prescribe_cds.review,
                    shell.services,
                    reader.access,
                    reader.base_url,
                    reader.source_ip,
                    built.body,
                    str(user.fhir_user),
                    render.language(request),
                )
                if checked.stops or applied is not None:
                    return _form(shell, request, user, patient, form, {}, [], review=checked)
            status, answer = await run_in_threadpool(
                reader.operate, "MedicationRequest/$prescribe", built.body
            )
            if status != 200:
                errors, problems = _placed(answer)
                return _form(shell, request, user, patient, form, errors, problems, status)
            return _issued(shell, request, user, patient_id, answer)

        return await guarded(shell, request, PRESCRIBERS, work, "rx.fix")

    return router


def _prescriber_reader(shell: Shell, request: Request, user: User) -> Reader:
    if not str(user.fhir_user or "").startswith("Practitioner/"):
        raise BadInput("rx.no_practitioner")
    return Reader(
        shell.services,
        web_access(user),
        f"{request.base_url}fhir",
        request.client.host if request.client else None,
    )


def _checked_id(patient_id: str) -> str:
    if not FHIR_ID.fullmatch(patient_id):
        raise BadInput("rx.fix")
    return patient_id


def _form(
    shell: Shell,
    request: Request,
    user: User,
    patient: dict[str, Any],
    form: dict[str, str],
    errors: dict[str, str],
    problems: list[str],
    status: int = 200,
    review: prescribe_cds.Review | None = None,
) -> Response:
    return shell.view(
        request,
        user,
        "prescribe.html",
        status=status if status in (200, 400, 403, 422) else 400,
        patient_id=patient["id"],
        name=human_name(patient),
        form={name: form.get(name, "") for name in prescribe_form.FIELDS},
        errors=errors,
        problems=problems,
        medicines=prescribe_form.medicines(),
        pharmacies=prescribe_form.pharmacies(),
        units=list(prescribe_form.DOSE_UNITS.items()),
        periods=list(prescribe_form.PERIODS.items()),
        routes=list(prescribe_form.ROUTES.items()),
        fulfilments=list(prescribe_form.FULFILMENTS.items()),
        review=review,
    )


def _applied(form: dict[str, str]) -> tuple[str, str] | None:
    """A card's suggestion applied (`slug|card uuid|suggestion uuid`): its medicine replaces
    the form's, to be checked again; the card and suggestion, for the feedback."""
    slug, _, rest = form.get("apply", "").partition("|")
    card, _, suggestion = rest.partition("|")
    if slug and slug in dict(prescribe_form.medicines()):
        form["medicine"] = slug
        return card, suggestion
    return None


def _placed(outcome: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The operation's messages beside their fields; those of no field above the form."""
    errors: dict[str, str] = {}
    problems: list[str] = []
    for issue in outcome.get("issue", []):
        text = str(issue.get("diagnostics", ""))
        where = next(iter(issue.get("expression", [])), "")
        field = prescribe_form.field_of(where)
        if field and field not in errors:
            errors[field] = text
        else:
            problems.append(text)
    return errors, problems


def _issued(
    shell: Shell, request: Request, user: User, patient_id: str, answer: dict[str, Any]
) -> Response:
    parts = {p["name"]: p for p in answer.get("parameter", [])}
    prescription = parts["prescription"]["resource"]
    coverage = {
        q["name"]: next(v for k, v in q.items() if k.startswith("value"))
        for q in parts["coverage"].get("part", [])
    }
    if "alternative" in coverage:
        coverage["alternative"] = coverage["alternative"]["reference"]
    slug = prescription["medicationReference"]["reference"].removeprefix("Medication/med-")
    medicine = dict(prescribe_form.medicines()).get(slug, slug)
    return shell.view(
        request,
        user,
        "prescribed.html",
        patient_id=patient_id,
        prescription=prescription,
        coverage=coverage,
        medicine=medicine,
        money=money,
    )
