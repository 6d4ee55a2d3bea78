"""Report use cases and the CGM summary route on both stores: the AGP of stored CGM readings,
the HL7 CGM IG summary Bundle (sufficient and insufficient data), BP/weight summaries, bad
input, access control, and caregiver follows under the patient's Consent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import follows, reports
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.monitoring.support_readings import cgm_days, patient, put, vitals

ROLE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}
    ]
}


@pytest.fixture
def people(services: Services) -> Services:
    patient(services, "p1", "Uno")
    patient(services, "p2", "Dos")
    return services


@pytest.fixture
def world(people: Services) -> Services:
    services = people
    assert cgm_days(services, "p1", 15) == 15 * 288
    cgm_days(services, "p2", 5)
    vitals(services, "p1")
    return services


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def now(services: Services) -> int:
    return epoch_us(services.repo.clock())


def test_agp_of_stored_readings(world: Services) -> None:
    with world.db.read() as conn:
        report = reports.cgm_report(conn, "p1", 14, now(world))
        short = reports.cgm_report(conn, "p2", 14, now(world))
    assert report.readings == 14 * 288 and report.days_worn == 14 and report.active_pct == 100.0
    m = report.metrics
    assert m is not None
    assert (m.very_low, m.low, m.in_range, m.high, m.very_high) == (0.0, 2.0, 88.0, 0.0, 10.0)
    assert short.metrics is None and short.days_worn == 5


def test_cgm_summary_bundle_route(web: TestClient) -> None:
    answer = web.get("/monitoring/patients/p1/cgm-summary?days=14")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle = answer.json()
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}
    assert set(by_code) == {"104636-6", "104637-4", "97507-8", "97506-0", "104638-2", "106793-3"}
    assert by_code["104636-6"]["valueQuantity"]["value"] == 14
    assert by_code["97506-0"]["valueQuantity"]["unit"] == "%"
    panel = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"]
        for c in by_code["106793-3"]["component"]
    }
    assert panel == {
        "104642-4": 0.0,
        "104641-6": 2.0,
        "97510-2": 88.0,
        "104640-8": 0.0,
        "104639-0": 10.0,
    }
    period = by_code["97507-8"]["effectivePeriod"]
    assert period["start"] < period["end"]
    assert by_code["97507-8"]["subject"] == {"reference": "Patient/p1"}


def test_insufficient_data_gives_only_wear(web: TestClient) -> None:
    bundle = web.get("/monitoring/patients/p2/cgm-summary").json()
    codes = [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]]
    assert codes == ["104636-6", "104637-4"]


def test_bad_days_is_a_400_naming_it(web: TestClient) -> None:
    for days in ("0", "91", "abc", "-3", "1.5"):
        answer = web.get(f"/monitoring/patients/p1/cgm-summary?days={days}")
        assert answer.status_code == 400, days
        assert answer.json()["issue"][0]["expression"] == ["days"]


def test_unknown_patient_is_404(web: TestClient) -> None:
    assert web.get("/monitoring/patients/nobody/cgm-summary").status_code == 404
    assert web.get("/monitoring/patients/bad%20id/cgm-summary").status_code == 404


def bearer(services: Services, grant: Grant) -> dict[str, str]:
    key = signing_key(services.settings)
    token = issue_access_token(
        key, grant, audience="http://testserver/fhir", now=services.repo.clock()
    )
    return {"Authorization": f"Bearer {token.token}"}


def test_the_route_applies_the_fhir_access_rules(people: Services) -> None:
    world = people
    world.settings = dataclasses.replace(world.settings, auth_enabled=True)
    with TestClient(create_app(world), base_url="http://testserver") as client:
        url = "/monitoring/patients/p1/cgm-summary"
        assert client.get(url).status_code == 401
        scopes = parse_scopes("patient/*.rs")
        own = Grant("u1", "app", scopes, role="patient", patient="p1", patients=("p1",))
        other = Grant("u2", "app", scopes, role="patient", patient="p2", patients=("p2",))
        assert client.get(url, headers=bearer(world, own)).status_code == 200
        assert client.get(url, headers=bearer(world, other)).status_code == 404


def test_bp_and_weight_summaries_of_stored_readings(world: Services) -> None:
    with world.db.read() as conn:
        vitals_report = reports.vitals_report(conn, "p1", now(world), (140.0, 90.0))
    bp14, bp30, _ = vitals_report.bp
    assert bp14.morning == (150.0, 95.0) and bp14.evening == (125.0, 80.0)
    assert bp30.count == 40 and bp30.above_target_pct == 50.0
    weight30 = vitals_report.weight[1]
    assert weight30.count == 20 and weight30.trend_kg_per_week == 0.7 and weight30.change_kg == 1.9


def consent(pid: str, actor: str, status: str = "active", **provision: Any) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "id": f"follow-{pid}",
        "status": status,
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{pid}"},
        "provision": {
            "type": "deny",
            "provision": [
                {
                    "type": "permit",
                    "actor": [{"role": ROLE, "reference": {"reference": actor}}],
                    **provision,
                }
            ],
        },
    }


def test_follow_needs_the_patients_consent(people: Services) -> None:
    world = people
    carer = "RelatedPerson/rp1"
    with world.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
        follows.follow(conn, world.repo, carer, "p1", "follow-p1", now(world))
    assert refused.value.status == 400 and refused.value.issues[0].expression == "consent"
    put(world, consent("p1", "RelatedPerson/someone-else"))
    with world.db.begin() as conn, pytest.raises(errors.FhirError):
        follows.follow(conn, world.repo, carer, "p1", "follow-p1", now(world))
    put(world, consent("p1", carer))
    with world.db.begin() as conn:
        follows.follow(conn, world.repo, carer, "p1", "follow-p1", now(world))
    with world.db.read() as conn:
        assert follows.may_view(conn, world.repo, carer, "p1", now(world))
        assert follows.followed(conn, world.repo, carer, now(world)) == ["p1"]
        assert not follows.may_view(conn, world.repo, carer, "p2", now(world))
    put(world, consent("p1", carer, status="inactive"))  # the patient withdraws it
    with world.db.read() as conn:
        assert not follows.may_view(conn, world.repo, carer, "p1", now(world))


def test_unfollow_and_bad_caregiver(people: Services) -> None:
    world = people
    carer = "RelatedPerson/rp1"
    put(world, consent("p1", carer, period={"end": "2099-01-01"}))
    with world.db.begin() as conn:
        follows.follow(conn, world.repo, carer, "p1", "follow-p1", now(world))
        assert follows.unfollow(conn, carer, "p1", now(world))
        assert not follows.unfollow(conn, carer, "p1", now(world))
        with pytest.raises(errors.FhirError) as bad:
            follows.follow(conn, world.repo, "Practitioner/x", "p1", "follow-p1", now(world))
    assert bad.value.issues[0].expression == "caregiver"
    with world.db.read() as conn:
        assert not follows.may_view(conn, world.repo, carer, "p1", now(world))
