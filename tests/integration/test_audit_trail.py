"""Every access leaves its audit entry: reads and search hits, writes (in their transaction),
refusals, transactions; the patient lists them with $access-log; AuditEvent is for auditors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.security.access import Access
from enlace.security.authn import break_glass
from enlace.security.roles import ceiling
from enlace.security.scopes import parse_scopes
from enlace.security.tables import audit_log
from tests.integration.test_authorization import call, ids, observation, put
from tests.integration.test_login_pages import cheap_hasher, sign_in, web  # noqa: F401

DOCTOR = Access(
    "dr-ana",
    "user",
    ceiling("physician", "clinic1"),
    role="physician",
    organization="clinic1",
    fhir_user="Practitioner/dr1",
)


def rows(services: Services, **where: Any) -> list[dict[str, Any]]:
    c = audit_log.c
    statement = select(audit_log).where(*(c[k] == v for k, v in where.items())).order_by(c.seq)
    with services.db.read() as conn:
        return [dict(r) for r in conn.execute(statement).mappings()]


@pytest.fixture
def world(services: Services) -> Services:
    put(services, {"resourceType": "Patient", "id": "p1", "name": [{"family": "Uno"}]})
    put(services, {"resourceType": "Patient", "id": "p2", "name": [{"family": "Dos"}]})
    put(services, observation("o1", "p1"))
    put(services, observation("o2", "p2"))
    return services


def test_reads_searches_and_writes_are_recorded_with_who_and_whose(world: Services) -> None:
    assert call(world, DOCTOR, "GET", "Observation/o1").status == 200
    read = rows(world, actor="dr-ana", action="R")
    assert [(r["resource_type"], r["resource_id"], r["patient_id"]) for r in read] == [
        ("Observation", "o1", "p1")
    ]
    assert read[0]["role"] == "physician" and read[0]["organization"] == "clinic1"
    assert read[0]["fhir_user"] == "Practitioner/dr1" and read[0]["outcome"] == 200
    found = ids(call(world, DOCTOR, "GET", "Observation?code=4548-4"))
    hits = rows(world, actor="dr-ana", action="search")
    assert {f"{r['resource_type']}/{r['resource_id']}" for r in hits} == found
    assert {r["patient_id"] for r in hits} == {"p1", "p2"}
    assert all(r["query"] == "code=4548-4" for r in hits)
    created = call(world, DOCTOR, "POST", "Observation", observation("x", "p2"))
    assert created.status == 201
    writes = rows(world, actor="dr-ana", action="C")
    assert len(writes) == 1 and writes[0]["patient_id"] == "p2"


def test_refusals_are_recorded_and_rolled_back_writes_leave_no_write_record(
    world: Services,
) -> None:
    me = Access(
        "pat-1",
        "user",
        parse_scopes("patient/*.rs patient/Observation.c"),
        role="patient",
        patients=("p1",),
    )
    assert call(world, me, "GET", "Observation/o2").status == 404
    probe = rows(world, actor="pat-1")
    assert [(r["interaction"], r["outcome"], r["resource_id"]) for r in probe] == [
        ("read", 404, "o2")
    ]
    assert call(world, me, "POST", "Observation", observation("x", "p2")).status == 403
    attempts = rows(world, actor="pat-1", interaction="create")
    assert [(a["action"], a["outcome"]) for a in attempts] == [("C", 403)]  # the attempt only


def test_a_transaction_records_each_write_once_and_nothing_when_it_fails(world: Services) -> None:
    entry = {
        "resource": observation("t", "p1"),
        "request": {"method": "POST", "url": "Observation"},
    }
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry, entry]}
    assert call(world, DOCTOR, "POST", "", bundle).status == 200
    assert len(rows(world, actor="dr-ana", action="C")) == 2
    bad = {**bundle, "entry": [entry, {"request": {"method": "DELETE", "url": "Nope/1"}}]}
    assert call(world, DOCTOR, "POST", "", bad).status >= 400
    assert len(rows(world, actor="dr-ana", action="C")) == 2  # rolled back with its writes


def test_the_patient_sees_every_access_to_their_record(world: Services) -> None:
    call(world, DOCTOR, "GET", "Observation/o1")
    urgent = break_glass(DOCTOR, "Paciente inconsciente")
    call(world, urgent, "GET", "Patient/p1")
    call(world, DOCTOR, "GET", "Observation/o2")  # another patient's: not in p1's log
    me = Access("pat-1", "user", parse_scopes("patient/*.rs"), role="patient", patients=("p1",))
    log = call(world, me, "GET", "Patient/p1/$access-log")
    assert log.status == 200
    events = [e["resource"] for e in log.body["entry"]]  # type: ignore[index]
    whats = [e["entity"][0]["what"]["reference"] for e in events if e.get("entity")]
    assert "Observation/o1" in whats and "Observation/o2" not in whats
    emergency = [e for e in events if e.get("purposeOfEvent")]
    assert emergency and emergency[0]["purposeOfEvent"][0]["coding"][0]["code"] == "ETREAT"
    assert call(world, me, "GET", "Patient/p2/$access-log").status == 404


def test_audit_events_are_for_auditors_only(world: Services) -> None:
    call(world, DOCTOR, "GET", "Observation/o1")
    regulator = Access("reg", "user", ceiling("regulator", None), role="regulator")
    listed = call(world, regulator, "GET", "AuditEvent?agent=dr-ana")
    assert listed.status == 200 and listed.body["entry"]  # type: ignore[index]
    assert call(world, DOCTOR, "GET", "AuditEvent").status == 403
    assert call(world, DOCTOR, "POST", "AuditEvent", {"resourceType": "AuditEvent"}).status == 405
    assert call(world, regulator, "GET", "AuditEvent?foo=1").status == 400


def test_login_steps_are_recorded(services: Services, web: Any) -> None:  # noqa: F811
    assert sign_in(web, "not the password").status_code == 401
    assert sign_in(web).status_code == 303
    logins = rows(services, action="login")
    assert [r["outcome"] for r in logins] == [401, 200]
    assert logins[0]["reason"].endswith("bad-password") and logins[1]["actor"] != "unknown-user"


def test_every_request_of_a_session_has_its_audit_record(services: Services, client: Any) -> None:
    """Completeness: each request id the edge assigns appears in the audit log."""
    json = {"Content-Type": "application/fhir+json"}
    body = {"resourceType": "Patient", "id": "a1", "name": [{"family": "Audit"}]}
    obs = {**observation("ob1", "a1"), "id": "ob1"}
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": "Patient/a1"}}],
    }
    steps = [
        ("PUT", "/fhir/Patient/a1", body),
        ("PUT", "/fhir/Observation/ob1", obs),
        ("GET", "/fhir/Patient/a1", None),
        ("GET", "/fhir/Patient/a1/_history/1", None),
        ("GET", "/fhir/Observation?subject=Patient/a1&_include=Observation:subject", None),
        ("GET", "/fhir/Patient/a1/_history", None),
        ("GET", "/fhir/Patient/a1/$everything", None),
        ("GET", "/fhir/Patient/a1/Observation", None),
        ("GET", "/fhir/Observation/nope", None),
        ("GET", "/fhir/Observation?code=zzz", None),
        ("POST", "/fhir", bundle),
        ("DELETE", "/fhir/Observation/ob1", None),
    ]
    for n, (method, url, payload) in enumerate(steps):
        headers = {**json, "X-Request-Id": f"req-{n}"}
        response = client.request(method, url, json=payload, headers=headers)
        assert response.status_code < 500, (url, response.text)
    recorded = {r["request_id"] for r in rows(services)}
    missing = [url for n, (_, url, _) in enumerate(steps) if f"req-{n}" not in recorded]
    assert not missing, f"no audit record for {missing}"
