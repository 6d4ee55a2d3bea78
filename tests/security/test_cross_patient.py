"""Cross-patient object-level authorization on the non-FHIR routes (OWASP API1, ASVS V4.2.1),
auth on, both stores. Signed-in patient A, a caregiver of A and a physician of another clinic
try to reach patient B's objects; each row names the route, the actor and the refusal the code
gives. 404 where the page treats another's record as not existing (patient-keyed pages and
`?patient=` choices: existence is itself sensitive), 403 where the route refuses by role before
it looks anything up, or on an object the route must load to know whose it is (care
appointments: 403 "you cannot book for Patient/…"). A row fails on any 2xx or 5xx.

Web pages get a session cookie (users.start_session), JSON routes a bearer token from the
signing key, the way the token endpoint issues them (tests/integration/test_oauth_token.py)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import care, education
from enlace.modules.care import teleconsult
from enlace.security.keys import signing_key
from enlace.security.roles import ceiling
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.care.care_support import DAY, DOCTOR, HOSPITAL, referral, slots
from tests.support.oauth_flow import user_with_session

A, B = "pt-a", "pt-b"
OTHER_CLINIC = "org-clinic-other"
FHIR = "http://testserver/fhir"


@dataclass(frozen=True)
class Actor:
    name: str
    cookie: str
    bearer: str


@dataclass(frozen=True)
class World:
    client: TestClient
    actors: dict[str, Actor]
    ids: dict[str, str]  # B's objects


def actor(services: Services, name: str, role: str, **fields: Any) -> Actor:
    user, cookie = user_with_session(services, name, role, **fields)
    grant = Grant(
        user.id,
        "app",
        ceiling(role, user.organization),
        role=role,
        organization=user.organization,
        fhir_user=user.fhir_user,
        patients=tuple(user.patients),
    )
    key, now = signing_key(services.settings), services.repo.clock()
    return Actor(name, cookie, issue_access_token(key, grant, audience=FHIR, now=now).token)


def objects_of_b(services: Services) -> dict[str, str]:
    """B's appointment (booked by staff), free slot, referral and education delivery."""
    now = epoch_us(services.repo.clock())
    booked, free = slots(services, [now + 2 * DAY, now + 3 * DAY])
    (video,) = slots(services, [now + 4 * DAY], mode="virtual")
    with services.db.begin() as conn:
        appointment = care.book(conn, services.repo, booked, B, now, by="staff").appointment
        virtual = care.book(conn, services.repo, video, B, now, by="staff").appointment
        encounter, _ = teleconsult.start(conn, services.repo, virtual, now)
        (delivery,) = education.trigger(conn, B, "hypoglycaemia", "Flag/f-b", now)
    start = datetime.fromtimestamp((now + 2 * DAY) / 1e6, ZoneInfo("America/Mexico_City"))
    return {
        "day": start.date().isoformat(),  # the doctor's day with B's appointment
        "appointment": appointment,
        "virtual": virtual,
        "encounter": encounter,
        "slot": free,
        "referral": referral(services, B),
        "delivery": delivery,
    }


@pytest.fixture
def world(services: Services) -> Iterator[World]:
    with services.db.begin() as conn:
        for pid, family in ((A, "Alfa"), (B, "Bravo")):
            services.repo.update(
                conn, {"resourceType": "Patient", "name": [{"family": family}]}, pid
            )
    ids = objects_of_b(services)
    actors = {
        "patient-a": actor(services, "pat.a", "patient", patients=(A,)),
        "caregiver-a": actor(services, "cuid.a", "caregiver", patients=(A,)),
        "physician-other": actor(services, "dr.otra", "physician", organization=OTHER_CLINIC),
        "analyst": actor(services, "ana.lista", "analyst"),
        "physician-hospital": actor(
            services, "dr.hosp", "physician", organization=HOSPITAL.removeprefix("Organization/")
        ),
    }
    services.settings = dataclasses.replace(services.settings, auth_enabled=True)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield World(client, actors, ids)


PATIENTS = ("patient-a", "caregiver-a")
OTHER = ("physician-other",)
NOT_FOUND, FORBIDDEN = {404}, {403}

# (actors, method, path, what to send, expected statuses). `{x}` is B's object x; `json` rows
# go with the bearer token, the others with the session cookie (and the page's CSRF token for
# a form POST, so the refusal is the authorization's, not the CSRF check's).
ROWS: list[tuple[tuple[str, ...], str, str, dict[str, Any], set[int]]] = [
    # care: appointments, referrals, teleconsult
    (PATIENTS, "POST", "/care/slots/{slot}/book", {"json": {"patient": B}}, FORBIDDEN),
    (PATIENTS, "POST", "/care/appointments/{appointment}/cancel", {"json": {}}, FORBIDDEN),
    (PATIENTS, "POST", "/care/appointments/{appointment}/teleconsult", {"json": {}}, FORBIDDEN),
    (PATIENTS, "POST", "/care/appointments/{appointment}/no-show", {"json": {}}, FORBIDDEN),
    (PATIENTS, "POST", "/care/referrals/{referral}/accept", {"json": {}}, FORBIDDEN),
    (("physician-other",), "POST", "/care/referrals/{referral}/accept", {"json": {}}, FORBIDDEN),
    (
        ("physician-other",),
        "POST",
        "/care/referrals/{referral}/reject",
        {"json": {"reason": "x"}},
        FORBIDDEN,
    ),
    (PATIENTS, "GET", "/care/referrals", {"json": None, "params": {"org": HOSPITAL}}, FORBIDDEN),
    (
        ("physician-other",),
        "GET",
        "/care/referrals",
        {"json": None, "params": {"org": HOSPITAL}},
        FORBIDDEN,
    ),
    (PATIENTS, "GET", "/care/referrals/indicators", {"json": None}, FORBIDDEN),
    # a clinician of another clinic on the hospital's referrals (pages) and appointments
    (
        OTHER,
        "POST",
        "/referrals/{referral}/accept",
        {"form": {}, "page": "/referrals/received"},
        NOT_FOUND,
    ),
    (
        OTHER,
        "POST",
        "/referrals/{referral}/reject",
        {"form": {"reason": "x"}, "page": "/referrals/received"},
        NOT_FOUND,
    ),
    (OTHER, "POST", "/care/appointments/{appointment}/no-show", {"json": {}}, FORBIDDEN),
    (OTHER, "POST", "/care/appointments/{appointment}/cancel", {"json": {}}, FORBIDDEN),
    (OTHER, "POST", "/care/appointments/{virtual}/teleconsult", {"json": {}}, FORBIDDEN),
    (OTHER, "POST", "/care/encounters/{encounter}/note", {"json": {"text": "x"}}, FORBIDDEN),
    (OTHER, "POST", "/care/encounters/{encounter}/finish", {"json": {}}, FORBIDDEN),
    (
        PATIENTS,
        "GET",
        "/care/day",
        {"json": None, "params": {"actor": DOCTOR, "on": "2026-01-10"}},
        FORBIDDEN,
    ),
    (PATIENTS, "POST", "/care/encounters/enc-x/note", {"json": {"text": "x"}}, FORBIDDEN),
    (PATIENTS, "POST", "/appointments/{appointment}/cancel", {"form": {}}, NOT_FOUND | FORBIDDEN),
    (PATIENTS, "GET", "/referrals/receiving", {}, FORBIDDEN),
    # patient-keyed pages: B's record is hidden (the 404 page)
    (PATIENTS, "GET", "/patients/{B}", {}, NOT_FOUND | FORBIDDEN),
    (("patient-a",), "GET", "/patients/{B}/monitoring", {}, NOT_FOUND),
    (("caregiver-a",), "GET", "/patients/{B}/monitoring", {}, FORBIDDEN),  # not a follower
    (("patient-a",), "GET", "/patients/{B}/agp", {}, NOT_FOUND),
    (("caregiver-a",), "GET", "/patients/{B}/agp", {}, FORBIDDEN),  # not a follower
    (("patient-a",), "GET", "/patients/{B}/agp.pdf", {}, NOT_FOUND),
    (("caregiver-a",), "GET", "/patients/{B}/agp.pdf", {}, FORBIDDEN),  # not a follower
    (
        PATIENTS,
        "GET",
        "/monitoring/patients/{B}/cgm-summary",
        {"json": None},
        NOT_FOUND | FORBIDDEN,
    ),
    (PATIENTS, "GET", "/patients/{B}/prescribe", {}, NOT_FOUND | FORBIDDEN),
    (PATIENTS, "GET", "/patients/{B}/screening", {}, NOT_FOUND | FORBIDDEN),
    (PATIENTS, "GET", "/education/patients/{B}", {}, FORBIDDEN),
    # `?patient=B` on a person's own pages: not theirs to know about
    (PATIENTS, "GET", "/learn", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/my/summary", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/my/claims", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/my/wallet", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/app/", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/app/readings", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/app/visits", {"params": {"patient": B}}, NOT_FOUND),
    (PATIENTS, "GET", "/app/more", {"params": {"patient": B}}, NOT_FOUND),
    # the patient app writing for B
    (
        PATIENTS,
        "POST",
        "/app/readings",
        {
            "form": {
                "patient": B,
                "measure": "glucose",
                "unit": "mg/dL",
                "value": "110",
                "client_id": "client-0001",
            }
        },
        NOT_FOUND | FORBIDDEN,
    ),
    (
        PATIENTS,
        "POST",
        "/app/doses",
        {
            "form": {
                "patient": B,
                "request": "mr-b",
                "day": "2026-01-10",
                "slot": "08:00",
                "status": "taken",
                "client_id": "client-0002",
            }
        },
        {400},
    ),  # every refused item: the bad-input page, as for an unknown patient
    (
        PATIENTS,
        "POST",
        "/app/api/sync",
        {
            "app": {
                "items": [
                    {
                        "kind": "reading",
                        "clientId": "client-0003",
                        "patient": B,
                        "capturedAt": "2026-01-10T08:00:00Z",
                        "measure": "glucose",
                        "unit": "mg/dL",
                        "value": 110,
                    }
                ]
            }
        },
        {404},
    ),
    # homecare, vigilance, coop, coldchain, analytics, adherence, delivery, sync, messaging
    (PATIENTS, "GET", "/homecare/day", {}, FORBIDDEN),
    (PATIENTS, "GET", "/homecare/visits/visit-b", {}, FORBIDDEN),
    (PATIENTS, "GET", "/homecare/plan", {}, FORBIDDEN),
    (PATIENTS, "GET", "/vigilance/report", {}, FORBIDDEN),
    (PATIENTS, "GET", "/vigilance/signals", {}, FORBIDDEN),
    (PATIENTS, "GET", "/coop/directory", {}, FORBIDDEN),
    (PATIENTS, "GET", "/coop/council", {}, FORBIDDEN),
    (PATIENTS, "GET", "/council/votes", {}, FORBIDDEN),
    (PATIENTS, "GET", "/coldchain/excursions", {"json": None}, FORBIDDEN),
    (PATIENTS, "GET", "/coldchain/quarantine", {"json": None}, FORBIDDEN),
    (PATIENTS, "GET", "/coldchain", {}, FORBIDDEN),
    # analytics: rows by patient only for the roles the board names (administrator; a
    # physician's own panel); everyone else gets aggregates, small cells suppressed ("< 11")
    (PATIENTS, "GET", "/analytics/network/download.csv", {}, FORBIDDEN),
    (("physician-other",), "GET", "/analytics/network/download.csv", {}, FORBIDDEN),
    (
        ("physician-other", "analyst"),
        "GET",
        "/analytics/clinic/download.csv",
        {"params": {"level": "patient"}},
        {400, 403},
    ),
    (
        ("analyst",),
        "GET",
        "/analytics/network/download.csv",
        {"params": {"level": "patient"}},
        {400},
    ),
    (PATIENTS, "GET", "/analytics", {}, FORBIDDEN),
    (PATIENTS, "GET", "/adherence/panel", {}, FORBIDDEN),
    (PATIENTS, "GET", "/adherence/outreach", {}, FORBIDDEN),
    (PATIENTS, "GET", "/pharmacy/deliveries", {}, FORBIDDEN),
    (PATIENTS, "POST", "/delivery/plan", {"json": {}}, FORBIDDEN),
    (PATIENTS, "GET", "/sync/changes", {"json": None}, FORBIDDEN),
    (PATIENTS, "GET", "/sync/conflicts", {"json": None}, FORBIDDEN),
    (
        PATIENTS,
        "POST",
        "/messaging/numbers/deactivate",
        {"json": {"number": "+525500000000"}},
        FORBIDDEN,
    ),
    (PATIENTS, "GET", "/alerts", {}, FORBIDDEN),
    (PATIENTS, "GET", "/screening/worklist", {}, FORBIDDEN),
]


def place(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: B if m[1] == "B" else ids[m[1]], template)


def call(world: World, who: Actor, method: str, path: str, send: dict[str, Any]) -> int:
    client = world.client
    client.cookies.clear()
    if "json" in send:
        headers = {"Authorization": f"Bearer {who.bearer}"}
        body = {} if send["json"] is None else {"json": send["json"]}
        params = send.get("params")
        return client.request(method, path, headers=headers, params=params, **body).status_code
    client.cookies.set("enlace_session", who.cookie)
    if "app" in send:  # the patient app's script: its CSRF token in a header
        token = client.get("/app/api/token").json()["csrf"]
        answer = client.post(path, json=send["app"], headers={"X-CSRF-Token": token})
        return per_item_status(answer.json())
    if "form" in send:
        form = {**send["form"], "csrf": page_csrf(client, send.get("page", "/app/readings"))}
        return client.post(path, data=form, follow_redirects=False).status_code
    return client.request(
        method, path, params=send.get("params"), follow_redirects=False
    ).status_code


def per_item_status(answer: dict[str, Any]) -> int:
    """The sync answers 200 with a status per item; the item's refusal is what counts here."""
    (item,) = answer["items"]
    return 404 if item["status"] == "refused" and "patient" in str(item) else 200


def page_csrf(client: TestClient, page: str) -> str:
    """The form token of a page the actor may open (the token is bound to the session)."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None, f"no form token on {page}"
    return found.group(1)


def test_patient_a_and_their_caregiver_cannot_reach_patient_bs_objects(world: World) -> None:
    answers = []
    for actors, method, template, send, expected in ROWS:
        for name in actors:
            params = {k: place(v, world.ids) for k, v in send.get("params", {}).items()}
            sent = {**send, "params": params}
            status = call(world, world.actors[name], method, place(template, world.ids), sent)
            if status not in expected:
                answers.append(f"{name} {method} {template} -> {status} (want {sorted(expected)})")
    assert answers == [], "\n".join(answers)


def test_the_same_actors_reach_their_own_objects(world: World) -> None:
    """The refusals above are about B, not a broken sign-in: A's own pages answer 200."""
    for name in PATIENTS:
        who = world.actors[name]
        for path in ("/learn", "/my/summary", "/app/", "/app/readings"):
            status = call(world, who, "GET", path, {"params": {"patient": A}})
            assert status == 200, f"{name} {path} -> {status}"


def test_the_education_link_of_b_is_not_on_as_page(world: World) -> None:
    who = world.actors["patient-a"]
    world.client.cookies.set("enlace_session", who.cookie)
    page = world.client.get("/learn")
    assert page.status_code == 200 and world.ids["delivery"] not in page.text


def test_a_doctors_day_shows_another_clinic_none_of_its_appointments(world: World) -> None:
    """/care/day names each appointment's patient: a facility's staff see their facility's."""
    day = {"actor": DOCTOR, "on": world.ids["day"]}
    other = world.actors["physician-other"]
    headers = {"Authorization": f"Bearer {other.bearer}"}
    world.client.cookies.clear()
    seen = world.client.get("/care/day", params=day, headers=headers)
    assert seen.status_code == 200 and seen.json() == []
    here = world.actors["physician-hospital"]
    headers = {"Authorization": f"Bearer {here.bearer}"}
    own = world.client.get("/care/day", params=day, headers=headers).json()
    assert [item["patient"] for item in own] == [B]  # the hospital's own staff see it
