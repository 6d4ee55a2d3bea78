"""The web shell: home, patient search and the patient page, for a signed-in person.

Each route finds the session's user (anonymous → /login), reads through fhir_reads.Reader with
the user's web Access (enlace.security.web_access) off the event loop, and renders. A record
that is missing or not visible is the same friendly 404; a role without the type is 403; bad
search input is 400 with a message; anything unexpected is logged and shown as error.html.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.security import users
from enlace.security.users import User
from enlace.security.web_access import web_access

from . import browser, i18n, nav, patient_view, render, screening_gaps, shell_strings
from .fhir_reads import Reader, has_link, matches
from .nav import NavItem

log = logging.getLogger("enlace.web.shell")

PAGE_SIZE = 20
MAX_PAGE = 500  # offset paging: deeper pages cost more; nobody reads 10,000 names
HOME_LIST = 10
MAX_CRITERION = 100
OBSERVATIONS = 1000  # the newest this many charted values; the page stays bounded
LISTED = 50  # conditions and prescriptions shown
RECENT_ENCOUNTERS = 10
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
BIRTHDATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
CLINICAL_HOME = ("physician", "nurse", "chw")
SEARCHERS = ("physician", "nurse", "chw", "pharmacist", "administrator")
PROBLEMS = {404: "not_found", 410: "not_found", 403: "forbidden", 400: "bad_request"}


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(shell_strings.STRINGS)
    nav.register(NavItem("/", "nav.home", nav.EVERYONE, 0))
    nav.register(NavItem("/patients", "nav.patients", SEARCHERS, 10))
    nav.register(NavItem("/account", "nav.account", nav.EVERYONE, 90))
    app.include_router(_router(Shell(services)))


class Shell:
    """What every shell route needs: the session's user, a Reader for them, and rendering."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def viewer(self, request: Request) -> User | None:
        token = browser.session_token(request, self.services.settings)
        if not token:
            return None
        now = epoch_us(self.services.repo.clock())

        def lookup() -> User | None:
            with self.services.db.begin() as conn:  # a write: it records the session's activity
                return users.session_user(conn, token, now)

        return await run_in_threadpool(lookup)

    def reader(self, request: Request, user: User) -> Reader:
        source = request.client.host if request.client else None
        return Reader(self.services, web_access(user), f"{request.base_url}fhir", source)

    def today(self) -> date:
        return self.services.repo.clock().date()

    def view(
        self, request: Request, user: User, template: str, status: int = 200, **context: Any
    ) -> Response:
        state = browser.csrf_state(request)
        settings = self.services.settings
        response = render.page(
            request,
            template,
            status=status,
            viewer=user,
            csrf=state.token(request, settings),
            **context,
        )
        state.keep(response, request, settings)
        return response

    def problem(self, request: Request, user: User, status: int, message: str | None) -> Response:
        kind = PROBLEMS.get(status, "bad_request")
        return self.view(request, user, "problem.html", status, kind=kind, message=message)


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    async def signed_in(request: Request, work: Callable[[User], Awaitable[Response]]) -> Response:
        """Anonymous → /login (back here after); FhirError → friendly page; else error.html."""
        try:
            user = await shell.viewer(request)
            if user is None:
                return _to_login(request)
            try:
                return await work(user)
            except errors.FhirError as exc:
                if exc.status not in PROBLEMS:
                    raise
                return shell.problem(request, user, exc.status, "search.refused")
        except Exception:
            log.exception("page %s %s failed", request.method, request.url.path)
            return render.page(request, "error.html", status=500)

    @router.get("/")
    async def home_route(request: Request) -> Response:
        return await signed_in(request, functools.partial(home, request))

    @router.get("/patients")
    async def search_route(request: Request) -> Response:
        return await signed_in(request, functools.partial(search, request))

    @router.get("/patients/{patient_id}")
    async def patient_route(request: Request, patient_id: str) -> Response:
        return await signed_in(request, functools.partial(patient_page, request, patient_id))

    async def home(request: Request, user: User) -> Response:
        reader = shell.reader(request, user)
        if user.role in ("patient", "caregiver"):
            own = reader.access.patients
            if len(own) == 1:
                return _redirect(f"/patients/{own[0]}")
            found = await run_in_threadpool(_own_records, reader, own)
            return shell.view(request, user, "home.html", records=found, recent=None, links=[])
        recent = None
        if user.role in CLINICAL_HOME and reader.may_search("Patient"):
            params = [("_sort", "-_lastUpdated"), ("_count", str(HOME_LIST))]
            bundle = await run_in_threadpool(reader.search, "Patient", params)
            recent = [_patient_line(p, reader, request) for p in matches(bundle)]
        links = nav.registry.items_for(user.role)
        return shell.view(request, user, "home.html", records=None, recent=recent, links=links)

    async def search(request: Request, user: User) -> Response:
        reader = shell.reader(request, user)
        if not reader.may_search("Patient"):
            return shell.problem(request, user, 403, None)
        criteria, params, problem = search_criteria(request.query_params)
        context: dict[str, Any] = {
            "criteria": criteria,
            "results": None,
            "total": None,
            "page": 1,
            "previous_url": None,
            "next_url": None,
        }
        if problem is not None:
            return shell.view(request, user, "patients.html", 400, error=problem, **context)
        bundle = await run_in_threadpool(reader.search, "Patient", params)
        page = int(criteria["page"] or 1)
        context["results"] = [_patient_line(p, reader, request) for p in matches(bundle)]
        context["total"] = bundle.get("total")
        context["page"] = page
        context["previous_url"] = _page_url(criteria, page - 1) if page > 1 else None
        context["next_url"] = _page_url(criteria, page + 1) if has_link(bundle, "next") else None
        return shell.view(request, user, "patients.html", **context)

    async def patient_page(request: Request, patient_id: str, user: User) -> Response:
        if not FHIR_ID.fullmatch(patient_id):
            return shell.problem(request, user, 404, None)
        reader = shell.reader(request, user)
        lang = render.language(request)
        t = i18n.translator(lang)
        record = await run_in_threadpool(_patient_record, reader, patient_id)
        patient = record["patient"]
        obs = record["observations"]
        built, latest = patient_view.observation_charts(obs or [], t, lang)
        gaps = await run_in_threadpool(
            screening_gaps.patient_gaps, shell.services, user.role, record, patient_id
        )
        return shell.view(
            request,
            user,
            "patient.html",
            patient_id=patient_id,
            name=patient_view.human_name(patient),
            facts=patient_view.demographics(patient, t, lang, shell.today()),
            conditions=_rows(record["conditions"], patient_view.conditions, t, lang),
            medicines=_rows(
                record["medicines"],
                functools.partial(
                    patient_view.medicines, dispenses=record["dispenses"] or [], today=shell.today()
                ),
                t,
                lang,
            ),
            encounters=_rows(record["encounters"], patient_view.encounters, t, lang),
            charts=built if obs is not None else None,
            latest=latest,
            per_year=patient_view.per_year_chart(obs or [], t),
            care_gaps=gaps,
        )

    return router


def search_criteria(
    query: Any,
) -> tuple[dict[str, str], list[tuple[str, str]], str | None]:
    """The form's values, the FHIR search they make, and the message key of what is wrong."""
    criteria = {
        k: str(query.get(k, "")).strip() for k in ("name", "identifier", "birthdate", "page")
    }
    if any(len(v) > MAX_CRITERION for v in criteria.values()):
        return criteria, [], "search.too_long"
    if criteria["birthdate"] and not _valid_birthdate(criteria["birthdate"]):
        return criteria, [], "search.bad_birthdate"
    page = criteria["page"] or "1"
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE):
        return criteria, [], "search.bad_page"
    params = [(k, criteria[k]) for k in ("name", "identifier", "birthdate") if criteria[k]]
    params += [
        ("_sort", "family"),
        ("_count", str(PAGE_SIZE)),
        ("_offset", str((int(page) - 1) * PAGE_SIZE)),
        ("_total", "accurate"),
    ]
    return criteria, params, None


def _valid_birthdate(text: str) -> bool:
    if not BIRTHDATE.fullmatch(text):
        return False
    parts = [int(p) for p in text.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return parts[0] >= 1800


def _page_url(criteria: dict[str, str], page: int) -> str:
    kept = [(k, v) for k, v in criteria.items() if v and k != "page"]
    return "/patients?" + urlencode([*kept, ("page", str(page))])


def _patient_line(patient: dict[str, Any], reader: Reader, request: Request) -> dict[str, Any]:
    return {
        "id": patient.get("id", ""),
        "name": patient_view.human_name(patient),
        "gender": patient.get("gender"),
        "birth": patient_view.parse_instant(patient.get("birthDate")),
        "curp": patient_view.curp(patient),
    }


def _own_records(reader: Reader, own: tuple[str, ...]) -> list[dict[str, Any]]:
    """A caregiver's records (each read is audited like any other)."""
    found = []
    for patient_id in own[:LISTED]:
        try:
            found.append(reader.read("Patient", patient_id))
        except errors.FhirError:
            continue  # a record no longer there, or withheld by consent: not listed
    return [{"id": p.get("id", ""), "name": patient_view.human_name(p)} for p in found]


def _patient_record(reader: Reader, patient_id: str) -> dict[str, Any]:
    """The Patient (its 404/403 fails the page) and each section the role may search (None when
    it may not). Every search is bounded and newest first."""
    patient = reader.read("Patient", patient_id)
    sections: dict[str, Any] = {"patient": patient}
    searches = {
        "conditions": ("Condition", [("_sort", "-onset-date"), ("_count", str(LISTED))]),
        "medicines": ("MedicationRequest", [("_sort", "-authoredon"), ("_count", str(LISTED))]),
        "encounters": ("Encounter", [("_sort", "-date"), ("_count", str(RECENT_ENCOUNTERS))]),
        "dispenses": ("MedicationDispense", [("_sort", "-whenhandedover"), ("_count", "200")]),
        "observations": (
            "Observation",
            [
                ("code", ",".join(f"{patient_view.LOINC}|{c}" for c in patient_view.CHARTED_CODES)),
                ("_sort", "-date"),
                ("_count", str(OBSERVATIONS)),
            ],
        ),
    }
    for key, (resource_type, params) in searches.items():
        if not reader.may_search(resource_type):
            sections[key] = None
            continue
        bundle = reader.search(resource_type, [("patient", patient_id), *params])
        sections[key] = matches(bundle)
    return sections


def _rows(
    found: list[dict[str, Any]] | None,
    convert: Callable[..., list[patient_view.Row]],
    t: i18n.Translator,
    lang: str,
) -> list[patient_view.Row] | None:
    return None if found is None else convert(found, t, lang)


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect("/login?" + urlencode({"next": browser.safe_next(target)}))


def _redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
