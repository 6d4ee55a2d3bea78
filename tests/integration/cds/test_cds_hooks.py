"""CDS Hooks over HTTP (ASGI app, SQLite and PostgreSQL): discovery, order-sign cards for
interactions, renal dosing and coverage, a suggestion that yields a valid prescription, cards
recorded and their feedback, bad requests as 4xx OperationOutcomes naming the member."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.cds.tables import cds_cards, cds_feedback
from tests.integration.cds.cds_support import (
    PATIENT,
    by_summary,
    cds_world,
    egfr,
    med,
    outside,
    sign_request,
)
from tests.integration.pharmacy.test_prescribe import part, physician, prescribe
from tests.unit.cds.spec_models import CdsResponse, Discovery, Feedback

SIGN = "/cds-services/enlace-order-sign"


@pytest.fixture
def world(services: Services) -> Services:
    return cds_world(
        services,
        med("enalapril-10-tab", "rx-enalapril", status="active"),
        outside("J01FA09", "Claritromicina 500 mg", "rx-clarithromycin"),
        egfr(38.0),
    )


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def sign(web: TestClient, *drafts: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = web.post(SIGN, json=sign_request(*drafts), headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    CdsResponse.model_validate(body)  # the spec's shapes, strictly
    return body


def test_discovery_lists_the_three_hooks_with_prefetch(web: TestClient) -> None:
    answer = web.get("/cds-services")
    assert answer.status_code == 200
    found = Discovery.model_validate(answer.json())
    hooks = {s.hook: s for s in found.services}
    assert set(hooks) == {"patient-view", "order-select", "order-sign"}
    prefetch = hooks["order-sign"].prefetch or {}
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert "98979-8" in prefetch["labs"]


def test_an_interaction_card_whose_suggestion_yields_a_valid_order(
    web: TestClient, world: Services
) -> None:
    answer = sign(web, med("simvastatin-20-tab"))
    statin = by_summary(answer, "simvastatina")
    assert statin["indicator"] == "critical" and statin["selectionBehavior"] == "at-most-one"
    assert statin["source"]["url"].startswith("https://www.fda.gov/")
    replace = statin["suggestions"][0]
    assert [a["type"] for a in replace["actions"]] == ["delete", "create"]
    assert replace["actions"][0]["resourceId"] == "MedicationRequest/draft-0"
    created = replace["actions"][1]["resource"]
    assert created["medicationReference"]["reference"] == "Medication/med-pravastatin-20-tab"
    # Signing the suggested order: the prescription flow stores it.
    status, stored = prescribe(world, {**created, "status": "active"}, physician())
    assert status == 200, stored
    assert world.validate(part(stored, "prescription")) == []
    # And the new order no longer raises the interaction.
    again = sign(web, created)
    assert not [c for c in again["cards"] if "simvastatina" in c["summary"].lower()]


def test_ras_and_spironolactone_and_english_on_request(web: TestClient) -> None:
    answer = sign(web, med("spironolactone-25-tab"), **{"Accept-Language": "en-US,en;q=0.9"})
    card = by_summary(answer, "hyperkalaemia")
    assert card["indicator"] == "warning"
    assert "Enalapril" in card["detail"] or "enalapril" in card["detail"].lower()
    assert {r["code"] for r in card["overrideReasons"]} >= {"benefit-outweighs-risk"}


def test_renal_dosing_offers_the_lower_strength(web: TestClient) -> None:
    answer = sign(web, med("metformin-850-tab"))  # 1,700 mg/day with eGFR 38
    card = by_summary(answer, "1,000 mg")
    assert card["indicator"] == "warning" and "38" in card["detail"]
    created = card["suggestions"][0]["actions"][1]["resource"]
    assert created["medicationReference"]["reference"] == "Medication/med-metformin-500-tab"


def test_not_covered_offers_the_covered_alternative_with_its_cost(web: TestClient) -> None:
    answer = sign(web, med("telmisartan-40-tab"))
    card = by_summary(answer, "no cubierto")
    assert "Losartán" in card["detail"] and "$0.00" in card["detail"]
    created = card["suggestions"][0]["actions"][1]["resource"]
    assert created["medicationReference"]["reference"] == "Medication/med-losartan-50-tab"


def test_duplicate_therapy_by_atc_level_4(web: TestClient) -> None:
    answer = sign(web, med("captopril-25-tab"))
    card = by_summary(answer, "duplicidad")
    assert "C09AA" in card["detail"]


def test_cards_are_recorded_and_feedback_names_them(web: TestClient, world: Services) -> None:
    body = sign_request(med("simvastatin-20-tab"))
    answer = web.post(SIGN, json=body).json()
    card = answer["cards"][0]
    with world.db.read() as conn:
        rows = conn.execute(cds_cards.select()).mappings().all()
    assert {r["uuid"] for r in rows} == {c["uuid"] for c in answer["cards"]}
    assert {r["hook_instance"] for r in rows} == {body["hookInstance"]}
    assert {r["patient"] for r in rows} == {PATIENT}
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": card["overrideReasons"][0], "userComment": "ok"},
                "outcomeTimestamp": "2026-01-01T10:00:00Z",
            }
        ]
    }
    assert web.post(f"{SIGN}/feedback", json=feedback).status_code == 200
    unknown = {
        "feedback": [{**feedback["feedback"][0], "card": "0" * 8 + "-0000-4000-8000-" + "0" * 12}]
    }
    refused = web.post(f"{SIGN}/feedback", json=unknown)
    assert refused.status_code == 404
    assert refused.json()["issue"][0]["expression"] == ["feedback[0].card"]
    bad = {"feedback": [{**feedback["feedback"][0], "outcome": "maybe"}]}
    assert web.post(f"{SIGN}/feedback", json=bad).json()["issue"][0]["expression"] == [
        "feedback[0].outcome"
    ]
    with world.db.read() as conn:
        stored = conn.execute(cds_feedback.select()).mappings().all()
    assert len(stored) == 1 and stored[0]["override_code"] == "benefit-outweighs-risk"


def test_accepted_feedback_names_the_suggestions(web: TestClient) -> None:
    card = web.post(SIGN, json=sign_request(med("simvastatin-20-tab"))).json()["cards"][0]
    item = {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-01-01T10:00:00Z"}
    taken = {**item, "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}]}
    Feedback.model_validate({"feedback": [taken]})
    assert web.post(f"{SIGN}/feedback", json={"feedback": [taken]}).status_code == 200
    for bad, where in (
        (item, "feedback[0].acceptedSuggestions"),
        ({**taken, "outcomeTimestamp": "2026-01-01T10:00:00"}, "feedback[0].outcomeTimestamp"),
        ({**taken, "overrideReason": {"userComment": "x"}}, "feedback[0].overrideReason"),
    ):
        answer = web.post(f"{SIGN}/feedback", json={"feedback": [bad]})
        assert answer.status_code == 400, bad
        assert answer.json()["issue"][0]["expression"] == [where]
    assert web.post(f"{SIGN}/feedback", json={"feedback": []}).status_code == 400


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"hook": "patient-view"}, "hook"),
        ({"hookInstance": "not-a-uuid"}, "hookInstance"),
        ({"context": {"userId": "Practitioner/dr-1", "patientId": PATIENT}}, "context.draftOrders"),
        ({"prefetch": {"patient": {"resourceType": "Observation"}}}, "prefetch.patient"),
        ({"prefetch": {"nonsense": {}}}, "prefetch.nonsense"),
        ({"fhirAuthorization": {"access_token": "x"}}, "fhirServer"),
    ],
)
def test_bad_requests_are_400_naming_the_member(
    web: TestClient, change: dict[str, Any], where: str
) -> None:
    body = {**sign_request(med("simvastatin-20-tab")), **change}
    answer = web.post(SIGN, json=body)
    assert answer.status_code == 400, answer.text
    assert where in [e for i in answer.json()["issue"] for e in i["expression"]]


def test_resources_that_are_not_fhir_are_400_at_their_place(web: TestClient) -> None:
    broken = {**med("simvastatin-20-tab"), "dosageInstruction": 5, "medicationReference": "x"}
    answer = web.post(SIGN, json=sign_request(broken))
    assert answer.status_code == 400, answer.text
    places = {e for i in answer.json()["issue"] for e in i["expression"]}
    assert places == {
        "context.draftOrders.entry[0].resource.dosageInstruction",
        "context.draftOrders.entry[0].resource.medicationReference",
    }
    bad_bundle = {"resourceType": "Bundle", "type": "searchset", "entry": 5}
    body = sign_request(med("simvastatin-20-tab"), prefetch={"labs": bad_bundle})
    answer = web.post(SIGN, json=body)
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"][0].startswith("prefetch.labs")


def test_unknown_service_and_non_json(web: TestClient) -> None:
    assert web.post("/cds-services/nope", json=sign_request(med("x"))).status_code == 404
    answer = web.post(SIGN, content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 400
