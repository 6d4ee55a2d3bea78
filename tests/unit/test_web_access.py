"""What a signed-in person may do through the web pages: their role's ceiling, own records."""

from __future__ import annotations

from enlace.security.users import User
from enlace.security.web_access import web_access


def person(role: str, **fields: object) -> User:
    values: dict[str, object] = {
        "id": "u1",
        "username": "ana",
        "display_name": "Ana",
        "role": role,
        "organization": None,
        "fhir_user": None,
        "patients": (),
        "totp_enabled": False,
    }
    values.update(fields)
    return User(**values)  # type: ignore[arg-type]


def test_physician_gets_the_role_ceiling_as_a_user() -> None:
    access = web_access(person("physician", organization="clinica-1"))
    assert (access.actor, access.kind, access.role, access.organization) == (
        "u1",
        "user",
        "physician",
        "clinica-1",
    )
    assert access.grants("Observation", "c") == [()]
    assert access.grants("Patient", "s") == [()]
    assert access.grants("Claim", "r") == []
    assert access.patients == () and not access.unrestricted
    assert access.scopes.other == frozenset()


def test_patient_is_limited_to_own_record() -> None:
    access = web_access(person("patient", fhir_user="Patient/s7-3"))
    assert access.patients == ("s7-3",)
    assert access.scopes.contexts() == {"patient"}
    assert access.grants("Observation", "r") == [()]
    assert access.grants("Observation", "d") == []


def test_caregiver_covers_each_linked_record() -> None:
    access = web_access(person("caregiver", fhir_user="RelatedPerson/r1", patients=("a", "b")))
    assert access.patients == ("a", "b")


def test_patient_without_a_record_gets_no_patient_scope() -> None:
    access = web_access(person("patient"))
    assert access.scopes.resource_scopes == ()
    assert access.grants("Patient", "r") == []


def test_organization_placeholders_are_filled_or_dropped() -> None:
    with_org = web_access(person("pharmacist", organization="farmacia-7"))
    assert with_org.grants("MedicationDispense", "r") == [
        (("performer", "Organization/farmacia-7"),)
    ]
    assert web_access(person("pharmacist")).grants("MedicationDispense", "r") == []
