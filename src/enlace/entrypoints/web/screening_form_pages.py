"""The screening form (issue 10 part 6; docs/screening.md "Pages"), in the clinic or the community.

- `GET /patients/{id}/screening` (nurse, chw, physician): measurements and FINDRISC answers.
- `POST` the same: the form becomes the raw screening JSON the engine reads
  (modules/screening/engine_input.py), stored by record_screening in one transaction; the result
  page shows each condition's class in plain language (and the referral when one was made). A
  refused screening shows the form again with each problem next to its field; nothing is written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.screening.service import RecordedScreening, record_screening
from enlace.security.users import User

from .page_guard import guarded, posted_form
from .shell import Shell

FORM_ROLES = ("nurse", "chw", "physician")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
NUMBERS = (
    "weight",
    "height",
    "waist",
    "systolic",
    "diastolic",
    "glucose",
    "hba1c",
    "cholesterol",
    "hdl",
    "age",
)
YES_NO = ("physicalActivity", "dailyVegetables", "everBpMedication", "everHighGlucose", "smoker")
FLAGS = ("hyperglycaemiaSymptoms", "pregnant")
# A refusal's location (FHIRPath-like) -> the form field it is shown next to.
FIELD_OF = {
    "bloodPressure": "systolic",
    "totalCholesterol": "cholesterol",
    "familyHistoryDiabetes": "familyHistoryDiabetes",
}


def register(app: FastAPI, services: Services) -> None:
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/patients/{patient_id}/screening")
    async def form_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            _check_id(patient_id)
            return _form(shell, request, user, patient_id, {"setting": _default_setting(user)}, {})

        return await guarded(shell, request, FORM_ROLES, work, "screening.bad_input")

    @router.post("/patients/{patient_id}/screening")
    async def submit_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            _check_id(patient_id)
            form = await posted_form(request, shell.services.settings)
            raw, problems = raw_screening(form, patient_id, shell.services.repo.clock())
            if problems:
                return _form(shell, request, user, patient_id, form, problems, 400)
            try:
                done = await run_in_threadpool(_record, shell.services, user, patient_id, raw)
            except errors.FhirError as exc:
                if exc.status not in (400, 422):
                    raise
                located = located_problems(exc)
                return _form(shell, request, user, patient_id, form, located, 400)
            return shell.view(
                request, user, "screening_result.html", patient_id=patient_id, done=done
            )

        return await guarded(shell, request, FORM_ROLES, work, "screening.bad_input")

    return router


def _check_id(patient_id: str) -> None:
    if not FHIR_ID.fullmatch(patient_id):
        raise errors.not_found("No such patient")


def _default_setting(user: User) -> str:
    return "community" if user.role == "chw" else "clinic"


def _form(
    shell: Shell,
    request: Request,
    user: User,
    patient_id: str,
    values: dict[str, str],
    problems: dict[str, str],
    status: int = 200,
) -> Response:
    return shell.view(
        request,
        user,
        "screening_form.html",
        status,
        patient_id=patient_id,
        values=values,
        problems=problems,
        error="screening.form.fix" if problems else None,
    )


def _record(
    services: Services, user: User, patient_id: str, raw: dict[str, Any]
) -> RecordedScreening:
    with services.db.begin() as conn:
        return record_screening(
            conn,
            services.repo,
            patient_id,
            raw,
            performer=user.fhir_user,
            setting=raw["setting"],
            clock=services.repo.clock,
            clinic=user.organization,
        )


def raw_screening(
    form: dict[str, str], patient_id: str, now: datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the raw screening JSON, and the problems found reading it (field -> message
    key): a number that is not a number, a missing setting."""
    problems: dict[str, str] = {}
    numbers: dict[str, float] = {}
    for name in NUMBERS:
        text = form.get(name, "").strip().replace(",", ".")
        if not text:
            continue
        try:
            numbers[name] = float(text)
        except ValueError:
            problems[name] = "screening.form.not_number"
    setting = form.get("setting", "")
    if setting not in ("clinic", "community"):
        problems["setting"] = "screening.form.choose"
    measurements: dict[str, Any] = {
        key: numbers[key] for key in ("weight", "height", "waist", "hba1c", "hdl") if key in numbers
    }
    if "cholesterol" in numbers:
        measurements["totalCholesterol"] = numbers["cholesterol"]
    if "systolic" in numbers or "diastolic" in numbers:
        if "systolic" not in numbers or "diastolic" not in numbers:
            problems["systolic"] = "screening.form.both_pressures"
        else:
            measurements["bloodPressure"] = {
                "systolic": round(numbers["systolic"]),
                "diastolic": round(numbers["diastolic"]),
            }
    if "glucose" in numbers:
        measurements["glucose"] = {
            "value": numbers["glucose"],
            "unit": form.get("glucoseUnit") or "mg/dL",
            "kind": form.get("glucoseKind") or "fasting",
            "sample": form.get("glucoseSample") or "capillary",
        }
    answers: dict[str, Any] = {}
    if "age" in numbers:
        answers["age"] = round(numbers["age"])
    for key in ("sex", "familyHistoryDiabetes"):
        if form.get(key):
            answers[key] = form[key]
    for key in YES_NO:
        if form.get(key) in ("yes", "no"):
            answers[key] = form[key] == "yes"
    for key in FLAGS:
        answers[key] = form.get(key) == "yes"
    raw = {
        "patient": f"Patient/{patient_id}",
        "performedAt": now.isoformat(),
        "setting": setting,
        "measurements": measurements,
        "answers": answers,
    }
    return raw, problems


def located_problems(exc: errors.FhirError) -> dict[str, str]:
    """Each refused item's message next to its form field (the first segment after
    measurements./answers.), or under "form" when it names no field."""
    out: dict[str, str] = {}
    for issue in exc.issues:
        where = issue.expression or ""
        parts = where.split(".")
        name = parts[1] if len(parts) > 1 and parts[0] in ("measurements", "answers") else "form"
        field = FIELD_OF.get(name, name)
        out[field] = (out[field] + "; " if field in out else "") + issue.diagnostics
    return out
