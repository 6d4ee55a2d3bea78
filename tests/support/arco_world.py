"""A small store for the ARCO tests: two patients, their data, and who may ask for what."""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirResponse
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.security.scopes import parse_scopes
from tests.support.fhir_calls import BASE, body_of, call  # noqa: F401  (re-exported)

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def keys(response: FhirResponse, mode: str | None = None) -> set[str]:
    assert response.status == 200, response.body
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in body_of(response).get("entry", [])
        if e["resource"]["resourceType"] != "OperationOutcome"
        and (mode is None or e["search"]["mode"] == mode)
    }


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def observation(oid: str, patient: str, code: str = "4548-4") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "performer": [{"reference": "Practitioner/dr1"}],
    }


def claim(cid: str, patient: str, insurer: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "id": cid,
        "status": "active",
        "type": {"coding": [{"code": "pharmacy"}]},
        "use": "claim",
        "patient": {"reference": f"Patient/{patient}"},
        "created": "2026-01-01",
        "provider": {"reference": "Organization/clinic1"},
        "insurer": {"reference": f"Organization/{insurer}"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/x"}}],
    }


def prescription(rid: str, patient: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "Medication/met"},
        "subject": {"reference": f"Patient/{patient}"},
        "requester": {"reference": "Practitioner/dr1"},
    }


def build_world(services: Services) -> Services:
    for pid, family in (("p1", "Uno"), ("p2", "Dos")):
        put(services, {"resourceType": "Patient", "id": pid, "name": [{"family": family}]})
    put(services, {"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "Ruiz"}]})
    put(services, {"resourceType": "Practitioner", "id": "dr2", "name": [{"family": "Paz"}]})
    for org in ("ins1", "ins2", "clinic1"):
        put(services, {"resourceType": "Organization", "id": org, "name": org})
    put(services, {"resourceType": "Medication", "id": "met", "status": "active"})
    put(services, {"resourceType": "Medication", "id": "ins", "status": "active"})
    for oid, patient in (("o1", "p1"), ("o1v", "p1"), ("o2", "p2")):
        put(services, observation(oid, patient))
    put(services, prescription("mr1", "p1"))
    other = prescription("mr2", "p2")
    other["medicationReference"] = {"reference": "Medication/ins"}
    other["requester"] = {"reference": "Practitioner/dr2"}
    put(services, other)
    for cid, patient, insurer in (("c1", "p1", "ins1"), ("c2", "p2", "ins1")):
        put(services, claim(cid, patient, insurer))
    return services


def patient(pid: str = "p1", role: str = "patient") -> Access:
    scopes = parse_scopes("patient/*.rs patient/Observation.c")
    return Access(f"user-{pid}", "user", scopes, role=role, patients=(pid,))


def admin() -> Access:
    return Access("root", "user", ceiling("administrator", None), role="administrator")


def physician() -> Access:
    return Access("dr1", "user", ceiling("physician", None), role="physician")


def regulator() -> Access:
    # An inspection token: the regulator role with read access to the clinical record.
    scopes = parse_scopes("user/*.rs")
    return Access("cofepris", "user", scopes, role="regulator")


def payer(org: str) -> Access:
    return Access(f"payer-{org}", "user", ceiling("payer", org), role="payer", organization=org)


def parameters(**values: Any) -> dict[str, Any]:
    """Parameters from keyword values: str → valueString, bool → valueBoolean, a dict → parts
    (lists repeat the part), `kind` → valueCode."""
    return {"resourceType": "Parameters", "parameter": [_param(k, v) for k, v in values.items()]}


def _param(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        parts = [
            _param(key, item)
            for key, items in value.items()
            for item in (items if isinstance(items, list) else [items])
        ]
        return {"name": name, "part": parts}
    if isinstance(value, bool):
        return {"name": name, "valueBoolean": value}
    if name == "kind":
        return {"name": name, "valueCode": value}
    if "/" in value and name in ("resource", "actor"):
        return {"name": name, "valueReference": {"reference": value}}
    return {"name": name, "valueString": value}
