"""Pharmacovigilance pages (issue 14 part 4, docs/pharmacovigilance.md).

- `/my/reaction` (patient, caregiver): "Reportar una reacción": the suspect medicine (chosen
  from the formulary), what happened in their own words, when it started, whether it was
  serious; for one of their own patients only (`?patient=`).
- `/vigilance/report` (physician, nurse, pharmacist): the coded report - patient id, suspect
  medicine, MedDRA reaction, serious, expected.
- `/vigilance/signals` (physician, pharmacist, regulator, administrator): detection results
  with their figures and the review workflow (move with a required reason), plus the overdue
  cases. `POST /vigilance/signals` with `detect=1` runs detection.
A report without a suspect medicine is refused by the module (400 page, nothing written).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, from_epoch_us
from enlace.modules import vigilance
from enlace.modules.catalog import formulary
from enlace.modules.vigilance.capture import PHRASES
from enlace.security.roles import PATIENT_ROLES
from enlace.security.users import User

from . import i18n, nav, vigilance_strings
from .money_pages import chosen_patient
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

CLINICIAN_ROLES = ("physician", "nurse", "pharmacist")
REVIEW_ROLES = ("physician", "pharmacist", "regulator", "administrator")
MOVES = ("under_review", "confirmed", "refuted")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(vigilance_strings.STRINGS)
    nav.register(NavItem("/my/reaction", "nav.vigilance_report", PATIENT_ROLES, 16))
    nav.register(NavItem("/vigilance/report", "nav.vigilance_clinician", CLINICIAN_ROLES, 44))
    nav.register(NavItem("/vigilance/signals", "nav.vigilance_signals", REVIEW_ROLES, 64))
    shell = Shell(services)
    router = APIRouter()
    medicines = [(m.slug, m.display) for m in formulary()]
    reactions = [(code, term) for _, code, term in PHRASES]

    @router.get("/my/reaction")
    async def patient_form(request: Request) -> Response:
        async def work(user: User) -> Response:
            own = tuple(shell.reader(request, user).access.patients)
            patient = chosen_patient(request, user, own)
            return shell.view(request, user, "vigilance_report.html", mode="patient",
                              patient=patient, medicines=medicines, done=None)  # fmt: skip

        return await guarded(shell, request, PATIENT_ROLES, work, "vig.bad_input")

    @router.post("/my/reaction")
    async def patient_post(request: Request) -> Response:
        async def work(user: User) -> Response:
            own = tuple(shell.reader(request, user).access.patients)
            patient = chosen_patient(request, user, own)
            if patient is None:
                raise BadInput("vig.bad_input")
            form = await posted_form(request, services.settings)
            done = await run_in_threadpool(_patient_report, services, patient, form, medicines)
            return shell.view(request, user, "vigilance_report.html", mode="patient",
                              patient=patient, medicines=medicines, done=done)  # fmt: skip

        return await guarded(shell, request, PATIENT_ROLES, work, "vig.bad_input")

    @router.get("/vigilance/report")
    async def clinician_form(request: Request) -> Response:
        async def work(user: User) -> Response:
            return shell.view(request, user, "vigilance_report.html", mode="clinician",
                              medicines=medicines, reactions=reactions, done=None)  # fmt: skip

        return await guarded(shell, request, CLINICIAN_ROLES, work, "vig.bad_input")

    @router.post("/vigilance/report")
    async def clinician_post(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            done = await run_in_threadpool(_clinician_report, services, user, form, medicines)
            return shell.view(request, user, "vigilance_report.html", mode="clinician",
                              medicines=medicines, reactions=reactions, done=done)  # fmt: skip

        return await guarded(shell, request, CLINICIAN_ROLES, work, "vig.bad_input")

    @router.get("/vigilance/signals")
    async def signals_page(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_signals, services)
            return shell.view(request, user, "vigilance_signals.html", **found, moves=MOVES,
                              when=_when)  # fmt: skip

        return await guarded(shell, request, REVIEW_ROLES, work, "vig.bad_input")

    @router.post("/vigilance/signals")
    async def signals_post(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            await run_in_threadpool(_review, services, user, form)
            return RedirectResponse("/vigilance/signals", status_code=303)

        return await guarded(shell, request, REVIEW_ROLES, work, "vig.bad_input")

    app.include_router(router)


def _when(us: int | None) -> str:
    return "" if us is None else from_epoch_us(us).strftime("%Y-%m-%d")


def _suspect(
    form: dict[str, str], medicines: list[tuple[str, str]]
) -> vigilance.SuspectDrug | None:
    names = dict(medicines)
    slug = form.get("drug", "")
    return vigilance.SuspectDrug(slug, names[slug]) if slug in names else None


def _onset(form: dict[str, str]) -> date | None:
    text = form.get("onset", "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("vig.bad_input") from None


def _patient_report(
    services: Services, patient: str, form: dict[str, str], medicines: list[tuple[str, str]]
) -> vigilance.Captured:
    now_us = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        return vigilance.from_patient(
            conn, services.repo, patient, _suspect(form, medicines), form.get("words", "")[:1000],
            _onset(form), form.get("serious") == "1", now_us,
        )  # fmt: skip


def _clinician_report(
    services: Services, user: User, form: dict[str, str], medicines: list[tuple[str, str]]
) -> vigilance.Captured:
    patient = form.get("patient", "").strip()
    if not patient:
        raise BadInput("vig.bad_input")
    code, _, term = form.get("meddra", "").partition("|")
    practitioner = (user.fhir_user or f"Practitioner/{user.id}").removeprefix("Practitioner/")
    now_us = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        return vigilance.from_clinician(
            conn, services.repo, patient, practitioner, _suspect(form, medicines),
            (code, term) if code else None, _onset(form), form.get("serious") == "1",
            form.get("expected") != "1", now_us,
        )  # fmt: skip


def _signals(services: Services) -> dict[str, Any]:
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        return {"signals": vigilance.listing(conn), "overdue": vigilance.overdue(conn, now_us)}


def _review(services: Services, user: User, form: dict[str, str]) -> None:
    now_us = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        if form.get("detect") == "1":
            vigilance.detect(conn, now_us)
            return
        who = user.fhir_user or f"User/{user.id}"
        vigilance.review(
            conn, form.get("drug", ""), form.get("event", ""), form.get("to", ""), who,
            form.get("reason", "")[:1000], now_us,
        )  # fmt: skip
