"""`/care/...` over HTTP on both stores (auth off: the platform acts): a referral to a facility
without the service is 422 naming `performer`, a missing field 400 naming it, the lifecycle runs
to the counter-referral, a second accept is 409, a taken slot 409, a teleconsult of an in-person
appointment 422; nothing is written by a refusal."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from tests.integration.care.care_support import (
    CLINIC,
    DAY,
    DOCTOR,
    HOSPITAL,
    now_us,
    patient,
    slots,
)


def test_referral_over_http(client: TestClient, services: Services) -> None:
    pid = patient(services)
    body = {
        "patient": pid,
        "from": CLINIC,
        "to": HOSPITAL,
        "service": "oncology",
        "urgency": "routine",
        "reason": "Nódulo mamario",
    }
    refused = client.post("/care/referrals", json=body)
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["performer"]
    missing = client.post("/care/referrals", json={**body, "patient": ""})
    assert missing.status_code == 400 and missing.json()["issue"][0]["expression"] == ["patient"]
    assert client.get("/care/referrals", params={"org": HOSPITAL}).json() == []
    made = client.post("/care/referrals", json={**body, "service": "cardiology"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert client.post(f"/care/referrals/{rid}/accept").json() == {"status": "accepted"}
    again = client.post(f"/care/referrals/{rid}/accept")
    assert again.status_code == 409 and "accepted" in again.json()["issue"][0]["diagnostics"]
    [slot] = slots(services, [now_us(services) + DAY])
    booked = client.post(f"/care/slots/{slot}/book", json={"patient": pid, "referral": rid})
    assert booked.status_code == 201, booked.text
    taken = client.post(f"/care/slots/{slot}/book", json={"patient": pid})
    assert taken.status_code == 409
    closed = client.post(f"/care/referrals/{rid}/complete", json={"summary": "FEVI 45 %"})
    assert closed.status_code == 200 and closed.json()["status"] == "completed"
    [sent] = client.get("/care/referrals", params={"org": CLINIC, "side": "sending"}).json()
    assert (sent["status"], sent["counter_referral"]) == (
        "completed",
        closed.json()["counter_referral"],
    )
    tele = client.post(f"/care/appointments/{booked.json()['appointment']}/teleconsult")
    assert tele.status_code == 422
    numbers = client.get("/care/referrals/indicators", params={"org": HOSPITAL}).json()
    assert numbers["completed"] == 1 and numbers["closed_with_counter_referral"] == 1.0


def test_teleconsult_over_http(client: TestClient, services: Services) -> None:
    pid = patient(services)
    [slot] = slots(services, [now_us(services) + DAY], "virtual")
    booked = client.post(f"/care/slots/{slot}/book", json={"patient": pid}).json()
    started = client.post(f"/care/appointments/{booked['appointment']}/teleconsult")
    assert started.status_code == 200, started.text
    encounter = started.json()["encounter"]
    assert started.json()["join"].startswith("https://video.test.enlace.example.mx/sala/")
    note = client.post(f"/care/encounters/{encounter}/note", json={"text": "Sin edema"})
    assert note.status_code == 200
    wrong = client.post(
        f"/care/encounters/{encounter}/order", json={"resource": {"resourceType": "Patient"}}
    )
    assert wrong.status_code == 400
    assert wrong.json()["issue"][0]["expression"] == ["resource.resourceType"]
    rx = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Losartán 50 mg"},
        "dosageInstruction": 7,
    }
    invalid = client.post(f"/care/encounters/{encounter}/order", json={"resource": rx})
    assert invalid.status_code == 400  # dosageInstruction must be a list
    del rx["dosageInstruction"]
    made = client.post(f"/care/encounters/{encounter}/order", json={"resource": rx})
    assert made.status_code == 201, made.text
    with services.db.read() as conn:
        stored = services.repo.read(conn, "MedicationRequest", made.json()["id"]).resource()
    assert stored["encounter"] == {"reference": f"Encounter/{encounter}"}
    assert stored["subject"] == {"reference": f"Patient/{pid}"}
    assert client.post(f"/care/encounters/{encounter}/finish").json() == {"status": "finished"}
    closed = client.post(f"/care/encounters/{encounter}/note", json={"text": "tarde"})
    assert closed.status_code == 409


def test_day_is_the_local_day(client: TestClient, services: Services) -> None:
    pid = patient(services)
    # 2026-03-10 23:30 in Mexico City (UTC-6) is 2026-03-11 05:30 UTC
    late = int(datetime(2026, 3, 11, 5, 30, tzinfo=UTC).timestamp() * 1_000_000)
    [slot] = slots(services, [late])
    booked = client.post(f"/care/slots/{slot}/book", json={"patient": pid})
    assert booked.status_code == 201, booked.text
    params = {"actor": DOCTOR, "on": "2026-03-10"}
    [item] = client.get("/care/day", params=params).json()
    assert item["appointment"] == booked.json()["appointment"]
    assert client.get("/care/day", params={**params, "on": "2026-03-11"}).json() == []
    bad = client.get("/care/day", params={**params, "on": "10/03/2026"})
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["on"]


def test_missing_query_parameters_are_400_with_an_outcome_naming_each(
    client: TestClient, services: Services
) -> None:
    """FastAPI checks these routes' typed parameters itself; its answer is an OperationOutcome
    like every other refusal, not FastAPI's own 422 shape."""
    worklist = client.get("/care/referrals")
    assert worklist.status_code == 400
    assert worklist.headers["content-type"].startswith("application/fhir+json")
    [issue] = worklist.json()["issue"]
    assert issue["code"] == "required" and issue["expression"] == ["org"]
    assert "query parameter 'org'" in issue["diagnostics"]
    day = client.get("/care/day")
    assert day.status_code == 400 and day.json()["resourceType"] == "OperationOutcome"
    assert sorted(i["expression"][0] for i in day.json()["issue"]) == ["actor", "on"]
