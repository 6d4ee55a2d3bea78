"""The authorization matrix: every role, resource type and interaction, allowed or denied.

EXPECTED is the policy as docs/security.md states it, written by hand (not derived from the role
ceilings, so a change to a ceiling that breaks the policy fails here). Each role acts on a world
where every resource belongs to its patient (p1) and its organization (org1), so a denial can
only come from the policy, never from the data being someone else's.
"""

from __future__ import annotations

from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.security.access import Access
from enlace.security.roles import ROLES, ceiling
from tests.integration.test_authorization import call, ids, put

TYPES = [
    "Patient",
    "Observation",
    "Condition",
    "MedicationRequest",
    "MedicationDispense",
    "Claim",
    "Coverage",
    "Consent",
    "Organization",
]
INTERACTIONS = "srucd"  # search, read, update, create, delete: in the order they run

EXPECTED: dict[str, dict[str, str]] = {
    "patient": dict(
        Patient="rs",
        Observation="rsc",
        Condition="rs",
        MedicationRequest="rs",
        MedicationDispense="rs",
        Claim="rs",
        Coverage="rs",
        Consent="crsud",
        Organization="rs",
    ),
    "caregiver": dict(
        Patient="rs",
        Observation="rsc",
        Condition="rs",
        MedicationRequest="rs",
        MedicationDispense="rs",
        Claim="rs",
        Coverage="rs",
        Consent="rs",
        Organization="rs",
    ),
    "physician": dict(
        Patient="crsud",
        Observation="crsud",
        Condition="crsud",
        MedicationRequest="crsud",
        MedicationDispense="crsud",
        Coverage="rs",
        Consent="rs",
        Organization="rs",
    ),
    "nurse": dict(
        Patient="rs",
        Observation="crsu",
        Condition="rs",
        MedicationRequest="rs",
        MedicationDispense="rs",
        Organization="rs",
    ),
    "chw": dict(Patient="crsu", Observation="crs", Condition="rs", Organization="rs"),
    "pharmacist": dict(
        Patient="rs",
        MedicationRequest="rs",
        MedicationDispense="crsud",
        Claim="crs",
        Coverage="rs",
        Organization="rs",
    ),
    "payer": dict(Patient="rs", Claim="rs", Coverage="rs", Organization="rs"),
    "analyst": dict(Organization="rs"),
    "regulator": dict(Organization="rs"),
    "coordinator": dict(Patient="rs", Organization="rs"),
    "administrator": {t: "crsud" for t in TYPES},
}
PATIENT = {"reference": "Patient/p1"}
ORG = {"reference": "Organization/org1"}
DRUG = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975"}]}


def resource(resource_type: str, rid: str) -> dict[str, Any]:
    """A valid resource of the type in p1's compartment and org1's narrowing."""
    body: dict[str, Any] = {
        "Patient": {"name": [{"family": "Uno"}]},
        "Organization": {"name": "Farmacia Uno"},
        "Observation": {"status": "final", "code": DRUG, "subject": PATIENT},
        "Condition": {"subject": PATIENT, "code": DRUG},
        "MedicationRequest": {
            "status": "active",
            "intent": "order",
            "subject": PATIENT,
            "medicationCodeableConcept": DRUG,
        },
        "MedicationDispense": {
            "status": "completed",
            "subject": PATIENT,
            "medicationCodeableConcept": DRUG,
            "performer": [{"actor": ORG}],
        },
        "Claim": {
            "status": "active",
            "type": {"coding": [{"code": "pharmacy"}]},
            "use": "claim",
            "patient": PATIENT,
            "created": "2026-01-01",
            "provider": ORG,
            "insurer": ORG,
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [
                {"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/cov"}}
            ],
        },
        "Coverage": {"status": "active", "beneficiary": PATIENT, "payor": [ORG]},
        "Consent": {
            "status": "active",
            "scope": {"coding": [{"code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            "patient": PATIENT,
            "policyRule": {"coding": [{"code": "OPTIN"}]},
        },
    }[resource_type]
    return {"resourceType": resource_type, "id": rid, **body}


def role_access(role: str) -> Access:
    patients = ("p1",) if role in ("patient", "caregiver") else ()
    return Access(
        f"{role}-1",
        "user",
        ceiling(role, "org1"),
        role=role,
        organization="org1",
        patients=patients,
    )


def seed(services: Services) -> None:
    put(services, resource("Patient", "p1"))
    put(services, resource("Organization", "org1"))
    for resource_type in TYPES:
        rid = {"Patient": "p1", "Organization": "org1", "Coverage": "cov"}.get(resource_type, "x1")
        put(services, resource(resource_type, rid))


def seeded_id(resource_type: str) -> str:
    return {"Patient": "p1", "Organization": "org1", "Coverage": "cov"}.get(resource_type, "x1")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(services: Services, role: str) -> None:
    assert set(EXPECTED) == set(ROLES), "every role has its row"
    seed(services)
    access = role_access(role)
    failures: list[str] = []
    for resource_type in TYPES:
        allowed = EXPECTED[role].get(resource_type, "")
        for interaction in INTERACTIONS:
            ok = _attempt(services, access, resource_type, interaction)
            if ok != (interaction in allowed):
                verdict = "allowed" if ok else "denied"
                failures.append(f"{role} {interaction} {resource_type}: {verdict}")
    assert not failures, "\n".join(failures)


def _attempt(services: Services, access: Access, resource_type: str, interaction: str) -> bool:
    rid = seeded_id(resource_type)
    if interaction == "s":
        response = call(services, access, "GET", resource_type)
        return response.status == 200 and f"{resource_type}/{rid}" in ids(response)
    if interaction == "r":
        return _status(call(services, access, "GET", f"{resource_type}/{rid}"), 200)
    if interaction == "u":
        response = call(
            services, access, "PUT", f"{resource_type}/{rid}", resource(resource_type, rid)
        )
        return _status(response, 200)
    if interaction == "c":
        body = resource(resource_type, "new")
        body.pop("id")
        return _status(call(services, access, "POST", resource_type, body), 201)
    response = call(services, access, "DELETE", f"{resource_type}/{rid}")
    if response.status == 204:
        put(services, resource(resource_type, rid))  # back, for the next interactions
        return True
    return _status(response, 204)


def _status(response: Any, success: int) -> bool:
    if response.status == success:
        return True
    assert response.status in (403, 404), (response.status, response.body)
    return False
