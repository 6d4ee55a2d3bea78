"""Authorization in the interactions: scopes, patient compartments, narrowing, consent.

Requests go through `dispatch` with an Access as the HTTP edge would build it from a verified
token, on SQLite and PostgreSQL. Each attack the issue names (another patient's ids, scope
escalation through _include, chains, _has, transactions, $everything, conditional writes) has
its case here.
"""

from __future__ import annotations

from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch
from enlace.kernel.errors import FhirError
from enlace.security.access import Access
from enlace.security.authn import break_glass
from enlace.security.consent import PURPOSE_SYSTEM
from enlace.security.roles import ceiling
from enlace.security.scopes import parse_scopes
from tests.support.fhir_calls import BASE, body_of, call

LAB = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"


def ids(response: FhirResponse, mode: str | None = None) -> set[str]:
    assert response.status == 200, response.body
    body = body_of(response)
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in body.get("entry", [])
        if e["resource"]["resourceType"] != "OperationOutcome"
        and (mode is None or e["search"]["mode"] == mode)
    }


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def observation(oid: str, patient: str, code: str = "4548-4", lab: bool = True, **extra: Any):
    kind = "laboratory" if lab else "vital-signs"
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [{"system": LAB.split("|")[0], "code": kind}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "performer": [{"reference": "Practitioner/dr1"}],
        **extra,
    }


@pytest.fixture
def world(services: Services) -> Services:
    for pid, family in (("p1", "Uno"), ("p2", "Dos")):
        put(services, {"resourceType": "Patient", "id": pid, "name": [{"family": family}]})
    put(services, {"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "Ruiz"}]})
    for org in ("ins1", "ins2"):
        put(services, {"resourceType": "Organization", "id": org, "name": org})
    put(services, observation("o1", "p1"))
    put(services, observation("o1v", "p1", code="8480-6", lab=False))
    put(services, observation("o2", "p2"))
    for cid, patient, insurer in (("c1", "p1", "ins1"), ("c2", "p2", "ins1"), ("c3", "p2", "ins2")):
        put(services, claim(cid, patient, insurer))
    return services


def claim(cid: str, patient: str, insurer: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "id": cid,
        "status": "active",
        "type": {"coding": [{"code": "pharmacy"}]},
        "use": "claim",
        "patient": {"reference": f"Patient/{patient}"},
        "created": "2026-01-01",
        "provider": {"reference": "Organization/ins2"},
        "insurer": {"reference": f"Organization/{insurer}"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/x"}}],
    }


def patient_access(scopes: str = "patient/*.rs patient/Observation.c", pid: str = "p1"):
    return Access(f"user-{pid}", "user", parse_scopes(scopes), role="patient", patients=(pid,))


def test_a_patient_reads_their_record_and_nobody_elses(world: Services) -> None:
    me = patient_access()
    assert call(world, me, "GET", "Patient/p1").status == 200
    assert call(world, me, "GET", "Observation/o1").status == 200
    for url in ("Patient/p2", "Observation/o2", "Observation/o2/_history/1", "Claim/c2"):
        assert call(world, me, "GET", url).status == 404, url  # as if it did not exist
    assert call(world, me, "GET", "Observation/nope").status == 404
    assert call(world, me, "GET", "Practitioner/dr1").status == 200  # not patient data


def test_searches_stay_inside_the_patients_compartment(world: Services) -> None:
    me = patient_access()
    assert ids(call(world, me, "GET", "Observation")) == {"Observation/o1", "Observation/o1v"}
    assert ids(call(world, me, "GET", "Observation?_id=o2")) == set()
    assert ids(call(world, me, "GET", "Patient")) == {"Patient/p1"}
    assert call(world, me, "GET", "Patient/p2/Observation").status == 404


def test_includes_chains_and_has_cannot_reach_other_patients(world: Services) -> None:
    me = patient_access()
    revinclude = call(world, me, "GET", "Patient?_revinclude=Observation:subject")
    assert ids(revinclude) == {"Patient/p1", "Observation/o1", "Observation/o1v"}
    included = call(world, me, "GET", "Claim?_include=Claim:patient&_include=Claim:insurer")
    assert ids(included) == {"Claim/c1", "Patient/p1", "Organization/ins1"}
    assert ids(call(world, me, "GET", "Observation?subject:Patient.family=Dos")) == set()
    assert ids(call(world, me, "GET", "Observation?subject:Patient.family=Uno")) == {
        "Observation/o1",
        "Observation/o1v",
    }
    # As a physician with Observation search but no Claim scope, _has on Claim finds nothing.
    doctor = Access("dr", "user", parse_scopes("user/Patient.rs user/Observation.rs"))
    assert (
        ids(call(world, doctor, "GET", "Patient?_has:Claim:patient:insurer=Organization/ins2"))
        == set()
    )
    assert ids(call(world, doctor, "GET", "Patient?_has:Observation:subject:code=4548-4")) == {
        "Patient/p1",
        "Patient/p2",
    }


def test_everything_and_history_follow_the_same_rules(world: Services) -> None:
    me = patient_access()
    assert call(world, me, "GET", "Patient/p2/$everything").status == 404
    mine = ids(call(world, me, "GET", "Patient/p1/$everything"))
    assert "Observation/o2" not in mine and "Claim/c2" not in mine
    assert {"Patient/p1", "Observation/o1", "Claim/c1"} <= mine
    assert call(world, me, "GET", "Observation/o2/_history").status == 404
    history = ids(call(world, me, "GET", "Observation/_history"))
    assert history == {"Observation/o1", "Observation/o1v"}
    assert "Observation/o2" not in ids(call(world, me, "GET", "_history"))


def test_a_patient_cannot_write_into_another_record(world: Services) -> None:
    me = patient_access()
    refused = call(world, me, "POST", "Observation", observation("x", "p2"))
    assert refused.status == 403
    assert ids(call(world, Access.internal(), "GET", "Observation?subject=Patient/p2")) == {
        "Observation/o2"
    }
    assert call(world, me, "POST", "Observation", observation("x", "p1")).status == 201
    assert call(world, me, "PUT", "Observation/o1", observation("o1", "p1")).status == 403
    writer = patient_access("patient/*.rs patient/Observation.cru")
    assert call(world, writer, "PUT", "Observation/o2", observation("o2", "p1")).status == 404
    moved = call(world, writer, "PUT", "Observation/o1", observation("o1", "p2"))
    assert moved.status == 403  # out of their own compartment: rolled back
    assert call(world, writer, "GET", "Observation/o1").status == 200
    assert call(world, writer, "PUT", "Observation/o1", observation("o1", "p1")).status == 200
    assert call(world, me, "DELETE", "Observation/o1").status == 403  # visible, not deletable
    assert call(world, me, "DELETE", "Observation/o2").status == 403  # the token alone decides
    assert call(world, me, "POST", "Patient", {"resourceType": "Patient"}).status == 403


def test_transactions_and_conditional_writes_are_checked_per_entry(world: Services) -> None:
    me = patient_access()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation("a", "p1"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": observation("b", "p2"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    assert call(world, me, "POST", "", bundle).status == 403
    everyone = ids(call(world, Access.internal(), "GET", "Observation"))
    assert len(everyone) == 3  # nothing of the transaction was written
    # If-None-Exist cannot see (and so cannot confirm) another patient's Observation.
    request = FhirRequest.from_url("POST", "Observation", BASE, access=me)
    request.headers["if-none-exist"] = "_id=o2"
    request.parsed_body = observation("c", "p1")
    assert dispatch(world, request).status == 201


def test_query_narrowing_limits_a_scope(world: Services) -> None:
    labs = Access("app", "client", parse_scopes(f"system/Observation.rs?category={LAB}"))
    assert ids(call(world, labs, "GET", "Observation")) == {"Observation/o1", "Observation/o2"}
    assert call(world, labs, "GET", "Observation/o1v").status == 404
    assert call(world, labs, "GET", "Patient").status == 403  # no scope for the type at all


def test_a_payer_sees_its_own_members_claims_and_no_clinical_data(world: Services) -> None:
    payer = Access(
        "payer1",
        "user",
        parse_scopes("user/*.rs").restricted_to(ceiling("payer", "ins1")),
        role="payer",
        organization="ins1",
    )
    assert ids(call(world, payer, "GET", "Claim")) == {"Claim/c1", "Claim/c2"}
    assert call(world, payer, "GET", "Claim/c3").status == 404
    assert call(world, payer, "GET", "Observation").status == 403
    assert call(world, payer, "GET", "Observation/o1").status == 403


def deny_consent(patient: str, **provision: Any) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "id": f"deny-{patient}",
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"code": "59284-0", "system": "http://loinc.org"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "policyRule": {"coding": [{"code": "OPTOUT"}]},
        "provision": {"type": "permit", "provision": [{"type": "deny", **provision}]},
    }


def test_a_patients_consent_denies_a_payer(world: Services) -> None:
    put(world, deny_consent("p2", actor=[_actor("Organization/ins1")]))
    payer = Access("payer1", "user", ceiling("payer", "ins1"), role="payer", organization="ins1")
    assert ids(call(world, payer, "GET", "Claim")) == {"Claim/c1"}
    assert call(world, payer, "GET", "Claim/c2").status == 404
    other = Access("payer2", "user", ceiling("payer", "ins2"), role="payer", organization="ins2")
    assert ids(call(world, other, "GET", "Claim")) == {"Claim/c3"}  # the denial names ins1 only


def test_sensitive_categories_are_withheld_unless_break_glass(world: Services) -> None:
    hiv = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV"}
    put(world, observation("hiv", "p1", code="75622-1", meta={"security": [hiv]}))
    treatment = {"system": PURPOSE_SYSTEM, "code": "TREAT"}
    put(world, deny_consent("p1", purpose=[treatment], securityLabel=[hiv]))
    doctor = Access("dr1", "user", ceiling("physician", None), role="physician")
    seen = ids(call(world, doctor, "GET", "Observation?subject=Patient/p1"))
    assert "Observation/hiv" not in seen and "Observation/o1" in seen
    assert call(world, doctor, "GET", "Observation/hiv").status == 404
    emergency = break_glass(doctor, "Paciente inconsciente en urgencias")
    assert call(world, emergency, "GET", "Observation/hiv").status == 200
    me = patient_access()
    assert call(world, me, "GET", "Observation/hiv").status == 200  # never hidden from them


def test_no_access_at_all_grants_nothing(world: Services) -> None:
    assert call(world, None, "GET", "Patient/p1").status == 403
    assert call(world, None, "GET", "Observation").status == 403


def _actor(reference: str) -> dict[str, Any]:
    role = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}
        ]
    }
    return {"role": role, "reference": {"reference": reference}}


def test_bulk_export_needs_whole_type_grants_and_answers_only_its_owner(world: Services) -> None:
    me = patient_access()
    headers = {"prefer": "respond-async"}

    def kick(access: Access | None, url: str) -> FhirResponse:
        request = FhirRequest.from_url("GET", url, BASE, headers=dict(headers), access=access)
        try:
            return dispatch(world, request)
        except FhirError as exc:
            return outcome_response(exc)

    assert kick(me, "$export").status == 403
    assert kick(me, "Patient/$export").status == 403
    narrowed = Access("app", "client", parse_scopes(f"system/Observation.rs?category={LAB}"))
    assert kick(narrowed, "$export?_type=Observation").status == 403
    backend = Access("etl", "client", parse_scopes("system/*.rs"))
    accepted = kick(backend, "$export?_type=Patient")
    assert accepted.status == 202
    status_path = accepted.headers["Content-Location"].split("/fhir/", 1)[1]
    other = Access("etl2", "client", parse_scopes("system/*.rs"))
    assert call(world, other, "GET", status_path).status == 404
    assert call(world, backend, "GET", status_path).status in (200, 202)


def test_reindex_is_for_administrators(world: Services) -> None:
    doctor = Access("dr", "user", ceiling("physician", None), role="physician")
    assert call(world, doctor, "POST", "$reindex").status == 403
    admin = Access("root", "user", ceiling("administrator", None), role="administrator")
    assert call(world, admin, "POST", "$reindex?_type=Patient").status == 202
