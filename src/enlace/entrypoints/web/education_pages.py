"""Education pages (issue 16 parts 3 and 4, docs/education.md). One narrow column: read on a phone.

Patients (the patient app at /app/ links here):
- `/learn` (patient, caregiver): what was sent to me, with its state, and every topic.
- `/learn/{item}[?d=<link>]` (no sign-in: the link in an SMS opens it on any phone; the
  content is the same for everyone): the item's page. With `d` (the delivery id and its HMAC,
  education.link_token: the link is a capability) the visit marks the delivery opened; POST
  (form token) marks it finished or records the quiz answer. An unsigned or forged `d` shows
  the page and records nothing.
- `/education/patients/{id}` (physician, nurse, chw, administrator): what the patient was sent,
  when, why, and whether it was opened, finished and the quiz answered right.
Clinicians:
- `/training` (physician, nurse, pharmacist, chw linked to a Practitioner): my courses and
  progress, the courses of my role (enrol), the courses my panel suggests.
- `/training/{course}/{module}`: the module and its quiz; POST grades an attempt (refused when
  not enrolled, already passed or out of attempts: the 400 page, nothing written).
- `/training/clinics` (administrator): trained / clinicians per clinic and role.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import education
from enlace.security.roles import PATIENT_ROLES
from enlace.security.users import User

from . import browser, education_strings, i18n, nav, render
from .money_pages import chosen_patient
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

CLINICIAN_ROLES = ("physician", "nurse", "pharmacist", "chw")
CARE_ROLES = ("physician", "nurse", "chw", "administrator")
ADMIN_ROLES = ("administrator",)
WEB_TO_COURSE_ROLE = {"physician": "doctor"}


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(education_strings.STRINGS)
    nav.register(NavItem("/learn", "nav.learn", PATIENT_ROLES, 18))
    nav.register(NavItem("/training", "nav.training", CLINICIAN_ROLES, 70))
    nav.register(NavItem("/training/clinics", "nav.training_clinics", ADMIN_ROLES, 71))
    shell = Shell(services)
    router = APIRouter()

    def now_us() -> int:
        return epoch_us(services.repo.clock())

    key = education.link_key(services.settings.secret_key)

    def read(work: Any, *args: Any) -> Any:
        with services.db.begin() as conn:
            return work(conn, services.repo, *args)

    @router.get("/learn")
    async def learn_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            own = tuple(shell.reader(request, user).access.patients)
            patient = chosen_patient(request, user, own)
            sent = await run_in_threadpool(read, _sent, patient) if patient else []
            items = education.catalogue().items
            links = {d.id: education.link_token(key, d.id) for d in sent}
            context = {"sent": sent, "items": items, "links": links, **_lang(request)}
            return shell.view(request, user, "learn.html", **context)

        return await guarded(shell, request, PATIENT_ROLES, work, "edu.bad_input")

    @router.get("/learn/{item_id}")
    async def item_route(request: Request, item_id: str) -> Response:
        item = education.catalogue().items.get(item_id)
        if item is None:
            return render.page(request, "problem.html", status=404, kind="not_found")
        link = request.query_params.get("d", "")
        delivery = education.delivery_of_link(key, link) or ""
        found = await run_in_threadpool(read, _visit, item_id, delivery, now_us())
        return _item_page(request, services, item, found, None, link if found else "")

    @router.post("/learn/{item_id}")
    async def item_post_route(request: Request, item_id: str) -> Response:
        item = education.catalogue().items.get(item_id)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if item is None or not browser.csrf_ok(request, services.settings, form.get("csrf", "")):
            status, kind = (404, "not_found") if item is None else (403, "forbidden")
            return render.page(request, "problem.html", status=status, kind=kind)
        answer = form.get("answer", "")
        link = form.get("d", "")
        delivery = education.delivery_of_link(key, link) or ""
        args = (item_id, delivery, answer, now_us())
        try:
            found, right = await run_in_threadpool(read, _answer, *args)
        except errors.FhirError:
            return render.page(
                request, "problem.html", status=400, kind="bad_request", message="edu.bad_input"
            )
        return _item_page(request, services, item, found, right, link if found else "")

    @router.get("/education/patients/{patient_id}")
    async def patient_route(request: Request, patient_id: str) -> Response:
        async def work(user: User) -> Response:
            reader = shell.reader(request, user)  # a patient this person may not see: 404 page
            await run_in_threadpool(reader.read, "Patient", patient_id)
            sent = await run_in_threadpool(read, _all_of, patient_id)
            items = education.catalogue().items
            context = {"patient": patient_id, "sent": sent, "items": items, "day_of": _day_of}
            return shell.view(request, user, "education_patient.html", **context, **_lang(request))

        return await guarded(shell, request, CARE_ROLES, work, "edu.bad_input")

    @router.get("/training")
    async def training_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(read, _training, _practitioner(user), _role(user))
            return shell.view(request, user, "training.html", **found, **_lang(request))

        return await guarded(shell, request, CLINICIAN_ROLES, work, "edu.bad_input")

    @router.post("/training/enrol")
    async def enrol_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            course = form.get("course", "")
            await run_in_threadpool(read, education.enrol, _practitioner(user), course, now_us())
            return _redirect("/training")

        return await guarded(shell, request, CLINICIAN_ROLES, work, "edu.bad_input")

    @router.get("/training/clinics")
    async def clinics_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            table = await run_in_threadpool(read, education.trained_table, now_us())
            return shell.view(request, user, "training_clinics.html", table=sorted(table.items()))

        return await guarded(shell, request, ADMIN_ROLES, work, "edu.bad_input")

    @router.get("/training/{course_id}/{module_id}")
    async def module_route(request: Request, course_id: str, module_id: str) -> Response:
        async def work(user: User) -> Response:
            who = _practitioner(user)
            course, module = _module(course_id, module_id)
            used = await run_in_threadpool(read, _used, who, course.id, module.id)
            context = {"course": course, "module": module, "used": used, "result": None}
            return shell.view(request, user, "training_module.html", **context, **_lang(request))

        return await guarded(shell, request, CLINICIAN_ROLES, work, "edu.bad_input")

    @router.post("/training/{course_id}/{module_id}")
    async def quiz_route(request: Request, course_id: str, module_id: str) -> Response:
        async def work(user: User) -> Response:
            who = _practitioner(user)
            course, module = _module(course_id, module_id)
            form = await posted_form(request, services.settings)
            answers = _answers(form, len(module.questions))
            args = (who, course.id, module.id, answers, now_us())
            result = await run_in_threadpool(read, education.submit, *args)
            context = {"course": course, "module": module, "used": result.attempt}
            page = "training_module.html"
            return shell.view(request, user, page, **context, result=result, **_lang(request))

        return await guarded(shell, request, CLINICIAN_ROLES, work, "edu.bad_input")

    app.include_router(router)


def _lang(request: Request) -> dict[str, Any]:
    return {"language": render.language(request)}


def _day_of(us: int) -> date:
    return datetime.fromtimestamp(us / 1e6, UTC).date()


def _redirect(path: str) -> Response:
    return RedirectResponse(path, 303)


def _practitioner(user: User) -> str:
    if not (user.fhir_user or "").startswith("Practitioner/"):
        raise BadInput("edu.no_practitioner")
    return str(user.fhir_user).removeprefix("Practitioner/")


def _role(user: User) -> str:
    return WEB_TO_COURSE_ROLE.get(user.role, user.role)


def _module(course_id: str, module_id: str) -> tuple[education.Course, education.Module]:
    course = education.course(course_id)
    module = course.module(module_id)
    if module is None:
        raise errors.not_found(f"No module '{module_id}'")
    return course, module


def _answers(form: dict[str, str], count: int) -> list[int]:
    try:
        return [int(form[f"q{n}"]) for n in range(count)]
    except (KeyError, ValueError) as exc:
        raise BadInput("edu.bad_answers") from exc


def _sent(conn: Any, repo: Any, patient: str) -> list[education.Delivery]:
    return [d for d in education.deliveries_of(conn, patient) if d.status == "queued"]


def _all_of(conn: Any, repo: Any, patient: str) -> list[education.Delivery]:
    return education.deliveries_of(conn, patient)


def _used(conn: Any, repo: Any, who: str, course: str, module: str) -> int:
    return education.attempts_used(conn, who, course, module)


def _visit(conn: Any, repo: Any, item: str, delivery: str, now: int) -> education.Delivery | None:
    found = education.get_delivery(conn, delivery) if delivery else None
    if found is None or found.item != item:
        return None  # a link without (or with someone else's) delivery still shows the page
    return education.mark(conn, delivery, "opened", now)


def _answer(
    conn: Any, repo: Any, item: str, delivery: str, answer: str, now: int
) -> tuple[education.Delivery | None, bool | None]:
    found = education.get_delivery(conn, delivery) if delivery else None
    if found is not None and found.item != item:
        found = None
    quiz = education.catalogue().items[item].quiz
    chosen = int(answer) if answer.isdigit() else None
    if answer and quiz is not None:
        if chosen is None or chosen >= len(quiz.options):
            raise errors.bad_request("answer must be one of the quiz's options", "answer")
        right = chosen == quiz.answer
        if found is not None:
            found = education.mark(conn, delivery, "quiz", now, chosen)
        return found, right
    if found is not None:
        found = education.mark(conn, delivery, "finished", now)
    return found, None


def _training(conn: Any, repo: Any, who: str, role: str) -> dict[str, Any]:
    mine = education.enrolments_of(conn, who)
    enrolled = {e.course for e in mine}
    courses = education.catalogue().courses
    progress = {e.course: education.passed_modules(conn, who, e.course) for e in mine}
    available = [c for c in courses.values() if role in c.roles and c.id not in enrolled]
    return {
        "mine": [(e, courses[e.course]) for e in mine if e.course in courses],
        "progress": progress,
        "available": available,
        "suggested": [(s, courses[s.course]) for s in education.suggest(conn, repo, who)],
    }


def _item_page(
    request: Request,
    services: Services,
    item: education.Item,
    delivery: education.Delivery | None,
    right: bool | None,
    link: str,
) -> Response:
    state = browser.csrf_state(request)
    token = state.token(request, services.settings)
    context: dict[str, Any] = {"item": item, "delivery": delivery, "right": right, "link": link}
    context.update(_lang(request))
    response = render.page(request, "learn_item.html", csrf=token, **context)
    state.keep(response, request, services.settings)
    return response
